// Fast nearest 2x upsampling (threaded over input rows) and permute (tiled batched transpose).
#include <algorithm>
#include <array>
#include <cassert>

#include "kernels/fast/ops.h"

namespace zoomrt::fast {
namespace {

constexpr int64_t kTile = 32;  // transpose tile edge: 2 tiles of 4 KB stay in L1

// x [batch, r, s] -> y [batch, s, r], tiles of kTile x kTile, threaded over (batch, row tile).
void transpose(int64_t batch, int64_t r, int64_t s, const float* x, float* y, ThreadPool& pool) {
  const int64_t rt = (r + kTile - 1) / kTile;
  pool.parallel_for(size_t(batch * rt), 1, [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      const int64_t bi = int64_t(t) / rt, i0 = int64_t(t) % rt * kTile, i1 = std::min(r, i0 + kTile);
      const float* xb = x + bi * r * s;
      float* yb = y + bi * r * s;
      for (int64_t j0 = 0; j0 < s; j0 += kTile) {
        const int64_t j1 = std::min(s, j0 + kTile);
        for (int64_t j = j0; j < j1; ++j)
          for (int64_t i = i0; i < i1; ++i) yb[j * r + i] = xb[i * s + j];
      }
    }
  });
}

}  // namespace

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
  if (groups == 2 && first[0] > first[1]) return transpose(1, size[1], size[0], x, y, pool);
  if (groups == 3 && first[0] < first[2] && first[2] < first[1])
    return transpose(size[0], size[2], size[1], x, y, pool);
  ref::permute(x_shape, perm, x, y);
}

}  // namespace zoomrt::fast
