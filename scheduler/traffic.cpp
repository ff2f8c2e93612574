#include <array>
// The closed-form DRAM traffic of a tiling (see the counting model in loop_nest.h).
#include <map>

#include "scheduler/loop_nest.h"

namespace zoomrt::sched {

namespace {

// (extent, number of tiles with that extent) along one axis, over all tile indices of its dim.
using Histogram = std::vector<std::pair<int64_t, int64_t>>;

Histogram axis_histogram(const LoopNest& n, const Tiling& t, const Axis& a) {
  if (a.kind == AxisKind::fixed) return {{a.extent, 1}};
  const int64_t tile = t.tile[a.dim], count = trips(n, t, a.dim);
  if (a.kind == AxisKind::dim) {
    Histogram h;
    const int64_t full = a.extent / tile, rem = a.extent % tile;
    if (full) h.push_back({tile, full});
    if (rem) h.push_back({rem, 1});
    return h;
  }
  std::map<int64_t, int64_t> m;
  for (int64_t i = 0; i < count; ++i) {
    const Range r = axis_range(a, tile, i);
    ++m[r.hi - r.lo];
  }
  return Histogram(m.begin(), m.end());
}

// Sum over the cartesian product of the axis histograms of count x bytes_of(product of extents).
uint64_t sum_tile_bytes(const std::vector<Histogram>& hs, int64_t bits_milli) {
  if (bits_milli % 8000 == 0) {  // whole bytes per element: the sum factorises
    uint64_t elems = 1;
    for (const Histogram& h : hs) {
      uint64_t s = 0;
      for (auto [extent, count] : h) s += uint64_t(extent * count);
      elems *= s;
    }
    return elems * uint64_t(bits_milli / 8000);
  }
  uint64_t total = 0;
  std::vector<size_t> idx(hs.size(), 0);
  for (;;) {
    int64_t elems = 1, count = 1;
    for (size_t a = 0; a < hs.size(); ++a) {
      elems *= hs[a][idx[a]].first;
      count *= hs[a][idx[a]].second;
    }
    total += uint64_t(count) * uint64_t(bytes_of(elems, bits_milli));
    size_t a = hs.size();
    while (a > 0) {
      --a;
      if (++idx[a] < hs[a].size()) break;
      idx[a] = 0;
      if (a == 0) return total;
    }
    if (hs.empty()) return total;
  }
}

}  // namespace

OperandBases operand_bases(const LoopNest& n, const Tiling& t) {
  OperandBases b;
  for (const Operand& op : n.operands) {
    std::vector<Histogram> hs;
    uint64_t tiles = 1;
    for (const Axis& a : op.axes) {
      hs.push_back(axis_histogram(n, t, a));
      if (a.kind != AxisKind::fixed) tiles *= uint64_t(trips(n, t, a.dim));
    }
    b.bytes.push_back(sum_tile_bytes(hs, op.bits_milli));
    b.final_bytes.push_back(op.role == Role::output ? sum_tile_bytes(hs, op.final_bits_milli) : 0);
    b.tiles.push_back(tiles);
  }
  return b;
}

Traffic traffic_for_order(const LoopNest& n, const Tiling& t, const OperandBases& b, bool per_operand) {
  std::array<int, kMaxDims> eff{};  // loops that really iterate, outer -> inner
  int n_eff = 0;
  for (int d : t.order)
    if (trips(n, t, d) > 1) eff[size_t(n_eff++)] = d;
  Traffic tr;
  if (per_operand) tr.operands.reserve(n.operands.size());
  for (size_t i = 0; i < n.operands.size(); ++i) {
    const Operand& op = n.operands[i];
    uint32_t deps = 0;  // bit d: the operand's tile changes with loop d
    for (const Axis& a : op.axes)
      if (a.kind != AxisKind::fixed) deps |= 1u << a.dim;
    const auto depends = [deps](int d) { return (deps >> d) & 1u; };
    int j = n_eff - 1;  // without reuse, every loop moves every operand
    if (t.reuse) {
      j = -1;
      for (int k = 0; k < n_eff; ++k)
        if (depends(eff[k])) j = k;
    }
    uint64_t visits = 1;  // visits of each distinct tile
    for (int k = 0; k <= j; ++k)
      if (!depends(eff[k])) visits *= uint64_t(trips(n, t, eff[k]));
    OperandTraffic o{per_operand ? op.name : std::string(), 0, 0, 0};
    switch (op.role) {
      case Role::input:
        o.read_bytes = visits * b.bytes[i];
        o.transfers = visits * b.tiles[i];
        break;
      case Role::output:
        o.read_bytes = (visits - 1) * b.bytes[i];
        o.write_bytes = (visits - 1) * b.bytes[i] + b.final_bytes[i];
        o.transfers = (2 * visits - 1) * b.tiles[i];
        break;
      case Role::spill:
        o.read_bytes = o.write_bytes = (visits - 1) * b.bytes[i];
        o.transfers = 2 * (visits - 1) * b.tiles[i];
        break;
    }
    tr.read_bytes += o.read_bytes;
    tr.write_bytes += o.write_bytes;
    tr.transfers += o.transfers;
    if (per_operand) tr.operands.push_back(std::move(o));
  }
  return tr;
}

Traffic analytic_traffic(const LoopNest& n, const Tiling& t) {
  return traffic_for_order(n, t, operand_bases(n, t));
}

}  // namespace zoomrt::sched
