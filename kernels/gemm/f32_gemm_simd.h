// The FP32 GEMM micro-kernel and FMA-peak loop written once with xsimd and instantiated per ISA
// in that ISA's translation unit (f32_gemm_sse41.cpp, f32_gemm_avx2.cpp, f32_gemm_avx512.cpp,
// f32_gemm_neon.cpp). Never include this from a file compiled without the matching flags.
//
// Contract: the micro-kernel contract of ukernels.h, for a tile of MR rows by NR = NV * W
// columns, W = the ISA's float lanes (4 for SSE4.1 and NEON, 8 for AVX2, 16 for AVX-512). Per k
// step it loads NV batches of the packed B row (aligned: panel rows are NR * 4 bytes apart from a
// 64-byte aligned start), broadcasts one float of each A row and accumulates with
// fused_multiply_add: one instruction where the ISA has one (NEON, fma3<avx2>, avx512f), a
// multiply then an add where not (SSE4.1). Either way each C element is one chain in ascending
// k, so results are deterministic.
//
// PREFETCH_STEPS > 0 hints the B row that many k steps ahead into L1 (every 64-byte line of it).
// Packed panels cross a 4 KiB page every 4096 / (NR * 4) steps, where hardware prefetchers stop;
// when the panel comes from DRAM (the first micro-row of a block) that stalls without the hint.
// The x86 AVX kernels use it (distances measured per ISA, see their files); SSE4.1 and NEON don't.
//
// Internal linkage on purpose: the linker would otherwise merge the per-ISA copies of these
// templates into one, possibly compiled for an ISA this CPU lacks.
#pragma once
#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/row_table.h"

namespace zoomrt::kern {
namespace {  // NOLINT: see above

// x * y + z, fused where the ISA can. xsimd 8.1 (Debian bookworm) has FMA kernels for fma3<avx2>
// and NEON but none for avx512f, where xsimd::fma would be a multiply then an add.
template <class Arch>
inline xsimd::batch<float, Arch> fused_multiply_add(xsimd::batch<float, Arch> x, xsimd::batch<float, Arch> y,
                                                    xsimd::batch<float, Arch> z) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>) return _mm512_fmadd_ps(x, y, z);
#endif
  return xsimd::fma(x, y, z);
}

template <class Arch, int NV, int PREFETCH_STEPS = 0>
struct SimdGemm {
  using B = xsimd::batch<float, Arch>;
  static constexpr size_t W = B::size;
  static constexpr size_t NR = NV * W;
  static constexpr size_t kLineFloats = 16;  // one 64-byte cache line

  // ROWS x NR tile, instantiated per row count so an M tail costs only its own rows.
  template <int ROWS>
  static void rows(size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc, bool accumulate) {
    const float* ar[ROWS];
    B v[ROWS][NV];
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      ar[i] = a + size_t(i) * lda;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j)
        v[i][j] = accumulate ? B::load_unaligned(c + size_t(i) * ldc + size_t(j) * W) : B(0.0f);
    }
    for (size_t k = 0; k < kc; ++k) {
      if constexpr (PREFETCH_STEPS > 0)
        for (size_t line = 0; line < NR; line += kLineFloats) __builtin_prefetch(b + NR * PREFETCH_STEPS + line, 0, 3);
      B bk[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bk[j] = B::load_aligned(b + size_t(j) * W);
      b += NR;
#pragma GCC unroll 16
      for (int i = 0; i < ROWS; ++i) {
        const B x(ar[i][k]);
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) v[i][j] = fused_multiply_add(x, bk[j], v[i][j]);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) v[i][j].store_unaligned(c + size_t(i) * ldc + size_t(j) * W);
  }

  // The micro-kernel of ukernels.h for MR rows: dispatches mr (1..MR) to its instantiation.
  template <int MR>
  static void kernel(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                     bool accumulate) {
    static constexpr auto table = row_table<MR>([](auto r) { return &rows<r>; });
    table[mr - 1](kc, a, lda, b, c, ldc, accumulate);
  }

  // FMA-peak loop of ukernels.h: ACC independent chains cover the add (or FMA) latency.
  template <int ACC>
  static double fma_peak(size_t iters, float* sink) {
    B acc[ACC];
    for (int i = 0; i < ACC; ++i) acc[i] = B(float(i) * 1e-3f);
    const B x(0.999f), y(1e-4f);
    for (size_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
      for (int i = 0; i < ACC; ++i) acc[i] = fused_multiply_add(acc[i], x, y);
    }
    B s = acc[0];
    for (int i = 1; i < ACC; ++i) s += acc[i];
    *sink = xsimd::hadd(s);
    return 2.0 * double(W) * ACC * double(iters);
  }
};

}  // namespace
}  // namespace zoomrt::kern
