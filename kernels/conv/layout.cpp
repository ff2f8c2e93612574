// NCHW <-> NHWC converters for the model's edges, blocked 32 x 32 so both sides stream.
#include <algorithm>

#include "kernels/conv/conv.h"

namespace zoomrt {

namespace {

// y[b, j, i] = x[b, i, j] for x [batch, rows, cols]: a batched transpose, tiled over rows.
void transpose_batched(int batch, int64_t rows, int64_t cols, const float* x, float* y, ThreadPool& pool) {
  constexpr int64_t T = 32;
  const int64_t row_tiles = (rows + T - 1) / T;
  pool.parallel_for(size_t(batch * row_tiles), 1, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const int64_t b = int64_t(t) / row_tiles, i0 = int64_t(t) % row_tiles * T, i1 = std::min(rows, i0 + T);
      const float* xb = x + b * rows * cols;
      float* yb = y + b * rows * cols;
      for (int64_t j0 = 0; j0 < cols; j0 += T) {
        const int64_t j1 = std::min(cols, j0 + T);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j) yb[j * rows + i] = xb[i * cols + j];
      }
    }
  });
}

}  // namespace

void nchw_to_nhwc(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool) {
  transpose_batched(n, c, hw, x, y, pool);
}

void nhwc_to_nchw(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool) {
  transpose_batched(n, hw, c, x, y, pool);
}

}  // namespace zoomrt
