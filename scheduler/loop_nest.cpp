#include "scheduler/loop_nest.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace zoomrt::sched {

bool Operand::depends_on(int dim) const {
  for (const Axis& a : axes)
    if (a.kind != AxisKind::fixed && a.dim == dim) return true;
  return false;
}

namespace {

Axis dim_axis(int dim, int64_t extent) { return {AxisKind::dim, dim, extent, 1, 0, 1}; }
Axis fixed_axis(int64_t extent) { return {AxisKind::fixed, -1, extent, 1, 0, 1}; }
Axis window_axis(int dim, int64_t extent, int64_t stride, int64_t pad, int64_t kernel) {
  return {AxisKind::window, dim, extent, stride, pad, kernel};
}
int64_t milli(double bits) { return std::llround(bits * 1000.0); }

LoopNest conv_nest(const Layer& l) {
  const ConvShape& s = l.conv;
  enum { G, N, K, C, P, Q };
  LoopNest n;
  n.dim_names = {"G", "N", "K", "C", "P", "Q"};
  n.dim_sizes = {s.groups, s.n, s.k / s.groups, s.c / s.groups, s.p(), s.q()};
  const int64_t in = milli(l.bits.input), w = milli(l.bits.weight);
  n.operands.push_back({"input", Role::input, Partition::ifmap, in, in,
                        {dim_axis(N, s.n), dim_axis(G, s.groups), dim_axis(C, s.c / s.groups),
                         window_axis(P, s.h, s.stride, s.pad, s.r),
                         window_axis(Q, s.w, s.stride, s.pad, s.s)}});
  n.operands.push_back({"weight", Role::input, Partition::filter, w, w,
                        {dim_axis(G, s.groups), dim_axis(K, s.k / s.groups),
                         dim_axis(C, s.c / s.groups), fixed_axis(s.r), fixed_axis(s.s)}});
  n.operands.push_back({"output", Role::output, Partition::ofmap, milli(l.bits.psum),
                        milli(l.bits.output),
                        {dim_axis(N, s.n), dim_axis(G, s.groups), dim_axis(K, s.k / s.groups),
                         dim_axis(P, s.p()), dim_axis(Q, s.q())}});
  n.outer_dims = {G};
  n.order_groups = {{K}, {C}, {N, P, Q}};
  return n;
}

LoopNest gemm_nest(const Layer& l) {
  const GemmShape& s = l.gemm;
  enum { M, N, K };
  LoopNest n;
  n.dim_names = {"M", "N", "K"};
  n.dim_sizes = {s.m, s.n, s.k};
  const int64_t in = milli(l.bits.input), w = milli(l.bits.weight);
  n.operands.push_back({"input", Role::input, Partition::ifmap, in, in,
                        {dim_axis(M, s.m), dim_axis(K, s.k)}});
  n.operands.push_back({"weight", Role::input, Partition::filter, w, w,
                        {dim_axis(N, s.n), dim_axis(K, s.k)}});
  n.operands.push_back({"output", Role::output, Partition::ofmap, milli(l.bits.psum),
                        milli(l.bits.output), {dim_axis(M, s.m), dim_axis(N, s.n)}});
  n.order_groups = {{M}, {N}, {K}};
  return n;
}

LoopNest attention_nest(const Layer& l) {
  const AttentionShape& s = l.attn;
  enum { B, H, LQ, LK };
  LoopNest n;
  n.dim_names = {"B", "H", "LQ", "LK"};
  n.dim_sizes = {s.b, s.heads, s.lq, s.lk};
  const int64_t in = milli(l.bits.input), ps = milli(l.bits.psum);
  auto act = [&](int len_dim, int64_t len) {
    return std::vector<Axis>{dim_axis(B, s.b), dim_axis(len_dim, len), dim_axis(H, s.heads),
                             fixed_axis(s.d)};
  };
  n.operands.push_back({"q", Role::input, Partition::ifmap, in, in, act(LQ, s.lq)});
  n.operands.push_back({"k", Role::input, Partition::filter, in, in, act(LK, s.lk)});
  n.operands.push_back({"v", Role::input, Partition::filter, in, in, act(LK, s.lk)});
  n.operands.push_back({"out", Role::output, Partition::ofmap, ps, milli(l.bits.output),
                        act(LQ, s.lq)});
  // Running row max and row sum of the online softmax, [B, H, LQ, 2]: on chip with the output
  // tile, and spilled with it when the key loop is not innermost.
  n.operands.push_back({"stats", Role::spill, Partition::ofmap, ps, ps,
                        {dim_axis(B, s.b), dim_axis(H, s.heads), dim_axis(LQ, s.lq),
                         fixed_axis(2)}});
  n.scratch.push_back({{B, H, LQ, LK}, 1, 32});  // the score tile, never leaves the chip
  n.outer_dims = {B, H};
  n.order_groups = {{LQ}, {LK}};
  n.input_operand = 0, n.weight_operand = 1, n.output_operand = 3;
  return n;
}

}  // namespace

