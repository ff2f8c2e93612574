#include "scheduler/tile_walk.h"

#include <cassert>
#include <vector>

namespace zoomrt::sched {

int64_t TileBox::elements() const {
  int64_t e = 1;
  for (int a = 0; a < axes; ++a) e *= axis[a].hi - axis[a].lo;
  return e;
}

TileBox tile_box(const LoopNest& n, const Tiling& t, int op, const TileIndex& idx) {
  const Operand& o = n.operands[op];
  TileBox b;
  b.axes = int(o.axes.size());
  assert(b.axes <= 6);
  for (int a = 0; a < b.axes; ++a) {
    const Axis& ax = o.axes[a];
    b.axis[a] = ax.kind == AxisKind::fixed ? Range{0, ax.extent}
                                           : axis_range(ax, t.tile[ax.dim], idx[ax.dim]);
  }
  return b;
}

namespace {

struct Resident {
  bool valid = false;
  TileIndex idx{};
};

bool same_tile(const Operand& o, const TileIndex& a, const TileIndex& b, int dims) {
  for (int d = 0; d < dims; ++d)
    if (o.depends_on(d) && a[d] != b[d]) return false;
  return true;
}

}  // namespace

void walk_tiles(const LoopNest& n, const Tiling& t, TileWalkVisitor& v) {
  const int dims = n.dims(), ops = int(n.operands.size());
  int out = -1;
  for (int i = 0; i < ops; ++i)
    if (n.operands[i].role == Role::output) out = i;
  assert(out >= 0);
  const Operand& oo = n.operands[out];
  // Reduction steps each output tile needs, and a flat index of output tiles for the counters.
  int64_t reduction_steps = 1, out_tiles = 1;
  std::vector<int64_t> out_stride(dims, 0);
  for (int d = dims - 1; d >= 0; --d) {
    if (oo.depends_on(d)) {
      out_stride[d] = out_tiles;
      out_tiles *= trips(n, t, d);
    } else {
      reduction_steps *= trips(n, t, d);
    }
  }
  std::vector<int64_t> accumulated(size_t(out_tiles), 0);
  auto flat = [&](const TileIndex& i) {
    int64_t f = 0;
    for (int d = 0; d < dims; ++d) f += out_stride[d] * i[d];
    return size_t(f);
  };

  std::vector<Resident> res(ops);
  auto evict = [&](int i) {
    const Operand& o = n.operands[i];
    if (o.role == Role::input) {
      v.evict(i, res[i].idx, Evict::drop);
    } else {
      const bool done = accumulated[flat(res[i].idx)] == reduction_steps;
      if (o.role == Role::output) v.evict(i, res[i].idx, done ? Evict::final_write : Evict::psum_write);
      else v.evict(i, res[i].idx, done ? Evict::drop : Evict::psum_write);
    }
    res[i].valid = false;
  };

  TileIndex idx{};
  for (;;) {
    for (int i = 0; i < ops; ++i)
      if (res[i].valid && (!t.reuse || !same_tile(n.operands[i], res[i].idx, idx, dims))) evict(i);
    for (int i = 0; i < ops; ++i) {
      if (res[i].valid) continue;
      const Operand& o = n.operands[i];
      Fetch kind = Fetch::input;
      if (o.role != Role::input) kind = accumulated[flat(idx)] > 0 ? Fetch::psum_read : Fetch::init;
      v.fetch(i, idx, kind);
      res[i] = {true, idx};
    }
    v.compute(idx);
    if (v.done()) return;
    ++accumulated[flat(idx)];
    // Advance the odometer, innermost loop of the order first.
    int k = int(t.order.size()) - 1;
    for (; k >= 0; --k) {
      const int d = t.order[k];
      if (++idx[d] < trips(n, t, d)) break;
      idx[d] = 0;
    }
    if (k < 0) break;
  }
  for (int i = 0; i < ops; ++i)
    if (res[i].valid) evict(i);
}

}  // namespace zoomrt::sched
