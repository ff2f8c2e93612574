// Batched 2-D transpose, tiled 32 × 32 so both sides stream: y[b, j, i] = x[b, i, j] for
// x [batch, rows, cols]. Threaded over (batch, row tile); a pure copy, so any thread count
// gives the same bytes. Used by the NCHW <-> NHWC converters and the fast permute.
#pragma once
#include <cstdint>

#include "kernels/thread_pool.h"

namespace zoomrt {

void transpose_batched(int64_t batch, int64_t rows, int64_t cols, const float* x, float* y, ThreadPool& pool);

}  // namespace zoomrt
