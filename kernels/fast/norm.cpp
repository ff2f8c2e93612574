// Fast group norm (+ fused SiLU), layer norm and row softmax: threaded over (sample, group) pairs
// or rows, each handled whole by one task with the vector row kernels (two-pass statistics like
// the reference: mean, then mean of squared deviations).
#include <algorithm>
#include <cassert>
#include <cmath>

#include "kernels/fast/ops.h"

namespace zoomrt::fast {

void group_norm(int n, int c, int64_t spatial, int groups, float eps, const float* x,
                const float* gamma, const float* beta, bool fuse_silu, float* y, ThreadPool& pool) {
  assert(n >= 0 && c > 0 && spatial > 0 && groups > 0 && c % groups == 0);
  const RowKernels& k = row_kernels();
  const int cg = c / groups;
  const int64_t count = int64_t(cg) * spatial;
  pool.parallel_for(size_t(n) * groups, 1, [&](size_t begin, size_t end) {
    for (size_t ng = begin; ng < end; ++ng) {  // ng enumerates (sample, group)
      const int c0 = int(ng % groups) * cg;
      const float* xg = x + int64_t(ng) * count;  // a group is a contiguous run of channels
      float* yg = y + int64_t(ng) * count;
      const float mean = float(double(k.sum(xg, count)) / double(count));
      const float var = float(double(k.sum_sq_dev(xg, count, mean)) / double(count));
      const float inv = 1.0f / std::sqrt(var + eps);
      for (int ci = 0; ci < cg; ++ci) {  // per channel: y = x * a + b, a and b folded once
        const float a = inv * (gamma ? gamma[c0 + ci] : 1.0f);
        const float b = (beta ? beta[c0 + ci] : 0.0f) - mean * a;
        k.affine(spatial, xg + ci * spatial, a, b, fuse_silu, yg + ci * spatial);
      }
    }
  });
}

void layer_norm(int64_t m, int c, float eps, const float* x, const float* gamma, const float* beta,
                float* y, ThreadPool& pool) {
  assert(m >= 0 && c > 0);
  const RowKernels& k = row_kernels();
  const size_t grain = std::max<size_t>(1, (size_t(1) << 14) / size_t(c));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* xr = x + r * c;
      const float mean = float(double(k.sum(xr, c)) / double(c));
      const float var = float(double(k.sum_sq_dev(xr, c, mean)) / double(c));
      k.norm_row(c, xr, mean, 1.0f / std::sqrt(var + eps), gamma, beta, y + r * c);
    }
  });
}

void softmax_rows(int64_t m, int n, const float* x, float* y, ThreadPool& pool) {
  assert(m >= 0 && n > 0);
  const RowKernels& k = row_kernels();
  const size_t grain = std::max<size_t>(1, (size_t(1) << 14) / size_t(n));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) k.softmax(n, x + r * n, y + r * n);
  });
}

}  // namespace zoomrt::fast
