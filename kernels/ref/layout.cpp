// Reference data-movement ops: nearest upsampling, concat, slice, permute. Pure copies, so the
// results are exact and independent of thread count.
#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {

void upsample_nearest2x(int n, int c, int h, int w, const float* x, float* y, ThreadPool& pool) {
  assert(n >= 0 && c >= 0 && h >= 0 && w >= 0);
  const size_t grain = std::max<size_t>(1, (size_t(1) << 13) / std::max<size_t>(1, size_t(w)));
  pool.parallel_for(size_t(n) * c * h, grain, [&](size_t begin, size_t end) {
    for (size_t row = begin; row < end; ++row) {  // row enumerates (n, c, input row i)
      const float* xr = x + row * w;
      float* y0 = y + row * 4 * w;  // output rows 2i and 2i+1 of the same (n, c) plane
      for (int j = 0; j < w; ++j) y0[2 * j] = y0[2 * j + 1] = xr[j];
      std::memcpy(y0 + 2 * w, y0, sizeof(float) * 2 * w);
    }
  });
}

void concat(int64_t outer, int64_t inner, std::span<const float* const> xs,
            std::span<const int64_t> sizes, float* y) {
  assert(xs.size() == sizes.size() && outer >= 0 && inner >= 0);
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  for (int64_t o = 0; o < outer; ++o) {
    float* dst = y + o * total * inner;
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t run = sizes[i] * inner;  // input i's contiguous block for this outer index
      std::memcpy(dst, xs[i] + o * run, sizeof(float) * size_t(run));
      dst += run;
    }
  }
}

void slice(int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t len, const float* x,
           float* y) {
  assert(outer >= 0 && inner >= 0 && start >= 0 && len >= 0 && start + len <= size);
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(y + o * len * inner, x + (o * size + start) * inner, sizeof(float) * size_t(len * inner));
}

void permute(std::span<const int64_t> x_shape, std::span<const int> perm, const float* x, float* y) {
  const int rank = int(x_shape.size());
  assert(rank >= 1 && rank <= kMaxRank && perm.size() == x_shape.size());
  std::array<int64_t, kMaxRank> x_stride{}, out_shape{}, src_stride{};
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    x_stride[i] = s;
    s *= x_shape[i];
  }
  if (s == 0) return;
  for (int i = 0; i < rank; ++i) {
    assert(perm[i] >= 0 && perm[i] < rank);
    out_shape[i] = x_shape[perm[i]];
    src_stride[i] = x_stride[perm[i]];  // step in x for one step along output dim i
  }
  const int64_t inner = out_shape[rank - 1], inner_stride = src_stride[rank - 1];
  const int64_t rows = s / inner;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t src = 0, rest = row;
    for (int i = rank - 2; i >= 0; --i) {
      src += rest % out_shape[i] * src_stride[i];
      rest /= out_shape[i];
    }
    float* yr = y + row * inner;
    for (int64_t j = 0; j < inner; ++j) yr[j] = x[src + j * inner_stride];
  }
}

}  // namespace zoomrt::ref
