// Fast group norm (+ fused SiLU, NCHW and NHWC), layer norm and row softmax: threaded over
// (sample, group) pairs, (sample, pixel block) or rows, with the vector row kernels (two-pass
// statistics like the reference: mean, then mean of squared deviations).
#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

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

namespace {

// Pixels per block of the NHWC statistics: fixed by the shape alone (never by the thread count)
// so the sums, and the results, are the same for any pool.
int64_t nhwc_block_rows(int c) { return std::max<int64_t>(1, 32768 / c); }

// y = x * a + b per (sample, channel), a and b [n, c], from one pass of statistics over x
// [n, hw, c]. Each channel's sums are shifted by the channel's first value (d = x - x0 stays on
// the scale of the spread, so sum(d^2) - sum(d)^2 / hw does not cancel), taken in float per
// fixed block of pixels, then blocks, channels and groups are combined in double (per-channel
// means and squared deviations merged as in Chan et al.'s parallel variance).
void nhwc_affine(int n, int64_t hw, int c, int groups, float eps, const float* x, const float* gamma,
                 const float* beta, std::vector<float>& a, std::vector<float>& b, ThreadPool& pool) {
  const RowKernels& k = row_kernels();
  const int64_t rows = nhwc_block_rows(c), blocks = (hw + rows - 1) / rows;
  std::vector<float> s1(size_t(n * blocks * c), 0.0f), s2(s1.size(), 0.0f);
  pool.parallel_for(size_t(n * blocks), 1, [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      const int64_t smp = int64_t(t) / blocks, r0 = int64_t(t) % blocks * rows, r1 = std::min(hw, r0 + rows);
      const float* shift = x + smp * hw * c;
      for (int64_t r = r0; r < r1; ++r) k.accumulate(c, x + (smp * hw + r) * c, shift, &s1[t * c], &s2[t * c]);
    }
  });
  const int cg = c / groups;
  const double m = double(hw);
  std::vector<double> mean_c(static_cast<size_t>(c)), m2_c(static_cast<size_t>(c));
  a.resize(size_t(n) * c);
  b.resize(size_t(n) * c);
  for (int smp = 0; smp < n; ++smp) {
    for (int ch = 0; ch < c; ++ch) {
      double t1 = 0, t2 = 0;
      for (int64_t blk = 0; blk < blocks; ++blk) {
        t1 += s1[size_t((smp * blocks + blk) * c + ch)];
        t2 += s2[size_t((smp * blocks + blk) * c + ch)];
      }
      mean_c[size_t(ch)] = double(x[int64_t(smp) * hw * c + ch]) + t1 / m;
      m2_c[size_t(ch)] = std::max(0.0, t2 - t1 * t1 / m);
    }
    for (int grp = 0; grp < groups; ++grp) {
      double mean = 0, m2 = 0;
      for (int ch = grp * cg; ch < (grp + 1) * cg; ++ch) mean += mean_c[size_t(ch)];
      mean /= cg;
      for (int ch = grp * cg; ch < (grp + 1) * cg; ++ch) {
        const double dm = mean_c[size_t(ch)] - mean;
        m2 += m2_c[size_t(ch)] + m * dm * dm;
      }
      const float inv = 1.0f / std::sqrt(float(m2 / (m * cg)) + eps);
      for (int ch = grp * cg; ch < (grp + 1) * cg; ++ch) {
        const size_t i = size_t(smp) * c + ch;
        a[i] = inv * (gamma ? gamma[ch] : 1.0f);
        b[i] = (beta ? beta[ch] : 0.0f) - float(mean) * a[i];
      }
    }
  }
}

}  // namespace

void group_norm_nhwc(int n, int64_t hw, int c, int groups, float eps, const float* x, const float* gamma,
                     const float* beta, bool fuse_silu, float* y, ThreadPool& pool) {
  assert(n >= 0 && c > 0 && hw > 0 && groups > 0 && c % groups == 0);
  const RowKernels& k = row_kernels();
  std::vector<float> a, b;
  nhwc_affine(n, hw, c, groups, eps, x, gamma, beta, a, b, pool);
  const size_t grain = std::max<size_t>(1, size_t(kBlock) / size_t(c));
  pool.parallel_for(size_t(n * hw), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const size_t off = r / size_t(hw) * size_t(c);  // the pixel's sample
      k.affine_vec(c, x + r * c, a.data() + off, b.data() + off, fuse_silu, y + r * c);
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
