// NCHW <-> NHWC converters for the model's edges: batched transposes (kernels/transpose.h).
#include "kernels/conv/conv.h"
#include "kernels/transpose.h"

namespace zoomrt {

void nchw_to_nhwc(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool) {
  transpose_batched(n, c, hw, x, y, pool);
}

void nhwc_to_nchw(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool) {
  transpose_batched(n, hw, c, x, y, pool);
}

}  // namespace zoomrt
