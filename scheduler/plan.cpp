// Strategy names, single-layer planning and the plan cache.
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <tuple>
#include <mutex>

#include "scheduler/plan_cost.h"
#include "scheduler/search.h"
#include "scheduler/strategy.h"
#include "base/error.h"

namespace zoomrt::sched {

const char* strategy_name(Strategy s) { return kStrategies.name(s).data(); }
const char* strategy_help(Strategy s) { return kStrategies.help(s).data(); }
std::vector<Strategy> all_strategies() { return kStrategies.values(); }
Strategy strategy_from_name(const std::string& name, std::string_view what) { return kStrategies.parse(name, what); }

std::vector<Strategy> parse_strategy_list(const std::string& list) {
  std::vector<Strategy> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(start, comma - start);
    if (item.empty()) fail_input("--strategies '{}': empty strategy name", list);
    out.push_back(kStrategies.parse(item, "--strategies"));
    start = comma + 1;
  }
  return out;
}

const char* dram_layout_name(DramLayout l) {
  return l == DramLayout::tiled ? "tiled" : "row-major";
}

const char* Plan::layout_name() const {
  if (layout == DramLayout::row_major) return "row-major";
  const uint32_t all = (1u << traffic.operands.size()) - 1;
  if ((row_major_operands & all) == all) return "row-major";
  return row_major_operands & all ? "mixed" : "tiled";
}

Plan make_plan(const Layer& l, Strategy s, const Tiling& t, DramLayout layout) {
  const LoopNest n = make_loop_nest(l);
  Plan p;
  p.strategy = s;
  p.tiling = t;
  p.layout = layout;
  p.traffic = analytic_traffic(n, t);
  p.sram = sram_use(n, t);
  p.tile = tile_string(n, t);
  p.loop_order = order_string(n, t.order);
  return p;
}

namespace {

[[noreturn]] void fail_no_fit(const Layer& l, const LoopNest& n, const SramBudget& b) {
  Tiling ones;
  for (int d = 0; d < n.dims(); ++d) ones.tile[d] = 1;
  fail_input("layer '{}' ({}): sram.bytes: SRAM too small: the smallest tile needs {} bytes, {}", l.name,
             l.shape_string(), sram_use(n, ones).total(), b.describe());
}

// naive: halve the largest tile until everything fits; canonical order; no reuse.
Tiling naive_tiling(const Layer& l, const LoopNest& n, const SramBudget& b) {
  Tiling t;
  for (int d = 0; d < n.dims(); ++d) t.tile[d] = n.dim_sizes[d];
  while (!fits(sram_use(n, t), b)) {
    int best = -1;
    for (int d = 0; d < n.dims(); ++d)
      if (t.tile[d] > 1 && (best < 0 || t.tile[d] >= t.tile[best])) best = d;
    if (best < 0) fail_no_fit(l, n, b);
    t.tile[best] = (t.tile[best] + 1) / 2;
  }
  t.order = all_loop_orders(n).front();
  t.reuse = false;
  return t;
}

Plan costed(const Layer& l, Strategy s, const Tiling& t, DramLayout layout, const CostContext& c) {
  Plan p = make_plan(l, s, t, layout);
  p.cost = cost_plan(l, p, c);
  return p;
}

// layer_search's memo keeps at most this many candidates (64 B each: ~1 GB).
constexpr size_t kMaxMemoCandidates = size_t(16) << 20;

struct Candidate {
  std::array<int64_t, kMaxDims> tile;
  uint8_t order = 0;  // index into all_loop_orders
  uint32_t index = 0;  // position in generation order: ties in lower_bound keep it
  double lower_bound = 0;
};

// One layer's search space in one context, shared by every strategy that searches it: the
// fitting tilings of the grid x every loop order, sorted by lower bound, and the full costs
// computed so far (a plan that two strategies both consider is costed once).
struct LayerSearch {
  std::vector<std::vector<int>> orders;
  std::vector<Candidate> cands;
  std::mutex mu;
  std::map<std::tuple<std::array<int64_t, kMaxDims>, uint8_t, int>, PlanCost> costs;
};

std::shared_ptr<LayerSearch> layer_search(const Layer& l, const LoopNest& n, const CostContext& c,
                                          bool all_trip_counts) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<LayerSearch>> memo;
  static size_t memo_candidates = 0;
  // Only the grid is shared (by five strategies); the exhaustive space serves one search and is
  // large (every trip count): it is not kept. The memo is bounded: a sweep over many NPUs would
  // otherwise keep every context's grids (~150 MB for one SD2 run); past kMaxMemoCandidates it
  // starts afresh (searches in flight keep theirs; a dropped grid is rebuilt, identically).
  const std::string key = l.shape_key() + "|" + c.key;
  if (!all_trip_counts) {
    std::lock_guard lock(mu);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  auto ls = std::make_shared<LayerSearch>();
  ls->orders = all_loop_orders(n);
  const SearchSpace space{all_trip_counts, c.has_npu ? &c.npu.array : nullptr};
  Tiling t;
  for_each_fitting_tiling(n, c.budget, space, [&](const Tiling& tiles) {
    t.tile = tiles.tile;
    const OperandBases bases = operand_bases(n, t);
    const TilingFacts facts = tiling_facts(l, n, t, c);
    for (size_t o = 0; o < ls->orders.size(); ++o) {
      t.order = ls->orders[o];
      const Traffic tr = traffic_for_order(n, t, bases, false);
      ls->cands.push_back({t.tile, uint8_t(o), uint32_t(ls->cands.size()),
                           objective_lower_bound(l, facts, tr.read_bytes, tr.write_bytes, c)});
    }
  });
  if (ls->cands.empty()) fail_no_fit(l, n, c.budget);
  // In place (a stable sort would allocate a second copy of a list that can run to millions).
  std::sort(ls->cands.begin(), ls->cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.lower_bound != b.lower_bound ? a.lower_bound < b.lower_bound : a.index < b.index;
  });
  if (all_trip_counts) return ls;
  std::lock_guard lock(mu);
  if (memo_candidates + ls->cands.size() > kMaxMemoCandidates) memo.clear(), memo_candidates = 0;
  const auto [it, added] = memo.emplace(key, std::move(ls));
  if (added) memo_candidates += it->second->cands.size();
  return it->second;
}

