// The one list of fast FP32 kernels. Each X-macro row drives the micro-kernel declarations
// (kernels/gemm/ukernels.h), the dispatch table (kernels/gemm/config.cpp), the kernel tests
// (tests/kernels_gemm_test.cpp runs every row the CPU supports) and zoomrt-bench.
// Adding a kernel = one row here + its definition in the ISA's translation unit.
//
// Name grammar: <dtype>_<op>_<MR>x<NR>__<isa>. MR rows of A by NR columns of B per call.
#pragma once

// X(name, isa, mr, nr): f32 GEMM micro-kernels, ordered from least to most preferred.
// Rows of an ISA exist only where kernels/CMakeLists.txt compiles that ISA's files.
#define ZOOMRT_F32_GEMM_KERNELS_PORTABLE(X) X(f32_gemm_4x8__generic, generic, 4, 8)
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_F32_GEMM_KERNELS_ISA(X)    \
  X(f32_gemm_4x8__sse41, sse41, 4, 8)     \
  X(f32_gemm_6x16__avx2, avx2, 6, 16)     \
  X(f32_gemm_12x32__avx512, avx512, 12, 32)
#elif defined(__aarch64__)
#define ZOOMRT_F32_GEMM_KERNELS_ISA(X) X(f32_gemm_8x8__neon, neon, 8, 8)
#else
#define ZOOMRT_F32_GEMM_KERNELS_ISA(X)
#endif
#define ZOOMRT_F32_GEMM_KERNELS(X) ZOOMRT_F32_GEMM_KERNELS_PORTABLE(X) ZOOMRT_F32_GEMM_KERNELS_ISA(X)

// X(name, isa, epilogue isa, mr, nr, kgroup, A format): int8 GEMM micro-kernels (u8/s8
// activations x s8 weights, int32 accumulation, dequantised to float in the kernel). kgroup is
// how many consecutive k the kernel consumes per step (B is packed [k/kgroup][NR][kgroup],
// not aligned: the kernels use unaligned loads).
// A formats (kernels/gemm/q8_gemm.h, Q8AFormat): s8 = q; u8 = q + 128 (vpdpbusd needs unsigned
// A; the kernel subtracts 128 * column sums of B).
#define ZOOMRT_Q8_GEMM_KERNELS_PORTABLE(X) X(q8_gemm_4x8__generic, generic, generic, 4, 8, 1, s8)
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_Q8_GEMM_KERNELS_X86(X)                    \
  X(q8_gemm_4x16__avx2, avx2, avx2, 4, 16, 4, s8)        \
  X(q8_gemm_12x32__avx512vnni, avx512vnni, avx512, 12, 32, 4, u8)
#else
#define ZOOMRT_Q8_GEMM_KERNELS_X86(X)
#endif
#define ZOOMRT_Q8_GEMM_KERNELS(X) ZOOMRT_Q8_GEMM_KERNELS_PORTABLE(X) ZOOMRT_Q8_GEMM_KERNELS_X86(X)

// X(name, isa, q8 partner, mr, nr, kgroup): INT4 W4A8 micro-kernels (kernels/gemm/w4a8_gemm.h):
// nibble panels unpacked in registers, s8 activations, int32 sums per weight group scaled into
// f32. Each one shares its q8 partner's tile and panel geometry (nr, kgroup), its activation
// quantiser (in s8 format) and epilogue; a q8 kernel without a partner runs the generic row.
#define ZOOMRT_W4A8_GEMM_KERNELS_PORTABLE(X) X(w4a8_gemm_4x8__generic, generic, q8_gemm_4x8__generic, 4, 8, 1)
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_W4A8_GEMM_KERNELS_X86(X)                           \
  X(w4a8_gemm_4x16__avx2, avx2, q8_gemm_4x16__avx2, 4, 16, 4)     \
  X(w4a8_gemm_6x32__avx512vnni, avx512vnni, q8_gemm_12x32__avx512vnni, 6, 32, 4)
#else
#define ZOOMRT_W4A8_GEMM_KERNELS_X86(X)
#endif
#define ZOOMRT_W4A8_GEMM_KERNELS(X) ZOOMRT_W4A8_GEMM_KERNELS_PORTABLE(X) ZOOMRT_W4A8_GEMM_KERNELS_X86(X)

// X(name, isa, mr, nr, kstep): BF16 GEMM kernels (kernels/gemm/bf16_gemm.h): bf16 activations and
// weights, f32 sums in ascending k, MR x NR of C per call over the whole k, kstep k per tile
// step. Without a supported row the f32 kernels compute the same sums (BFormat::bf16 panels).
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_BF16_GEMM_KERNELS(X) X(bf16_gemm_32x32__amx, amx, 32, 32, 32)
#else
#define ZOOMRT_BF16_GEMM_KERNELS(X)
#endif

// X(isa): ISAs with FP32 support code (epilogue, FMA-peak loop) in kernels/gemm/f32_*_<isa>.cpp.
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_F32_ISAS(X) X(generic) X(sse41) X(avx2) X(avx512)
#elif defined(__aarch64__)
#define ZOOMRT_F32_ISAS(X) X(generic) X(neon)
#else
#define ZOOMRT_F32_ISAS(X) X(generic)
#endif
