// Reference linear layer y = x w^T + bias.
// Each y[i,j] accumulates x[i,kk] * w[j,kk] in float over kk ascending, then adds the bias.
// w is first transposed to [k, n] so the inner loop runs over output columns j: the compiler
// vectorises across independent outputs and no element's summation order changes.
#include <algorithm>
#include <cassert>
#include <vector>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

constexpr int kRowBlock = 4;   // rows of x sharing one pass over a block of w^T
constexpr int kColBlock = 64;  // output columns accumulated together (fits in L1 with kRowBlock)

// y[i0..i1, j0..j1) from x and wt [k, n].
void linear_block(int n, int k, const float* x, const float* wt, const float* bias, float* y,
                  int i0, int i1, int j0, int j1) {
  float acc[kRowBlock][kColBlock] = {};
  const int cols = j1 - j0;
  for (int kk = 0; kk < k; ++kk) {
    const float* wrow = wt + int64_t(kk) * n + j0;
    for (int i = i0; i < i1; ++i) {
      const float xv = x[int64_t(i) * k + kk];
      float* a = acc[i - i0];
      for (int j = 0; j < cols; ++j) a[j] += xv * wrow[j];
    }
  }
  for (int i = i0; i < i1; ++i) {
    float* yrow = y + int64_t(i) * n + j0;
    for (int j = 0; j < cols; ++j) yrow[j] = acc[i - i0][j] + (bias ? bias[j0 + j] : 0.0f);
  }
}

}  // namespace

void linear(int m, int n, int k, const float* x, const float* w, const float* bias, float* y,
            ThreadPool& pool) {
  assert(m >= 0 && n >= 0 && k >= 0);
  if (m == 0 || n == 0) return;
  std::vector<float> wt(size_t(k) * n);
  pool.parallel_for(size_t(k), 16, [&](size_t begin, size_t end) {
    for (size_t kk = begin; kk < end; ++kk)
      for (int j = 0; j < n; ++j) wt[kk * n + j] = w[int64_t(j) * k + kk];
  });
  const int row_blocks = (m + kRowBlock - 1) / kRowBlock;
  const size_t macs_per_block = size_t(kRowBlock) * n * std::max(k, 1);
  const size_t grain = std::max<size_t>(1, (size_t(1) << 18) / macs_per_block);
  pool.parallel_for(size_t(row_blocks), grain, [&](size_t begin, size_t end) {
    for (size_t rb = begin; rb < end; ++rb) {
      const int i0 = int(rb) * kRowBlock, i1 = std::min(m, i0 + kRowBlock);
      for (int j0 = 0; j0 < n; j0 += kColBlock)
        linear_block(n, k, x, wt.data(), bias, y, i0, i1, j0, std::min(n, j0 + kColBlock));
    }
  });
}

}  // namespace zoomrt::ref
