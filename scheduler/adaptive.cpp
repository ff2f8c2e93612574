// plan_layers: a model's layers under one strategy. For `adaptive` this is where the
// adjacent-layer constraint of the adaptive-scheduling brief is applied: if layer i writes its
// output in N parts (tile counts along channels and space), layer i+1 reads its input in the same
// parts, or the tensor is re-laid out (read and written once more). The choice per layer is made
// jointly by dynamic programming over the sequence, minimising total DRAM bytes.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "scheduler/search.h"
#include "scheduler/strategy.h"

namespace zoomrt::sched {

namespace {

using Sig = std::vector<int64_t>;  // part counts of a tensor, e.g. {channel parts, rows, cols}

Sig input_sig(const Layer& l, const LoopNest& n, const Tiling& t) {
  switch (l.kind) {
    case LayerKind::conv:  // G, N, K, C, P, Q
      return {trips(n, t, 0) * trips(n, t, 3), trips(n, t, 4), trips(n, t, 5)};
    case LayerKind::gemm: return {trips(n, t, 0), trips(n, t, 2)};  // M, K
    case LayerKind::attention: return {};
  }
  return {};
}

Sig output_sig(const Layer& l, const LoopNest& n, const Tiling& t) {
  switch (l.kind) {
    case LayerKind::conv: return {trips(n, t, 0) * trips(n, t, 2), trips(n, t, 4), trips(n, t, 5)};
    case LayerKind::gemm: return {trips(n, t, 0), trips(n, t, 1)};  // M, N
    case LayerKind::attention: return {};
  }
  return {};
}

// Does `next` read exactly the tensor `prev` writes?
bool connected(const Layer& prev, const Layer& next) {
  if (prev.kind == LayerKind::conv && next.kind == LayerKind::conv)
    return prev.conv.n == next.conv.n && prev.conv.k == next.conv.c &&
           prev.conv.p() == next.conv.h && prev.conv.q() == next.conv.w;
  if (prev.kind == LayerKind::gemm && next.kind == LayerKind::gemm)
    return prev.gemm.m == next.gemm.m && prev.gemm.n == next.gemm.k;
  return false;
}

uint64_t input_tensor_bytes(const Layer& l) {
  const LoopNest n = make_loop_nest(l);
  const Operand& in = n.operands[n.input_operand];
  int64_t elems = 1;
  for (const Axis& a : in.axes) elems *= a.extent;
  return uint64_t(bytes_of(elems, in.bits_milli));
}

struct Candidate {
  Sig in, out;
  Tiling tiling;
  uint64_t bytes = 0, transfers = 0;
};

using Candidates = std::shared_ptr<const std::vector<Candidate>>;

// The best tiling (over all orders) for every distinct pair of input/output part counts.
// Memoised per shape and budget; shared, never copied (a model repeats few shapes many times).
Candidates candidates(const Layer& l, const SramBudget& b) {
  static std::mutex mu;
  static std::map<std::string, Candidates> memo;
  const std::string key = l.shape_key() + "|" + b.key();
  {
    std::lock_guard lock(mu);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  const LoopNest n = make_loop_nest(l);
  const auto orders = all_loop_orders(n);
  std::map<std::pair<Sig, Sig>, Candidate> best;
  for_each_fitting_tiling(n, b, SearchSpace{false, &l}, [&](const Tiling& tiles,
                                                        const OperandBases& bases, const SramUse&) {
    Tiling t = tiles;
    Candidate c{input_sig(l, n, t), output_sig(l, n, t), t, 0, 0};
    for (const auto& order : orders) {
      t.order = order;
      const Traffic tr = traffic_for_order(n, t, bases);
      auto [it, fresh] = best.try_emplace({c.in, c.out}, c);
      Candidate& cur = it->second;
      if (fresh || tr.total_bytes() < cur.bytes ||
          (tr.total_bytes() == cur.bytes && tr.transfers < cur.transfers)) {
        cur.tiling = t;
        cur.bytes = tr.total_bytes();
        cur.transfers = tr.transfers;
      }
    }
  });
  auto out = std::make_shared<std::vector<Candidate>>();
  for (auto& [k, c] : best) out->push_back(std::move(c));
  std::lock_guard lock(mu);
  return memo.emplace(key, std::move(out)).first->second;
}

struct State {
  uint64_t cost = 0;
  int cand = -1, prev = -1;  // candidate of this layer, state index in the previous layer
  bool relayout = false;
};

}  // namespace

std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const SramBudget& b) {
  std::vector<Plan> plans;
  if (s != Strategy::adaptive) {
    for (const Layer& l : layers) plans.push_back(plan_layer(l, s, b));
    return plans;
  }
  std::vector<Candidates> cands;  // shared with the memo
  std::vector<std::vector<State>> states(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    plan_layer(layers[i], s, b);  // validates, and fails with the no-fit message if needed
    cands.push_back(candidates(layers[i], b));
    int best_prev = -1;
    std::map<Sig, int> prev_by_sig;  // previous layer's cheapest state per output parts
    if (i > 0) {
      for (int k = 0; k < int(states[i - 1].size()); ++k) {
        const State& st = states[i - 1][k];
        if (best_prev < 0 || st.cost < states[i - 1][best_prev].cost) best_prev = k;
        const Sig& sig = (*cands[i - 1])[st.cand].out;
        auto [it, fresh] = prev_by_sig.try_emplace(sig, k);
        if (!fresh && st.cost < states[i - 1][it->second].cost) it->second = k;
      }
    }
    const bool linked = i > 0 && connected(layers[i - 1], layers[i]);
    const uint64_t penalty = linked ? 2 * input_tensor_bytes(layers[i]) : 0;
    const std::vector<Candidate>& here = *cands[i];
    for (int c = 0; c < int(here.size()); ++c) {
      State st{here[c].bytes, c, best_prev, false};
      if (i > 0) {
        st.cost += states[i - 1][best_prev].cost + penalty;
        st.relayout = linked;
        if (linked) {
          auto it = prev_by_sig.find(here[c].in);
          if (it != prev_by_sig.end() &&
              states[i - 1][it->second].cost <= states[i - 1][best_prev].cost + penalty) {
            st.cost = here[c].bytes + states[i - 1][it->second].cost;
            st.prev = it->second;
            st.relayout = false;
          }
        }
      }
      states[i].push_back(st);
    }
  }
  plans.resize(layers.size());
  if (layers.empty()) return plans;
  int k = 0;
  for (int j = 0; j < int(states.back().size()); ++j)
    if (states.back()[j].cost < states.back()[k].cost) k = j;
  for (size_t i = layers.size(); i-- > 0;) {
    const State& st = states[i][k];
    Plan p = make_plan(layers[i], s, (*cands[i])[st.cand].tiling, DramLayout::tiled);
    if (st.relayout) p.relayout_read_bytes = p.relayout_write_bytes = input_tensor_bytes(layers[i]);
    plans[i] = std::move(p);
    k = st.prev;
  }
  return plans;
}

}  // namespace zoomrt::sched
