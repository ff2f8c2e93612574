// Reference normalisations and row softmax.
// Statistics use two passes (mean, then mean of squared deviations), accumulated in float in a
// fixed blocked order: sums of kSumBlock consecutive elements, then the block sums in order.
// The blocking keeps float rounding error near that of pairwise summation over the ~1M-element
// groups of the VAE's group norms, where one running float sum would drift past 1e-5.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

constexpr int64_t kSumBlock = 256;

// sum over [0, n) of f(x[i]) in the fixed blocked order above.
template <typename F>
float blocked_sum(const float* x, int64_t n, F f) {
  float total = 0.0f;
  for (int64_t b = 0; b < n; b += kSumBlock) {
    const int64_t e = std::min(n, b + kSumBlock);
    float part = 0.0f;
    for (int64_t i = b; i < e; ++i) part += f(x[i]);
    total += part;
  }
  return total;
}

// Mean and biased variance of channels [c0, c0+cg) of one sample, each channel `spatial` long:
// per-channel blocked sums, then channel sums in order.
void moments(const float* x, int cg, int64_t spatial, float& mean, float& var) {
  const double count = double(cg) * double(spatial);  // only used as the divisor
  float s = 0.0f;
  for (int ci = 0; ci < cg; ++ci) s += blocked_sum(x + ci * spatial, spatial, [](float v) { return v; });
  mean = float(s / count);
  const float m = mean;
  float ss = 0.0f;
  for (int ci = 0; ci < cg; ++ci)
    ss += blocked_sum(x + ci * spatial, spatial, [m](float v) { return (v - m) * (v - m); });
  var = float(ss / count);
}

}  // namespace

void group_norm(int n, int c, int64_t spatial, int groups, float eps, const float* x,
                const float* gamma, const float* beta, float* y, ThreadPool& pool) {
  assert(n >= 0 && c > 0 && spatial > 0 && groups > 0 && c % groups == 0);
  const int cg = c / groups;
  const size_t grain = std::max<size_t>(1, (size_t(1) << 15) / (size_t(cg) * spatial));
  pool.parallel_for(size_t(n) * groups, grain, [&](size_t begin, size_t end) {
    for (size_t ng = begin; ng < end; ++ng) {  // ng enumerates (sample, group)
      const int c0 = int(ng % groups) * cg;
      const int64_t off = int64_t(ng) * cg * spatial;  // groups are contiguous channel runs
      float mean, var;
      moments(x + off, cg, spatial, mean, var);
      const float inv = 1.0f / std::sqrt(var + eps);
      for (int ci = 0; ci < cg; ++ci) {
        const float g = gamma ? gamma[c0 + ci] : 1.0f, bt = beta ? beta[c0 + ci] : 0.0f;
        const float* xc = x + off + ci * spatial;
        float* yc = y + off + ci * spatial;
        for (int64_t i = 0; i < spatial; ++i) yc[i] = (xc[i] - mean) * inv * g + bt;
      }
    }
  });
}

void layer_norm(int64_t m, int c, float eps, const float* x, const float* gamma, const float* beta,
                float* y, ThreadPool& pool) {
  assert(m >= 0 && c > 0);
  const size_t grain = std::max<size_t>(1, (size_t(1) << 14) / size_t(c));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* xr = x + r * c;
      float* yr = y + r * c;
      float mean, var;
      moments(xr, 1, c, mean, var);
      const float inv = 1.0f / std::sqrt(var + eps);
      for (int i = 0; i < c; ++i)
        yr[i] = (xr[i] - mean) * inv * (gamma ? gamma[i] : 1.0f) + (beta ? beta[i] : 0.0f);
    }
  });
}

void softmax_rows(int64_t m, int n, const float* x, float* y, ThreadPool& pool) {
  assert(m >= 0 && n > 0);
  const size_t grain = std::max<size_t>(1, (size_t(1) << 14) / size_t(n));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      float mx = -INFINITY;
      for (int i = 0; i < n; ++i) mx = std::max(mx, xr[i]);
      float sum = 0.0f;
      for (int i = 0; i < n; ++i) {  // safe in place: xr[i] is read before yr[i] is written
        yr[i] = std::exp(xr[i] - mx);
        sum += yr[i];
      }
      const float inv = 1.0f / sum;
      for (int i = 0; i < n; ++i) yr[i] *= inv;
    }
  });
}

}  // namespace zoomrt::ref
