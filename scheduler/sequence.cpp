// plan_layers: a model's layers under one strategy and the layout rule of strategy.h. Every
// strategy's plans are charged a re-layout where a layer's input layout differs from the layout
// its tensor was written in; adaptive and exhaustive choose their plans jointly over the
// sequence (dynamic programming over a few candidates per layer: the plan of every strategy
// whose space they contain), and are never worse in total than any strategy they contain.
#include <algorithm>
#include <map>
#include <mutex>

#include "scheduler/fused_plan.h"
#include "scheduler/plan_cost.h"
#include "scheduler/strategy.h"

namespace zoomrt::sched {

namespace {

// A tensor's DRAM layout, canonical: row_major, or the block extents of a tiled layout (plus the
// group count, which splits the channel axis differently in different layers).
struct LayoutSig {
  bool row_major = true;
  int64_t groups = 1;
  std::vector<int64_t> blocks;
  bool operator==(const LayoutSig& o) const {
    return row_major == o.row_major && (row_major || (groups == o.groups && blocks == o.blocks));
  }
};

LayoutSig operand_layout(const Layer& l, const Plan& p, int op) {
  LayoutSig s;
  if (!p.tiled_operand(op)) return s;
  const LoopNest n = make_loop_nest(l);
  const Operand& o = n.operands[size_t(op)];
  std::vector<int64_t> extent, shifts;  // as dram_emit.cpp lays the region out
  for (const Axis& a : o.axes) {
    int64_t b = a.extent, shift = 0;
    if (a.kind != AxisKind::fixed) {
      const int64_t t = p.tiling.tile[size_t(a.dim)];
      b = std::min(a.extent, a.kind == AxisKind::window ? t * a.stride : t);
      if (a.kind == AxisKind::window && b < a.extent) shift = a.pad % b;
    }
    s.blocks.push_back(b);
    shifts.push_back(shift);
    extent.push_back(a.extent);
  }
  // Tiled blocks are row-major order when every axis outside the innermost cut one is cut to 1.
  int cut = -1;
  for (int a = int(extent.size()) - 1; a >= 0 && cut < 0; --a)
    if (s.blocks[size_t(a)] < extent[size_t(a)]) cut = a;
  bool row_major = true;
  for (int a = 0; a < cut; ++a) row_major = row_major && (s.blocks[size_t(a)] == 1 || extent[size_t(a)] == 1);
  if (row_major) return LayoutSig{};
  s.row_major = false;
  s.blocks.insert(s.blocks.end(), shifts.begin(), shifts.end());
  s.groups = l.kind == LayerKind::conv ? l.conv.groups : 1;
  return s;
}

LayoutSig input_layout(const Layer& l, const Plan& p) { return operand_layout(l, p, make_loop_nest(l).input_operand); }
LayoutSig output_layout(const Layer& l, const Plan& p) { return operand_layout(l, p, make_loop_nest(l).output_operand); }

// Does `next` read exactly the tensor `prev` writes? (Adjacent in the list, shapes agree; vector
// ops between them pass the layout through.)
bool connected(const Layer& prev, const Layer& next) {
  if (prev.kind == LayerKind::conv && next.kind == LayerKind::conv)
    return prev.conv.n == next.conv.n && prev.conv.k == next.conv.c && prev.conv.p() == next.conv.h &&
           prev.conv.q() == next.conv.w;
  if (prev.kind == LayerKind::gemm && next.kind == LayerKind::gemm)
    return prev.gemm.m == next.gemm.m && prev.gemm.n == next.gemm.k;
  return false;
}

uint64_t input_tensor_bytes(const Layer& l) {
  const LoopNest n = make_loop_nest(l);
  const Operand& in = n.operands[size_t(n.input_operand)];
  int64_t elems = 1;
  for (const Axis& a : in.axes) elems *= a.extent;
  return uint64_t(bytes_of(elems, in.bits_milli));
}

// The plan with its input re-laid out first (its cost: the plan's plus the re-layout pass).
Plan with_relayout(const Layer& l, Plan p, const CostContext& c) {
  p.relayout_read_bytes = p.relayout_write_bytes = input_tensor_bytes(l);
  p.cost = add_relayout(p, p.cost, c);
  return p;
}

// The layout layer i's input tensor is in, given the previous layer's plan.
LayoutSig arriving_layout(const std::vector<Layer>& layers, size_t i, const Plan* prev) {
  if (i == 0 || prev == nullptr || !connected(layers[i - 1], layers[i])) return LayoutSig{};
  return output_layout(layers[i - 1], *prev);
}

// Each layer's own plan, with the re-layouts the rule charges.
std::vector<Plan> independent(const std::vector<Layer>& layers, Strategy s, const CostContext& c) {
  std::vector<Plan> plans;
  for (size_t i = 0; i < layers.size(); ++i) {
    Plan p = plan_layer(layers[i], s, c);
    if (!(input_layout(layers[i], p) == arriving_layout(layers, i, i ? &plans.back() : nullptr)))
      p = with_relayout(layers[i], std::move(p), c);
    plans.push_back(std::move(p));
  }
  return plans;
}

std::vector<Strategy> contained_strategies(Strategy s) {
  std::vector<Strategy> out;
  for (Strategy o : all_strategies())
    if (o != Strategy::exhaustive || s == Strategy::exhaustive) out.push_back(o);
  return out;
}

// The plans a joint strategy chooses from, per layer. exhaustive: every strategy's. adaptive, for
// an additive objective: naive's, romanet's, its own and the best row-major plan over all orders
// (which is no worse than any stationary strategy's on the layer, and a row-major chain pays no
// re-layouts, so the DP's total is no worse than any fixed strategy's); for EDP every fixed
// strategy's too, for the whole-sequence check below.
std::vector<Plan> candidate_plans(const Layer& l, Strategy s, const CostContext& c) {
  std::vector<Plan> out;
  auto add = [&](const Plan& p) {
    for (const Plan& q : out)
      if (q.tile == p.tile && q.loop_order == p.loop_order && q.layout == p.layout &&
          q.row_major_operands == p.row_major_operands && q.tiling.reuse == p.tiling.reuse)
        return;
    out.push_back(p);
  };
  if (s == Strategy::adaptive && c.objective != Objective::edp) {
    for (Strategy src : {Strategy::naive, Strategy::romanet, Strategy::adaptive}) add(plan_layer(l, src, c));
    add(plan_layer_row_major(l, c));
    return out;
  }
  for (Strategy src : contained_strategies(s)) add(plan_layer(l, src, c));
  return out;
}

std::vector<Plan> joint(const std::vector<Layer>& layers, Strategy s, const CostContext& c) {
  const std::vector<Strategy> sources = contained_strategies(s);
  struct State {
    Plan plan;  // relayout applied as chosen
    double value = 0;
    int prev = -1;
  };
  std::vector<std::vector<Plan>> cands(layers.size());
  std::vector<std::vector<State>> states(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    cands[i] = candidate_plans(layers[i], s, c);
    for (const Plan& cand : cands[i]) {
      const LayoutSig in = input_layout(layers[i], cand);
      State best;
      bool found = false;
      const size_t n_prev = i ? states[i - 1].size() : 1;
      for (size_t k = 0; k < n_prev; ++k) {
        const Plan* prev = i ? &states[i - 1][k].plan : nullptr;
        State st;
        st.plan = cand;
        st.prev = i ? int(k) : -1;
        if (!(in == arriving_layout(layers, i, prev))) st.plan = with_relayout(layers[i], cand, c);
        st.value = (i ? states[i - 1][k].value : 0) + objective_value(c.objective, st.plan.cost);
        if (!found || st.value < best.value) best = std::move(st), found = true;
      }
      states[i].push_back(std::move(best));
    }
  }
  std::vector<Plan> plans(layers.size());
  if (layers.empty()) return plans;
  int k = 0;
  for (int j = 0; j < int(states.back().size()); ++j)
    if (states.back()[size_t(j)].value < states.back()[size_t(k)].value) k = j;
  for (size_t i = layers.size(); i-- > 0;) {
    plans[i] = states[i][size_t(k)].plan;
    k = states[i][size_t(k)].prev;
  }
  // The DP adds per-layer values; EDP is not additive, so hold it against each contained
  // strategy's whole sequence.
  double best_value = sequence_value(c.objective, plans);
  for (Strategy src : sources) {
    if (c.objective != Objective::edp) break;
    if (src == s) continue;
    std::vector<Plan> alt = independent(layers, src, c);
    const double v = sequence_value(c.objective, alt);
    if (v < best_value) best_value = v, plans = std::move(alt);
  }
  for (Plan& p : plans) p.strategy = s;
  return plans;
}

}  // namespace

bool layers_connected(const Layer& prev, const Layer& next) { return connected(prev, next); }
bool reads_row_major_input(const Layer& l, const Plan& p) { return input_layout(l, p) == LayoutSig{}; }
bool writes_row_major_output(const Layer& l, const Plan& p) { return output_layout(l, p) == LayoutSig{}; }
Plan plan_with_relayout(const Layer& l, Plan p, const CostContext& c) { return with_relayout(l, std::move(p), c); }

std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const CostContext& c) {
  if (s == Strategy::fused) {
    std::vector<LinkKind> links(layers.size(), LinkKind::none);
    for (size_t i = 1; i < layers.size(); ++i)
      if (connected(layers[i - 1], layers[i])) links[i] = LinkKind::direct;
    return plan_layers_fused(layers, links, c);
  }
  if (s == Strategy::adaptive || s == Strategy::exhaustive) return joint(layers, s, c);
  return independent(layers, s, c);
}

}  // namespace zoomrt::sched