// The cheapest plan in the objective over a space: every fitting tiling of the grid x `orders` x
// `layouts`. Branch and bound: candidates in ascending lower bound, each fully costed until the
// bound reaches the best cost found (in every layout: the bound holds for both).
Plan best_plan(const Layer& l, const LoopNest& n, Strategy s, const CostContext& c, bool all_trip_counts,
               const std::vector<std::vector<int>>& orders, const std::vector<DramLayout>& layouts) {
  const std::shared_ptr<LayerSearch> ls = layer_search(l, n, c, all_trip_counts);
  std::vector<bool> allowed(ls->orders.size(), false);
  for (size_t o = 0; o < ls->orders.size(); ++o)
    allowed[o] = std::find(orders.begin(), orders.end(), ls->orders[o]) != orders.end();
  bool found = false;
  Plan best;
  double best_value = 0;
  Tiling t;
  for (DramLayout layout : layouts) {
    for (const Candidate& cand : ls->cands) {
      if (!allowed[cand.order]) continue;
      // Without an NPU a cost is cheap: equal bounds are still costed (ties go to fewer transfers).
      if (found && (c.has_npu ? cand.lower_bound >= best_value : cand.lower_bound > best_value)) break;
      t.tile = cand.tile;
      t.order = ls->orders[cand.order];
      Plan p = make_plan(l, s, t, layout);
      const auto key = std::make_tuple(cand.tile, cand.order, int(layout));
      {
        std::unique_lock lock(ls->mu);
        if (auto it = ls->costs.find(key); it != ls->costs.end()) {
          p.cost = it->second;
        } else {
          lock.unlock();
          p.cost = cost_plan(l, p, c);
          lock.lock();
          ls->costs.emplace(key, p.cost);
        }
      }
      if (!found || cheaper(c.objective, p.cost, best.cost)) {
        best = std::move(p);
        best_value = objective_value(c.objective, best.cost);
        found = true;
      }
    }
  }
  if (!found) fail_no_fit(l, n, c.budget);
  return best;
}

// ROMANet's DRAM mapping, per operand: tile-contiguous where that cuts row activations and bursts,
// row-major where it would not (a tile already contiguous, or halo reads that split across
// blocks). Each operand is tried row-major on its own (the others tiled) and kept so when that
// is cheaper in the objective; the result is used only if its activations and bursts are both no
// more than the all-row-major layout of the same tiles, which is used otherwise.
Plan romanet_mapping(const Layer& l, const Plan& tiled, const CostContext& c) {
  if (!c.has_npu) return tiled;
  const int ops = int(make_loop_nest(l).operands.size());
  const uint32_t all = (1u << ops) - 1;
  auto with_mask = [&](uint32_t mask) {
    Plan p = tiled;
    p.row_major_operands = mask;
    if (mask) p.cost = cost_plan(l, p, c);
    return p;
  };
  const Plan row_major = with_mask(all);
  uint32_t mask = 0;
  for (int op = 0; op < ops; ++op)
    if (cheaper(c.objective, with_mask(1u << op).cost, tiled.cost)) mask |= 1u << op;
  const Plan best = mask == 0 ? tiled : with_mask(mask);
  const sim::DramStats &d = best.cost.layer.dram, &base = row_major.cost.layer.dram;
  const bool dominates = d.activations <= base.activations && d.accesses <= base.accesses;
  return dominates && !cheaper(c.objective, row_major.cost, best.cost) ? best : row_major;
}

