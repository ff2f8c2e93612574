// Portable W4A8 micro-kernel, 4x8, one k per step (contract in w4a8_gemm.h): byte j of a step
// holds column j (low nibble) and column j + 4 (high nibble).
#include <cmath>
#include <cstdint>

#include "kernels/gemm/w4a8_gemm.h"

namespace zoomrt::kern {

void w4a8_gemm_4x8__generic(size_t mr, size_t groups, size_t group_steps, size_t last_steps, const int8_t* a,
                            size_t lda, const int32_t* a_corr, size_t ld_corr, const uint8_t* b,
                            const float* b_scale, const float* a_scale, float* c, size_t ldc) {
  constexpr size_t NR = 8, HALF = NR / 2;
  float f[4][NR] = {};
  for (size_t g = 0; g < groups; ++g) {
    int32_t acc[4][NR];
    for (size_t i = 0; i < mr; ++i)
      for (size_t j = 0; j < NR; ++j) acc[i][j] = a_corr[i * ld_corr + g];
    const size_t steps = g + 1 < groups ? group_steps : last_steps;
    for (size_t s = 0; s < steps; ++s, b += HALF) {
      const size_t kk = g * group_steps + s;
      for (size_t i = 0; i < mr; ++i) {
        const int32_t ai = a[i * lda + kk];
        for (size_t j = 0; j < HALF; ++j) {
          acc[i][j] += ai * int32_t(b[j] & 15);
          acc[i][j + HALF] += ai * int32_t(b[j] >> 4);
        }
      }
    }
    for (size_t i = 0; i < mr; ++i)
      for (size_t j = 0; j < NR; ++j) f[i][j] = std::fma(float(acc[i][j]), b_scale[g * NR + j], f[i][j]);
  }
  for (size_t i = 0; i < mr; ++i)
    for (size_t j = 0; j < NR; ++j) c[i * ldc + j] = f[i][j] * a_scale[i];
}

}  // namespace zoomrt::kern

namespace zoomrt::kern {

void w4a8_group_sums__generic(size_t groups, size_t group, const int8_t* q, int32_t* out) {
  for (size_t g = 0; g < groups; ++g) {
    int32_t sum = 0;
    for (size_t t = 0; t < group; ++t) sum += q[g * group + t];
    out[g] = -8 * sum;
  }
}

}  // namespace zoomrt::kern
