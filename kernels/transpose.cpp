#include "kernels/transpose.h"

#include <algorithm>

namespace zoomrt {

void transpose_batched(int64_t batch, int64_t rows, int64_t cols, const float* x, float* y, ThreadPool& pool) {
  constexpr int64_t T = 32;  // two 4 KB tiles stay in L1
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

}  // namespace zoomrt