Plan compute_plan(const Layer& l, Strategy s, const CostContext& c) {
  const LoopNest n = make_loop_nest(l);
  const std::vector<DramLayout> row_major{DramLayout::row_major}, tiled{DramLayout::tiled},
      both{DramLayout::row_major, DramLayout::tiled};
  switch (s) {
    case Strategy::naive: return costed(l, s, naive_tiling(l, n, c.budget), DramLayout::row_major, c);
    case Strategy::weight_stationary:
      return best_plan(l, n, s, c, false, stationary_orders(n, n.weight_operand), row_major);
    case Strategy::output_stationary:
      return best_plan(l, n, s, c, false, stationary_orders(n, n.output_operand), row_major);
    case Strategy::input_stationary:
      return best_plan(l, n, s, c, false, stationary_orders(n, n.input_operand), row_major);
    case Strategy::romanet:
      return romanet_mapping(l, best_plan(l, n, s, c, false, all_loop_orders(n), tiled), c);
    case Strategy::adaptive: {
      Plan best = best_plan(l, n, s, c, false, all_loop_orders(n), both);
      Plan naive = plan_layer(l, Strategy::naive, c);
      if (cheaper(c.objective, naive.cost, best.cost)) best = naive;
      best.strategy = s;
      return best;
    }
    case Strategy::fused: {  // one layer on its own: nothing to fuse with
      Plan p = plan_layer(l, Strategy::adaptive, c);
      p.strategy = s;
      return p;
    }
    case Strategy::exhaustive: {
      Plan best = best_plan(l, n, s, c, true, all_loop_orders(n), both);
      for (Strategy other : all_strategies()) {  // the union of every strategy's space
        if (other == Strategy::exhaustive || other == Strategy::fused) continue;
        const Plan p = plan_layer(l, other, c);
        if (cheaper(c.objective, p.cost, best.cost)) best = p;
      }
      best.strategy = s;
      return best;
    }
  }
  return {};
}

// Plans by layer shape, strategy and context; bounded like layer_search's memo (a sweep).
std::mutex cache_mu;
constexpr size_t kMaxCachedPlans = 200000;
std::map<std::string, Plan>& cache() {
  static std::map<std::string, Plan> c;
  if (c.size() >= kMaxCachedPlans) c.clear();
  return c;
}

}  // namespace

Plan plan_layer(const Layer& l, Strategy s, const CostContext& c) {
  const std::string key = l.shape_key() + "|" + strategy_name(s) + "|" + c.key;
  {
    std::lock_guard lock(cache_mu);
    if (auto it = cache().find(key); it != cache().end()) return it->second;
  }
  validate_layer(l, "layer");
  Plan p = compute_plan(l, s, c);
  std::lock_guard lock(cache_mu);
  cache().emplace(key, p);
  return p;
}

Plan plan_layer_row_major(const Layer& l, const CostContext& c) {
  const std::string key = l.shape_key() + "|row-major|" + c.key;
  {
    std::lock_guard lock(cache_mu);
    if (auto it = cache().find(key); it != cache().end()) return it->second;
  }
  validate_layer(l, "layer");
  const LoopNest n = make_loop_nest(l);
  Plan p = best_plan(l, n, Strategy::adaptive, c, false, all_loop_orders(n), {DramLayout::row_major});
  std::lock_guard lock(cache_mu);
  cache().emplace(key, p);
  return p;
}

Plan plan_layer(const Layer& l, Strategy s, const SramBudget& b) { return plan_layer(l, s, bytes_context(b)); }

std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const SramBudget& b) {
  return plan_layers(layers, s, bytes_context(b));
}

size_t plan_cache_size() {
  std::lock_guard lock(cache_mu);
  return cache().size();
}

void clear_plan_cache() {
  std::lock_guard lock(cache_mu);
  cache().clear();
}

}  // namespace zoomrt::sched
