// Fast nearest 2x upsampling (NCHW and NHWC, threaded over input rows), NHWC zero padding and
// permute (kernels/transpose.h).
#include <algorithm>
#include <array>
#include <cassert>

#include "kernels/fast/ops.h"
#include "kernels/transpose.h"

namespace zoomrt::fast {

void upsample_nearest2x(int n, int c, int h, int w, const float* x, float* y, ThreadPool& pool) {
  assert(n >= 0 && c >= 0 && h >= 0 && w >= 0);
  const size_t rows = size_t(n) * size_t(c) * size_t(h);
  pool.parallel_for(rows, std::max<size_t>(1, 4096 / size_t(std::max(w, 1))), [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {  // input row r -> output rows 2r and 2r+1
      const float* xr = x + r * size_t(w);
      float* y0 = y + 2 * r * 2 * size_t(w);
      for (int j = 0; j < w; ++j) y0[2 * j] = y0[2 * j + 1] = xr[j];
      std::copy(y0, y0 + 2 * w, y0 + 2 * w);
    }
  });
}

void upsample_nearest2x_nhwc(int n, int h, int w, int c, const float* x, float* y, ThreadPool& pool) {
  assert(n >= 0 && c >= 0 && h >= 0 && w >= 0);
  const size_t rows = size_t(n) * size_t(h), px = size_t(c);  // input pixel rows; floats per pixel
  const size_t grain = std::max<size_t>(1, 4096 / std::max<size_t>(1, size_t(w) * px));
  pool.parallel_for(rows, grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {  // input row r -> output rows 2r and 2r+1
      const float* xr = x + r * size_t(w) * px;
      float* y0 = y + 2 * r * 2 * size_t(w) * px;
      for (size_t j = 0; j < size_t(w); ++j) {
        std::copy(xr + j * px, xr + (j + 1) * px, y0 + 2 * j * px);
        std::copy(xr + j * px, xr + (j + 1) * px, y0 + (2 * j + 1) * px);
      }
      std::copy(y0, y0 + 2 * size_t(w) * px, y0 + 2 * size_t(w) * px);
    }
  });
}

void pad2d_nhwc(int n, int h, int w, int c, int top, int bottom, int left, int right, const float* x,
                float* y, ThreadPool& pool) {
  assert(n >= 0 && h >= 0 && w >= 0 && c >= 0 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0);
  const size_t ho = size_t(h + top + bottom), px = size_t(c);
  const size_t in_row = size_t(w) * px, out_row = size_t(w + left + right) * px;
  auto rows = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {  // output row r: sample r / ho, image row r % ho - top
      float* yr = y + r * out_row;
      const int64_t i = int64_t(r % ho) - top;
      if (i < 0 || i >= h) {
        std::fill(yr, yr + out_row, 0.0f);
        continue;
      }
      const float* xr = x + (r / ho * size_t(h) + size_t(i)) * in_row;
      std::fill(yr, yr + size_t(left) * px, 0.0f);
      std::copy(xr, xr + in_row, yr + size_t(left) * px);
      std::fill(yr + size_t(left) * px + in_row, yr + out_row, 0.0f);
    }
  };
  pool.parallel_for(size_t(n) * ho, std::max<size_t>(1, 4096 / std::max<size_t>(1, out_row)), rows);
}

void permute(std::span<const int64_t> x_shape, std::span<const int> perm, const float* x, float* y,
             ThreadPool& pool) {
  const size_t rank = x_shape.size();
  assert(perm.size() == rank && rank <= size_t(ref::kMaxRank));
  // Drop size-1 dims (they move freely), then merge runs of input dims that stay adjacent and in
  // order in the output: groups in output order, each with its first (compressed) input dim.
  std::array<int, ref::kMaxRank> compressed{};  // input dim -> index among non-1 input dims
  int kept = 0;
  for (size_t i = 0; i < rank; ++i) compressed[i] = x_shape[i] == 1 ? -1 : kept++;
  std::array<int64_t, ref::kMaxRank> size{};
  std::array<int, ref::kMaxRank> first{}, last{};
  int groups = 0;
  for (size_t o = 0; o < rank; ++o) {
    const int c = compressed[size_t(perm[o])];
    if (c < 0) continue;
    if (groups > 0 && c == last[size_t(groups - 1)] + 1) {
      size[size_t(groups - 1)] *= x_shape[size_t(perm[o])];
      last[size_t(groups - 1)] = c;
      continue;
    }
    size[size_t(groups)] = x_shape[size_t(perm[o])];
    first[size_t(groups)] = last[size_t(groups)] = c;
    ++groups;
  }
  // Batched 2-D transposes: input (B, A) -> output (A, B), or input (N, B, A) -> output (N, A, B).
  if (groups == 2 && first[0] > first[1]) return transpose_batched(1, size[1], size[0], x, y, pool);
  if (groups == 3 && first[0] < first[2] && first[2] < first[1])
    return transpose_batched(size[0], size[2], size[1], x, y, pool);
  ref::permute(x_shape, perm, x, y);
}

}  // namespace zoomrt::fast
