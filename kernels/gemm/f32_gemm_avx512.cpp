// AVX-512 FP32 micro-kernel (12x32: 24 zmm accumulators, 2 for B, 1 broadcast), epilogue and
// peak loop. Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma (kernels/CMakeLists.txt);
// only reached through dispatch after cpu_supports(Isa::avx512).
#include <immintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/row_table.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {

// ROWS x 32 tile: ROWS*2 zmm accumulators. Instantiated for every row count so that an M tail
// costs only its own rows (a 5-row tail in a 12-row kernel would waste 58 % of its FMAs).
template <int ROWS>
void gemm_rows_x32(size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc, bool accumulate) {
  // B panels cross a 4 KiB page every 32 steps, where hardware prefetchers stop; when the
  // panel comes from DRAM (first micro-row of a block) that stalls without this hint. 64 steps
  // (8 KiB, ~1500 cycles) ahead covers DRAM latency; 16 lost 2-3 % on B-from-DRAM shapes.
  constexpr int kPrefetchSteps = 64;
  const float* ar[ROWS];
  __m512 v[ROWS][2];
#pragma GCC unroll 12
  for (int i = 0; i < ROWS; ++i) {
    ar[i] = a + size_t(i) * lda;
    v[i][0] = accumulate ? _mm512_loadu_ps(c + size_t(i) * ldc) : _mm512_setzero_ps();
    v[i][1] = accumulate ? _mm512_loadu_ps(c + size_t(i) * ldc + 16) : _mm512_setzero_ps();
  }
  for (size_t k = 0; k < kc; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 32 * kPrefetchSteps), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 32 * kPrefetchSteps + 16), _MM_HINT_T0);
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    b += 32;
#pragma GCC unroll 12
    for (int i = 0; i < ROWS; ++i) {
      const __m512 x = _mm512_set1_ps(ar[i][k]);
      v[i][0] = _mm512_fmadd_ps(x, b0, v[i][0]);
      v[i][1] = _mm512_fmadd_ps(x, b1, v[i][1]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < ROWS; ++i) {
    _mm512_storeu_ps(c + size_t(i) * ldc, v[i][0]);
    _mm512_storeu_ps(c + size_t(i) * ldc + 16, v[i][1]);
  }
}

constexpr auto kRows12x32 = row_table<12>([](auto rows) { return &gemm_rows_x32<rows>; });

}  // namespace

void f32_gemm_12x32__avx512(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c,
                            size_t ldc, bool accumulate) {
  kRows12x32[mr - 1](kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__avx512(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                          const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::avx512f>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

double f32_fma_peak__avx512(size_t iters, float* sink) {
  constexpr int kAcc = 12;
  __m512 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-4f);
  for (size_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm512_add_ps(s, acc[i]);
  *sink = _mm512_reduce_add_ps(s);
  return 2.0 * 16 * kAcc * double(iters);
}

}  // namespace zoomrt::kern
