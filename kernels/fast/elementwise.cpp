// Fast activations and GEGLU: activations split into fixed kBlock-element blocks (so the scalar
// tail is always the tensor's last elements, whatever the thread count), GEGLU into whole rows.
#include <algorithm>
#include <cassert>

#include "kernels/fast/ops.h"

namespace zoomrt::fast {

void activation(Act act, int64_t n, const float* x, float* y, ThreadPool& pool) {
  assert(n >= 0);
  const RowKernels& k = row_kernels();
  const size_t blocks = size_t((n + kBlock - 1) / kBlock);
  pool.parallel_for(blocks, 2, [&](size_t begin, size_t end) {
    const int64_t b = int64_t(begin) * kBlock, e = std::min(n, int64_t(end) * kBlock);
    k.activation(act, e - b, x + b, y + b);
  });
}

void geglu(int64_t m, int f, const float* x, float* y, ThreadPool& pool) {
  assert(m >= 0 && f > 0);
  const RowKernels& k = row_kernels();
  const size_t grain = std::max<size_t>(1, size_t(kBlock) / size_t(f));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) k.geglu(f, x + r * 2 * f, x + r * 2 * f + f, y + r * f);
  });
}

}  // namespace zoomrt::fast
