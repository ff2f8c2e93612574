// Portable int8 micro-kernel: s8 x s8 products summed in int32, dequantised on store.
#include <cstdint>

#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

void q8_gemm_4x8__generic(size_t mr, size_t k_groups, const void* a_, size_t lda, const void* b_, float* c,
                          size_t ldc, const float* a_scale, const float* b_scale, const int32_t* corr) {
  constexpr size_t NR = 8;
  const auto* a = static_cast<const int8_t*>(a_);
  const auto* b = static_cast<const int8_t*>(b_);
  int32_t acc[4][NR] = {};
  for (size_t kk = 0; kk < k_groups; ++kk)  // kgroup 1: one k per step
    for (size_t i = 0; i < mr; ++i) {
      const int32_t ai = a[i * lda + kk];
      for (size_t j = 0; j < NR; ++j) acc[i][j] += ai * int32_t(b[kk * NR + j]);
    }
  for (size_t i = 0; i < mr; ++i)
    for (size_t j = 0; j < NR; ++j) c[i * ldc + j] = float(acc[i][j] - corr[j]) * (a_scale[i] * b_scale[j]);
}

}  // namespace zoomrt::kern
