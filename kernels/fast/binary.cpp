// Fast broadcasting add/mul: the four shape patterns the graphs use (see ops.h), each split
// into whole rows or fixed blocks; anything else goes to ref::binary.
#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

#include "kernels/fast/ops.h"

namespace zoomrt::fast {
namespace {

using Dims = std::array<int64_t, ref::kMaxRank>;

// Right-aligned copy of `s` padded with leading 1s to `rank` dims.
Dims pad_left(std::span<const int64_t> s, size_t rank) {
  Dims d;
  d.fill(1);
  std::copy(s.begin(), s.end(), d.begin() + (rank - s.size()));
  return d;
}

// Splits [0, rank) at p so that small matches big before p and is 1 from p on (leading = true),
// or is 1 before p and matches from p on (leading = false); size-1 dims of big fit either way.
// Returns p, or -1 when small does not fit the pattern.
int split_point(const Dims& big, const Dims& small, size_t rank, bool leading) {
  for (size_t p = 0; p <= rank; ++p) {
    bool ok = true;
    for (size_t i = 0; i < rank && ok; ++i) {
      const bool match_part = leading ? i < p : i >= p;
      ok = big[i] == 1 || (match_part ? small[i] == big[i] : small[i] == 1);
    }
    if (ok) return int(p);
  }
  return -1;
}

int64_t prod(const Dims& d, size_t b, size_t e) {
  int64_t n = 1;
  for (size_t i = b; i < e; ++i) n *= d[i];
  return n;
}

}  // namespace

void binary(ref::BinaryOp op, std::span<const int64_t> a_shape, const float* a,
            std::span<const int64_t> b_shape, const float* b, float* y, ThreadPool& pool) {
  const size_t rank = std::max(a_shape.size(), b_shape.size());
  const bool fast_op = op == ref::BinaryOp::add || op == ref::BinaryOp::mul;
  if (!fast_op || rank > size_t(ref::kMaxRank)) return ref::binary(op, a_shape, a, b_shape, b, y, pool);
  Dims da = pad_left(a_shape, rank), db = pad_left(b_shape, rank), out;
  for (size_t i = 0; i < rank; ++i) out[i] = std::max(da[i], db[i]);
  const RowKernels& k = row_kernels();
  const int64_t total = prod(out, 0, rank);
  if (da == db) {  // same shape: fixed blocks
    const size_t blocks = size_t((total + kBlock - 1) / kBlock);
    pool.parallel_for(blocks, 2, [&](size_t begin, size_t end) {
      const int64_t s = int64_t(begin) * kBlock, e = std::min(total, int64_t(end) * kBlock);
      k.binary(op, e - s, a + s, b + s, false, y + s);
    });
    return;
  }
  // add and mul commute: make `a` the full-shape operand.
  const float* full = a;
  const float* bc = b;
  if (prod(da, 0, rank) != total) {
    std::swap(da, db);
    std::swap(full, bc);
  }
  if (prod(da, 0, rank) != total) return ref::binary(op, a_shape, a, b_shape, b, y, pool);
  for (bool per_row : {true, false}) {
    const int p = split_point(out, db, rank, per_row);
    if (p < 0) continue;
    const int64_t rows = prod(out, 0, size_t(p)), inner = prod(out, size_t(p), rank);
    const size_t grain = size_t(std::max<int64_t>(1, kBlock / std::max<int64_t>(inner, 1)));
    pool.parallel_for(size_t(rows), grain, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r)
        k.binary(op, inner, full + int64_t(r) * inner, per_row ? bc + r : bc, per_row, y + int64_t(r) * inner);
    });
    return;
  }
  // b matches on leading and trailing dims and is 1 in between ([n, 1, 1, c] against
  // [n, h, w, c]: the NHWC time embedding): rows of `inner` in (outer, mid) order.
  size_t p = 0, q = rank;
  while (p < rank && db[p] == out[p]) ++p;
  while (q > p && db[q - 1] == out[q - 1]) --q;
  if (prod(db, p, q) == 1) {
    const int64_t mid = prod(out, p, q), inner = prod(out, q, rank);
    const size_t grain = size_t(std::max<int64_t>(1, kBlock / std::max<int64_t>(inner, 1)));
    pool.parallel_for(size_t(prod(out, 0, p) * mid), grain, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r)
        k.binary(op, inner, full + int64_t(r) * inner, bc + int64_t(r) / mid * inner, false, y + int64_t(r) * inner);
    });
    return;
  }
  ref::binary(op, a_shape, a, b_shape, b, y, pool);
}

}  // namespace zoomrt::fast
