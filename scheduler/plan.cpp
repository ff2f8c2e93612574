// Strategy names, single-layer planning and the plan cache.
#include <map>
#include <mutex>

#include "scheduler/search.h"
#include "scheduler/strategy.h"
#include "weights/error.h"

namespace zoomrt::sched {

const char* strategy_name(Strategy s) {
  switch (s) {
#define X(e, name, help) \
  case Strategy::e: return name;
    ZOOMRT_TILING_STRATEGIES(X)
#undef X
  }
  return "?";
}

const char* strategy_help(Strategy s) {
  switch (s) {
#define X(e, name, help) \
  case Strategy::e: return help;
    ZOOMRT_TILING_STRATEGIES(X)
#undef X
  }
  return "?";
}

std::vector<Strategy> all_strategies() {
  return {
#define X(e, name, help) Strategy::e,
      ZOOMRT_TILING_STRATEGIES(X)
#undef X
  };
}

Strategy strategy_from_name(const std::string& name) {
  std::string valid;
  for (Strategy s : all_strategies()) {
    if (name == strategy_name(s)) return s;
    valid += (valid.empty() ? "" : ", ") + std::string(strategy_name(s));
  }
  fail_input("strategy '{}': unknown (valid: {})", name, valid);
}

std::vector<Strategy> parse_strategy_list(const std::string& list) {
  std::vector<Strategy> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(start, comma - start);
    if (item.empty()) fail_input("--strategies '{}': empty strategy name", list);
    out.push_back(strategy_from_name(item));
    start = comma + 1;
  }
  return out;
}

const char* dram_layout_name(DramLayout l) {
  return l == DramLayout::tiled ? "tiled" : "row-major";
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

bool better(const Traffic& a, const Traffic& b) {
  if (a.total_bytes() != b.total_bytes()) return a.total_bytes() < b.total_bytes();
  return a.transfers < b.transfers;
}

Tiling best_tiling(const Layer& l, const LoopNest& n, const SramBudget& b, bool all_trip_counts,
                   const std::vector<std::vector<int>>& orders) {
  bool found = false;
  Tiling best;
  Traffic best_tr;
  // exhaustive stays the pure byte minimum (the lower bound); the others are compute-aware.
  SearchSpace space{all_trip_counts, all_trip_counts ? nullptr : &l};
  for_each_fitting_tiling(n, b, space, [&](const Tiling& tiles, const OperandBases& bases,
                                           const SramUse&) {
    Tiling t = tiles;
    for (const auto& order : orders) {
      t.order = order;
      Traffic tr = traffic_for_order(n, t, bases);
      if (!found || better(tr, best_tr)) {
        found = true;
        best = t;
        best_tr = std::move(tr);
      }
    }
  });
  if (!found) fail_no_fit(l, n, b);
  return best;
}

Plan compute_plan(const Layer& l, Strategy s, const SramBudget& b) {
  const LoopNest n = make_loop_nest(l);
  switch (s) {
    case Strategy::naive: return make_plan(l, s, naive_tiling(l, n, b), DramLayout::row_major);
    case Strategy::weight_stationary:
      return make_plan(l, s, best_tiling(l, n, b, false, stationary_orders(n, n.weight_operand)),
                       DramLayout::row_major);
    case Strategy::output_stationary:
      return make_plan(l, s, best_tiling(l, n, b, false, stationary_orders(n, n.output_operand)),
                       DramLayout::row_major);
    case Strategy::input_stationary:
      return make_plan(l, s, best_tiling(l, n, b, false, stationary_orders(n, n.input_operand)),
                       DramLayout::row_major);
    case Strategy::romanet:
      return make_plan(l, s, best_tiling(l, n, b, false, all_loop_orders(n)), DramLayout::tiled);
    case Strategy::adaptive:  // alone: no neighbour, so no re-layout (see adaptive.cpp)
      return make_plan(l, s, best_tiling(l, n, b, false, all_loop_orders(n)), DramLayout::tiled);
    case Strategy::exhaustive:
      return make_plan(l, s, best_tiling(l, n, b, true, all_loop_orders(n)),
                       DramLayout::row_major);
  }
  return {};
}

std::mutex cache_mu;
std::map<std::string, Plan>& cache() {
  static std::map<std::string, Plan> c;
  return c;
}

}  // namespace

Plan plan_layer(const Layer& l, Strategy s, const SramBudget& b) {
  const std::string key = l.shape_key() + "|" + strategy_name(s) + "|" + b.key();
  {
    std::lock_guard lock(cache_mu);
    if (auto it = cache().find(key); it != cache().end()) return it->second;
  }
  validate_layer(l, "layer");
  Plan p = compute_plan(l, s, b);
  std::lock_guard lock(cache_mu);
  cache().emplace(key, p);
  return p;
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
