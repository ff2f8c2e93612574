// Int8 GEMM: weight quantisation and packing, and gemm_q8 over the int8 driver (q8_driver.h)
// with rows quantised straight from A.
#include "kernels/gemm/q8_gemm.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "kernels/gemm/config.h"
#include "kernels/gemm/q8_driver.h"

namespace zoomrt {

PackedGemmBQ8 pack_b_q8_codes(const Q8GemmKernelInfo& kernel, const int8_t* codes, const float* scales, int n,
                              int k) {
  PackedGemmBQ8 p;
  const int nr = kernel.nr, kg = kernel.kgroup, panels = (n + nr - 1) / nr;
  p.n = n, p.k = k, p.k_padded = (k + kg - 1) / kg * kg, p.kernel = &kernel;
  p.quantized.assign(codes, codes + size_t(n) * size_t(k));
  p.data.assign(size_t(panels) * size_t(p.k_padded) * size_t(nr), 0);
  p.scale.assign(size_t(panels) * size_t(nr), 1.0f);
  p.corr.assign(size_t(panels) * size_t(nr), 0);
  const size_t groups = size_t(p.k_padded / kg);
  for (int col = 0; col < n; ++col) {
    const int pi = col / nr, j = col % nr;
    int32_t sum = 0;
    for (int kk = 0; kk < k; ++kk) {
      const int8_t v = codes[size_t(col) * size_t(k) + size_t(kk)];
      sum += v;
      const size_t idx = ((size_t(pi) * groups + size_t(kk / kg)) * size_t(nr) + size_t(j)) * size_t(kg) + size_t(kk % kg);
      p.data[idx] = v;
    }
    p.scale[size_t(col)] = scales[col];
    if (kernel.a_format == Q8AFormat::u8) p.corr[size_t(col)] = 128 * sum;
  }
  return p;
}

PackedGemmBQ8 pack_b_q8_for(const Q8GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout) {
  const size_t s_col = layout == Layout::nk ? size_t(k) : 1, s_k = layout == Layout::nk ? 1 : size_t(n);
  std::vector<int8_t> codes(size_t(n) * size_t(k));
  std::vector<float> scales(static_cast<size_t>(n));
  for (int col = 0; col < n; ++col) {
    float amax = 0.0f;
    for (int kk = 0; kk < k; ++kk) amax = std::max(amax, std::fabs(w[size_t(col) * s_col + size_t(kk) * s_k]));
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    scales[size_t(col)] = amax > 0.0f ? amax / 127.0f : 1.0f;
    for (int kk = 0; kk < k; ++kk)
      codes[size_t(col) * size_t(k) + size_t(kk)] = int8_t(std::nearbyint(w[size_t(col) * s_col + size_t(kk) * s_k] * inv));
  }
  return pack_b_q8_codes(kernel, codes.data(), scales.data(), n, k);
}

PackedGemmBQ8 pack_b_q8(const float* w, int n, int k, Layout layout) {
  return pack_b_q8_for(q8_gemm_default(), w, n, k, layout);
}

void gemm_q8(int m, const float* a, size_t lda, const PackedGemmBQ8& b, const float* bias, const Epilogue& epi,
             float* c, size_t ldc, ThreadPool& pool) {
  assert(b.kernel && "B was never packed");
  const Q8GemmKernelInfo& kn = *b.kernel;
  kern::run_gemm_q8(
      m, b, bias, epi, c, ldc, pool,
      [&](int r0, int r1, int8_t* aq, float* scales) {
        const size_t kp = size_t(b.k_padded);
        for (int r = r0; r < r1; ++r)
          kn.quantize_row(size_t(b.k), kp, a + size_t(r) * lda, kn.a_format, aq + size_t(r - r0) * kp,
                          &scales[r - r0]);
      });
}

}  // namespace zoomrt
