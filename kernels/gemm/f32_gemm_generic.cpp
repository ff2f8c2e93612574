// Portable FP32 micro-kernel, epilogue and peak loop: no ISA flags, the fallback on every CPU
// (and the path that NEON builds use until they get their own kernels).
#include <cmath>

#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

void f32_gemm_4x8__generic(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c,
                           size_t ldc, bool accumulate) {
  constexpr size_t MR = 4, NR = 8;
  const float* ar[MR];
  float* cr[MR];
  for (size_t i = 0; i < MR; ++i) {  // rows past mr alias the last valid row
    ar[i] = a + (i < mr ? i : mr - 1) * lda;
    cr[i] = c + (i < mr ? i : mr - 1) * ldc;
  }
  float acc[MR][NR];
  for (size_t i = 0; i < MR; ++i)
    for (size_t j = 0; j < NR; ++j) acc[i][j] = accumulate ? cr[i][j] : 0.0f;
  for (size_t kk = 0; kk < kc; ++kk) {
    const float* bk = b + kk * NR;
    for (size_t i = 0; i < MR; ++i) {
      const float ai = ar[i][kk];
      for (size_t j = 0; j < NR; ++j) acc[i][j] += ai * bk[j];
    }
  }
  for (size_t i = MR; i-- > 0;)  // last row first, so the real row mr-1 is written last
    for (size_t j = 0; j < NR; ++j) cr[i][j] = acc[i][j];
}

namespace {
float apply(float x, Activation act) {
  switch (act) {
    case Activation::none: return x;
    case Activation::silu: return x / (1.0f + std::exp(-x));
    case Activation::gelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  }
  return x;
}
}  // namespace

void f32_epilogue__generic(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                           const float* residual, size_t ld_residual) {
  for (size_t i = 0; i < mr; ++i)
    for (size_t j = 0; j < nr; ++j) {
      float v = c[i * ldc + j] + (bias ? bias[j] : 0.0f);
      v = apply(v, act);
      if (residual) v += residual[i * ld_residual + j];
      c[i * ldc + j] = v;
    }
}

double f32_fma_peak__generic(size_t iters, float* sink) {
  constexpr int kAcc = 16;
  float acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = float(i) * 1e-3f;
  const float x = 0.999f, y = 1e-4f;
  for (size_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAcc; ++i) acc[i] = acc[i] * x + y;
  float s = 0;
  for (float v : acc) s += v;
  *sink = s;
  return 2.0 * kAcc * double(iters);
}

}  // namespace zoomrt::kern
