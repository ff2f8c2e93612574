// Reference broadcasting binary ops (numpy rules) on up to kMaxRank dims.
// Both shapes are right-aligned and padded to kMaxRank with leading 1s; a size-1 input dim gets
// stride 0, so every output element reads its broadcast source directly. Work is split over the
// output's rows (all dims but the last).
#include <algorithm>
#include <array>
#include <cassert>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

using Dims = std::array<int64_t, kMaxRank>;

// shape right-aligned into kMaxRank dims, leading dims 1.
Dims pad_shape(std::span<const int64_t> shape) {
  assert(shape.size() <= size_t(kMaxRank));
  Dims d;
  d.fill(1);
  const size_t lead = kMaxRank - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) d[lead + i] = shape[i];
  return d;
}

// Element strides of a padded input shape seen through the broadcast output shape.
Dims broadcast_strides(const Dims& in, const Dims& out) {
  Dims st{};
  int64_t s = 1;
  for (int i = kMaxRank - 1; i >= 0; --i) {
    assert(in[i] == out[i] || in[i] == 1);
    st[i] = in[i] == 1 && out[i] != 1 ? 0 : s;
    s *= in[i];
  }
  return st;
}

template <typename Op>
void run(const Dims& out, const Dims& sa, const Dims& sb, const float* a, const float* b, float* y,
         ThreadPool& pool, Op op) {
  int64_t rows = 1;
  for (int i = 0; i < kMaxRank - 1; ++i) rows *= out[i];
  const int64_t inner = out[kMaxRank - 1];
  const int64_t ia = sa[kMaxRank - 1], ib = sb[kMaxRank - 1];
  const size_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(inner, 1));
  pool.parallel_for(size_t(rows), grain, [&](size_t begin, size_t end) {
    for (size_t row = begin; row < end; ++row) {
      int64_t oa = 0, ob = 0, rest = int64_t(row);
      for (int i = kMaxRank - 2; i >= 0; --i) {  // row index -> coordinates -> input offsets
        const int64_t coord = rest % out[i];
        rest /= out[i];
        oa += coord * sa[i];
        ob += coord * sb[i];
      }
      float* yr = y + int64_t(row) * inner;
      for (int64_t j = 0; j < inner; ++j) yr[j] = op(a[oa + j * ia], b[ob + j * ib]);
    }
  });
}

}  // namespace

void binary(BinaryOp op, std::span<const int64_t> a_shape, const float* a,
            std::span<const int64_t> b_shape, const float* b, float* y, ThreadPool& pool) {
  const Dims da = pad_shape(a_shape), db = pad_shape(b_shape);
  Dims out;
  for (int i = 0; i < kMaxRank; ++i) {
    assert(da[i] == db[i] || da[i] == 1 || db[i] == 1);
    out[i] = da[i] == 1 ? db[i] : da[i];
  }
  for (int64_t d : out)
    if (d == 0) return;
  const Dims sa = broadcast_strides(da, out), sb = broadcast_strides(db, out);
  switch (op) {
    case BinaryOp::add:
      return run(out, sa, sb, a, b, y, pool, [](float u, float v) { return u + v; });
    case BinaryOp::sub:
      return run(out, sa, sb, a, b, y, pool, [](float u, float v) { return u - v; });
    case BinaryOp::mul:
      return run(out, sa, sb, a, b, y, pool, [](float u, float v) { return u * v; });
    case BinaryOp::div:
      return run(out, sa, sb, a, b, y, pool, [](float u, float v) { return u / v; });
  }
}

}  // namespace zoomrt::ref
