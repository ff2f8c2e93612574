#include "kernels/ref/pad_clamp.h"

#include <algorithm>
#include <cstring>

namespace zoomrt::ref {

void pad2d(int64_t outer, int h, int w, int top, int bottom, int left, int right, const float* x, float* y) {
  const int ho = h + top + bottom, wo = w + left + right;
  std::fill(y, y + outer * ho * wo, 0.0f);
  for (int64_t o = 0; o < outer; ++o)
    for (int i = 0; i < h; ++i)
      std::memcpy(y + (o * ho + i + top) * wo + left, x + (o * h + i) * w, sizeof(float) * size_t(w));
}

void clamp(int64_t n, float lo, float hi, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace zoomrt::ref