LoopNest make_loop_nest(const Layer& l) {
  LoopNest n;
  switch (l.kind) {
    case LayerKind::conv: n = conv_nest(l); break;
    case LayerKind::gemm: n = gemm_nest(l); break;
    case LayerKind::attention: n = attention_nest(l); break;
  }
  n.kind = l.kind;
  assert(n.dims() <= kMaxDims);
  return n;
}

std::vector<std::vector<int>> all_loop_orders(const LoopNest& n) {
  std::vector<int> perm(n.order_groups.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = int(i);
  std::vector<std::vector<int>> orders;
  do {
    std::vector<int> order = n.outer_dims;
    for (int g : perm) order.insert(order.end(), n.order_groups[g].begin(), n.order_groups[g].end());
    orders.push_back(std::move(order));
  } while (std::next_permutation(perm.begin(), perm.end()));
  return orders;
}

std::string order_string(const LoopNest& n, const std::vector<int>& order) {
  std::string s;
  for (int d : order) s += (s.empty() ? "" : ">") + n.dim_names[d];
  return s;
}

std::string tile_string(const LoopNest& n, const Tiling& t) {
  std::string s;
  for (int d = 0; d < n.dims(); ++d)
    if (n.dim_sizes[d] > 1) s += fmt::format("{}{}{}", s.empty() ? "" : " ", n.dim_names[d], t.tile[d]);
  return s.empty() ? "1" : s;
}

Range axis_range(const Axis& a, int64_t tile, int64_t index) {
  if (a.kind == AxisKind::fixed) return {0, a.extent};
  if (a.kind == AxisKind::dim) return {index * tile, std::min((index + 1) * tile, a.extent)};
  // Window: output positions [p0, p1) read rows [p0*stride - pad, (p1-1)*stride - pad + kernel).
  // p1 is clipped by the caller's view of the output size through the tile count, so recompute
  // the output size from the window parameters.
  const int64_t out = (a.extent + 2 * a.pad - a.kernel) / a.stride + 1;
  const int64_t p0 = index * tile, p1 = std::min((index + 1) * tile, out);
  const int64_t lo = std::max<int64_t>(0, p0 * a.stride - a.pad);
  const int64_t hi = std::min(a.extent, (p1 - 1) * a.stride - a.pad + a.kernel);
  return {lo, std::max(lo, hi)};
}

int64_t max_axis_extent(const Axis& a, int64_t tile) {
  if (a.kind == AxisKind::fixed) return a.extent;
  if (a.kind == AxisKind::dim) return std::min(tile, a.extent);
  return std::min(a.extent, (tile - 1) * a.stride + a.kernel);
}

SramUse sram_use(const LoopNest& n, const Tiling& t) {
  SramUse u;
  for (const Operand& op : n.operands) {
    int64_t elems = 1;
    for (const Axis& a : op.axes) elems *= max_axis_extent(a, a.dim >= 0 ? t.tile[a.dim] : 1);
    u.bytes[int(op.partition)] += bytes_of(elems, op.bits_milli);
  }
  for (const Scratch& s : n.scratch) {
    int64_t elems = s.fixed;
    for (int d : s.dims) elems *= t.tile[d];
    u.bytes[int(Partition::ofmap)] += bytes_of(elems, s.bits * 1000);
  }
  return u;
}

bool fits(const SramUse& u, const SramBudget& b) {
  if (b.unified) return u.total() <= b.unified_bytes;
  for (int p = 0; p < kPartitionCount; ++p)
    if (u.bytes[p] > b.partition_bytes[p]) return false;
  return true;
}

}  // namespace zoomrt::sched
