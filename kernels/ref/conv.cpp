// Reference conv2d: direct convolution, one task per output row (n, k, p).
// Each output element accumulates in float over (c in group, then r, then s), then adds the bias.
// The input is first copied into a zero-padded buffer so the inner loops have no boundary tests
// (padding adds exact zeros, which leaves every sum unchanged); the innermost loops run across
// output columns, which the compiler vectorises without changing any element's summation order.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

// The input seen with its zero border: [n, c, hp, wp]. Without padding it is x itself; with
// padding it is a copy (n*c*hp*wp floats, freed when the call returns).
struct Padded {
  const float* data;
  int hp, wp;
  std::vector<float> storage;
};

Padded pad_input(const Conv2dShape& sh, const float* x, ThreadPool& pool) {
  if (sh.pad == 0) return Padded{x, sh.h, sh.w, {}};
  Padded px{nullptr, sh.h + 2 * sh.pad, sh.w + 2 * sh.pad, {}};
  px.storage.assign(size_t(sh.n) * sh.c * px.hp * px.wp, 0.0f);
  pool.parallel_for(size_t(sh.n) * sh.c, 1, [&](size_t begin, size_t end) {
    for (size_t plane = begin; plane < end; ++plane)
      for (int i = 0; i < sh.h; ++i)
        std::memcpy(&px.storage[(plane * px.hp + i + sh.pad) * px.wp + sh.pad], x + (plane * sh.h + i) * sh.w,
                    sizeof(float) * size_t(sh.w));
  });
  px.data = px.storage.data();
  return px;
}

// Row y[n, k, p, :] = acc + b from the padded input. For each (c, r) the q loop adds all kernel
// columns s to acc[q] in order, so acc is loaded and stored once per (c, r) instead of once per
// MAC; with kS and kStride known at compile time the q loop vectorises. 0 means "read sh".
template <int kS, int kStride>
void conv_row(const Conv2dShape& sh, const Padded& px, const float* w, int n, int k, int p, float b,
              float* acc, float* yrow) {
  const int s_count = kS ? kS : sh.s, stride = kStride ? kStride : sh.stride, q_count = sh.q();
  const int cg = sh.c / sh.groups, c0 = k / (sh.k / sh.groups) * cg;
  std::fill(acc, acc + q_count, 0.0f);
  for (int ci = 0; ci < cg; ++ci) {
    const float* plane = px.data + (int64_t(n) * sh.c + c0 + ci) * px.hp * px.wp;
    const float* wc = w + (int64_t(k) * cg + ci) * sh.r * s_count;
    for (int r = 0; r < sh.r; ++r) {
      const float* row = plane + int64_t(p * stride + r) * px.wp;
      const float* wr = wc + r * s_count;
      for (int q = 0; q < q_count; ++q) {
        float a = acc[q];
        for (int s = 0; s < s_count; ++s) a += wr[s] * row[q * stride + s];
        acc[q] = a;
      }
    }
  }
  for (int q = 0; q < q_count; ++q) yrow[q] = acc[q] + b;
}

using ConvRowFn = void (*)(const Conv2dShape&, const Padded&, const float*, int, int, int, float, float*,
                           float*);

// The specialisations SD uses (3x3 and 1x1, stride 1 and 2), else the general loop.
ConvRowFn pick_row_kernel(const Conv2dShape& sh) {
  if (sh.s == 3 && sh.stride == 1) return conv_row<3, 1>;
  if (sh.s == 3 && sh.stride == 2) return conv_row<3, 2>;
  if (sh.s == 1 && sh.stride == 1) return conv_row<1, 1>;
  return conv_row<0, 0>;
}

}  // namespace

void conv2d(const Conv2dShape& sh, const float* x, const float* w, const float* bias, float* y,
            ThreadPool& pool) {
  assert(sh.n >= 0 && sh.c > 0 && sh.k > 0 && sh.r > 0 && sh.s > 0 && sh.stride > 0 && sh.pad >= 0);
  assert(sh.groups > 0 && sh.c % sh.groups == 0 && sh.k % sh.groups == 0);
  const int p_count = sh.p(), q_count = sh.q();
  if (p_count <= 0 || q_count <= 0 || sh.n == 0) return;
  const Padded px = pad_input(sh, x, pool);
  const size_t rows = size_t(sh.n) * sh.k * p_count;
  const size_t macs_per_row = size_t(sh.c / sh.groups) * sh.r * sh.s * q_count;
  const size_t grain = std::max<size_t>(1, (size_t(1) << 16) / macs_per_row);
  const ConvRowFn row_kernel = pick_row_kernel(sh);
  pool.parallel_for(rows, grain, [&](size_t begin, size_t end) {
    std::vector<float> acc(q_count);
    for (size_t row = begin; row < end; ++row) {  // row enumerates (n, k, p) like y itself
      const int p = int(row % p_count);
      const int k = int(row / p_count % sh.k);
      const int n = int(row / p_count / sh.k);
      row_kernel(sh, px, w, n, k, p, bias ? bias[k] : 0.0f, acc.data(), y + row * q_count);
    }
  });
}

}  // namespace zoomrt::ref
