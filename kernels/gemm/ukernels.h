// FP32 GEMM micro-kernels and per-ISA support code, declared from kernels/kernel_list.h.
// Internal to kernels/: callers use kernels/gemm/gemm.h.
//
// Micro-kernel contract (one signature for the family):
//   c[0:mr, 0:NR] = (accumulate ? c : 0) + a[0:mr, 0:kc] · b[0:kc, 0:NR]
//   a: row-major, row i at a + i*lda (unpacked; rows >= mr are never read)
//   b: one packed panel, row kk at b + kk*NR, 64-byte aligned
//   c: row i at c + i*ldc; always NR columns are read/written (the driver handles N tails)
//   requires 1 <= mr <= MR, kc >= 1. Each c element is one FMA chain in ascending kk.
// Epilogue contract: on c[0:mr, 0:nr]: c = act(c + bias[j]) + residual[i*ld_residual + j]
//   (bias / residual may be null).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/kernel_list.h"

namespace zoomrt::kern {

using F32GemmKernelFn = void (*)(size_t mr, size_t kc, const float* a, size_t lda, const float* b,
                                 float* c, size_t ldc, bool accumulate);
using F32EpilogueFn = void (*)(size_t mr, size_t nr, float* c, size_t ldc, const float* bias,
                               Activation act, const float* residual, size_t ld_residual);

#define X(name, isa, mr, nr) \
  void name(size_t mr_, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc, bool accumulate);
ZOOMRT_F32_GEMM_KERNELS(X)
#undef X

// Int8 micro-kernel contract (kernels/gemm/q8_gemm.h for the quantisation):
//   c[i, j] = float(sum_kk a[i, kk] * b[kk, j] - corr[j]) * a_scale[i] * b_scale[j], i < mr, j < NR
//   a: quantised rows in the kernel's A format, row i at a + i*lda elements, k_groups*kgroup long
//   b: one packed panel [k_groups][NR][kgroup]; corr, b_scale: [NR]; a_scale: [mr]
using Q8GemmKernelFn = void (*)(size_t mr, size_t k_groups, const void* a, size_t lda, const void* b, float* c,
                                size_t ldc, const float* a_scale, const float* b_scale, const int32_t* corr);
#define X(name, isa, epi_isa, mr, nr, kgroup, a_format)                                                  \
  void name(size_t mr_, size_t k_groups, const void* a, size_t lda, const void* b, float* c, size_t ldc, \
            const float* a_scale, const float* b_scale, const int32_t* corr);
ZOOMRT_Q8_GEMM_KERNELS(X)
#undef X

// q8_quantize_row__<isa>: one activation row of k floats -> k_padded codes in `format` (zero
// padded; u8 pads with 128, i.e. code 0) and its scale, as q8_gemm.h defines them. One per
// epilogue ISA of the int8 list (config.cpp pairs them); a repeated ISA only redeclares it.
#define X(name, isa, epi_isa, mr, nr, kgroup, a_format) \
  void q8_quantize_row__##epi_isa(size_t k, size_t k_padded, const float* a, Q8AFormat format, void* out, float* scale);
ZOOMRT_Q8_GEMM_KERNELS(X)
#undef X

// BF16 kernel contract (kernels/gemm/bf16_gemm.h), the tile state set up per task:
//   bf16_tiles_begin__<isa>() before a task's first kernel call on a thread, _end after its last;
//   <kernel>(k_steps, a, lda, b, c, ldc): c[0:MR, 0:NR] = a[0:MR, 0:k_steps*kstep] · b, sums
//     from zero in ascending k; a: bf16 rows (lda elements apart, all MR rows readable), b: one
//     packed column panel (PackedGemmBBf16::tiles), c: f32 rows ldc apart, all NR columns written;
//   bf16_round_rows__<isa>: rows of k floats -> bf16 (float_to_bf16), zero from k to k_padded.
#define X(name, isa, mr, nr, kstep)                                                                  \
  void name(size_t k_steps, const uint16_t* a, size_t lda, const uint16_t* b, float* c, size_t ldc); \
  void bf16_tiles_begin__##isa();                                                                    \
  void bf16_tiles_end__##isa();                                                                      \
  void bf16_round_rows__##isa(const float* a, size_t lda, size_t rows, size_t k, size_t k_padded, uint16_t* out, \
                              size_t ld_out);
ZOOMRT_BF16_GEMM_KERNELS(X)
#undef X

// f32_epilogue__<isa> and f32_fma_peak__<isa>. The peak loop runs `iters` rounds of
// independent FMAs on registers and returns the FLOPs it did (2 per lane per FMA); `sink`
// receives a value so the work cannot be optimised away.
#define X(isa)                                                                                   \
  void f32_epilogue__##isa(size_t mr, size_t nr, float* c, size_t ldc, const float* bias,        \
                           Activation act, const float* residual, size_t ld_residual);           \
  double f32_fma_peak__##isa(size_t iters, float* sink);
ZOOMRT_F32_ISAS(X)
#undef X

}  // namespace zoomrt::kern
