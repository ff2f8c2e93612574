// AVX2+FMA FP32 micro-kernel (6x16: 12 ymm accumulators, 2 for B, 1 broadcast), epilogue and
// peak loop. Compiled with -mavx2 -mfma -mf16c (kernels/CMakeLists.txt); only reached through
// dispatch after cpu_supports(Isa::avx2).
#include <immintrin.h>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/row_table.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {

// ROWS x 16 tile: ROWS*2 ymm accumulators, instantiated per row count so an M tail costs only
// its own rows.
template <int ROWS>
void gemm_rows_x16(size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc, bool accumulate) {
  const float* ar[ROWS];
  __m256 v[ROWS][2];
#pragma GCC unroll 6
  for (int i = 0; i < ROWS; ++i) {
    ar[i] = a + size_t(i) * lda;
    v[i][0] = accumulate ? _mm256_loadu_ps(c + size_t(i) * ldc) : _mm256_setzero_ps();
    v[i][1] = accumulate ? _mm256_loadu_ps(c + size_t(i) * ldc + 8) : _mm256_setzero_ps();
  }
  for (size_t k = 0; k < kc; ++k) {
    // Hint B 32 steps ahead: panels cross 4 KiB pages, where hardware prefetchers stop.
    _mm_prefetch(reinterpret_cast<const char*>(b + 16 * 32), _MM_HINT_T0);
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    b += 16;
#pragma GCC unroll 6
    for (int i = 0; i < ROWS; ++i) {
      const __m256 x = _mm256_broadcast_ss(ar[i] + k);
      v[i][0] = _mm256_fmadd_ps(x, b0, v[i][0]);
      v[i][1] = _mm256_fmadd_ps(x, b1, v[i][1]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < ROWS; ++i) {
    _mm256_storeu_ps(c + size_t(i) * ldc, v[i][0]);
    _mm256_storeu_ps(c + size_t(i) * ldc + 8, v[i][1]);
  }
}

constexpr auto kRows6x16 = row_table<6>([](auto rows) { return &gemm_rows_x16<rows>; });

}  // namespace

void f32_gemm_6x16__avx2(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                         bool accumulate) {
  kRows6x16[mr - 1](kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__avx2(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                        const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::avx2>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

double f32_fma_peak__avx2(size_t iters, float* sink) {
  // 10 independent chains cover FMA latency (4-5 cycles) x 2 pipes.
  constexpr int kAcc = 10;
  __m256 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-4f);
  for (size_t it = 0; it < iters; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm256_add_ps(s, acc[i]);
  *sink = _mm256_cvtss_f32(s);
  return 2.0 * 8 * kAcc * double(iters);
}

}  // namespace zoomrt::kern
