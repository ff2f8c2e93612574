// Tiling strategies and plans. A Plan is what a strategy chose for one layer on one NPU: tile
// sizes, loop order, DRAM layout, the exact DRAM bytes each operand moves, and its full cost
// (scheduler/plan_cost.h). Every strategy minimises the context's objective (energy, latency,
// EDP, DRAM accesses or bytes) over its own space, costing candidates with the full model:
//
//   naive              tiles by halving the largest dim until they fit, canonical loop order, no
//                      reuse across tiles (every operand tile moves at every step); row-major
//   weight-stationary  the best tiling among loop orders that keep the weight tile resident while
//                      the loops it does not depend on run (outputs' pixels innermost); row-major
//   output-stationary  ... that keep the output tile resident (reduction innermost); row-major
//   input-stationary   ... that keep the input tile resident (filters innermost); row-major
//   romanet            every loop order (reuse-driven partition and schedule, Putra et al. 2019)
//                      with its DRAM mapping: every tile's data contiguous ("tiled" layout)
//   adaptive           per layer, the best of all loop orders in both DRAM layouts; over a layer
//                      sequence, chosen jointly (dynamic programming) under the layout rule below,
//                      never worse in total than the best fixed strategy
//   fused              adaptive's plans, except chains of layers run depth-first (row tile by row
//                      tile, intermediates kept in SRAM) where that beats them in the objective
//                      (scheduler/fused_plan.h); one layer on its own: adaptive's plan
//   exhaustive         every tile size (every distinct trip count), every loop order, both layouts,
//                      and every other strategy's plan: the optimum of the objective in this model
// Heuristic strategies search tile sizes on a geometric grid plus the sizes aligned to the MAC
// array (tile_candidates); exhaustive searches all of them. A candidate is fully costed only
// when a lower bound of its cost (objective_lower_bound) could still beat the best so far.
//
// Layout rule (every strategy, in plan_layers): an activation tensor stays in the layout its
// producer wrote it in; vector-unit ops between two layers pass it through. A layer whose input
// layout differs from that tensor's (or, for an input not produced by the previous layer, from
// row-major) re-lays it out first: the tensor is read and written once more, costed like any
// transfer. Weights are laid out offline in whatever layout the plan reads (free).
// Plans of identical layers (shape + bits) in the same context are computed once (process cache).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/loop_nest.h"
#include "scheduler/sram_budget.h"
#include "sim/power.h"
#include "base/enum_table.h"

namespace zoomrt::sched {

// X(enumerator, name, help)
#define ZOOMRT_TILING_STRATEGIES(X)                                                            \
  X(naive, "naive", "no reuse across tiles")                                                   \
  X(weight_stationary, "weight-stationary", "weights stay on chip, pixels innermost")          \
  X(output_stationary, "output-stationary", "outputs stay on chip, reduction innermost")       \
  X(input_stationary, "input-stationary", "inputs stay on chip, filters innermost")            \
  X(romanet, "romanet", "reuse-driven partition and order per layer + tile-contiguous DRAM")   \
  X(adaptive, "adaptive", "per layer: best order and DRAM layout, chosen jointly over layers") \
  X(exhaustive, "exhaustive", "every tiling, order and layout: the optimum of the objective")  \
  X(fused, "fused", "adaptive, plus layer chains run depth-first where that is cheaper")

enum class Strategy {
#define X(e, name, help) e,
  ZOOMRT_TILING_STRATEGIES(X)
#undef X
};
inline constexpr int kStrategyCount = 0
#define X(e, name, help) +1
    ZOOMRT_TILING_STRATEGIES(X)
#undef X
    ;
// Names, help texts and parsing of the strategies (base/enum_table.h).
inline constexpr auto kStrategies = make_enum_table<Strategy>({
#define X(e, name, help) {Strategy::e, name, help},
    ZOOMRT_TILING_STRATEGIES(X)
#undef X
});
const char* strategy_name(Strategy s);
const char* strategy_help(Strategy s);
// InputError "<what>: 'x' is not one of naive | ..." for an unknown name.
Strategy strategy_from_name(const std::string& name, std::string_view what = "--strategy");
std::vector<Strategy> all_strategies();
std::vector<Strategy> parse_strategy_list(const std::string& comma_separated);

enum class DramLayout { row_major, tiled };
const char* dram_layout_name(DramLayout l);

// What one plan costs (cost_plan in plan_cost.h).
struct PlanCost {
  sim::LayerCost layer;       // cycles, MACs, SRAM bytes, DRAM stats, pipeline steps
  sim::LayerResult top;       // latency and energy at the highest V–F point
  bool extrapolated = false;  // the DRAM counters were scaled from max_ranges ranges
  double energy_j() const { return top.energy.total_j(); }
  double latency_s() const { return top.latency_s; }
  uint64_t bytes() const { return layer.dram.bytes_read + layer.dram.bytes_written; }
};

struct FusedChainPlan;  // fused_plan.h

struct Plan {
  Strategy strategy = Strategy::naive;
  Tiling tiling;
  DramLayout layout = DramLayout::row_major;
  // tiled only: operands (bit = operand index) that ROMANet's mapping keeps row-major because
  // tile-contiguity would not cut their row activations or bursts (see plan.cpp)
  uint32_t row_major_operands = 0;
  Traffic traffic;  // per operand, exact
  SramUse sram;     // bytes the tiles occupy per partition
  // the input re-laid out first (layout rule above): its tensor read and written once more
  uint64_t relayout_read_bytes = 0, relayout_write_bytes = 0;
  std::string tile, loop_order;  // for tables: "K64 C32 P13 Q13", "G>K>C>N>P>Q"
  PlanCost cost;                 // in the context it was planned in (set by plan_layer(s))
  // Layer `fused_layer` of a fused chain (strategy fused): tiling, traffic and cost are the chain's
  // for this layer (tiling: the row tile as a P or M tile, for tables only).
  std::shared_ptr<const FusedChainPlan> fused;
  int fused_layer = -1;

  // "row-major", "tiled", or "mixed" (ROMANet's mapping keeps some operands row-major)
  const char* layout_name() const;
  bool tiled_operand(int op) const { return layout == DramLayout::tiled && !(row_major_operands >> op & 1u); }
  uint64_t dram_read_bytes() const { return traffic.read_bytes + relayout_read_bytes; }
  uint64_t dram_write_bytes() const { return traffic.write_bytes + relayout_write_bytes; }
  uint64_t dram_bytes() const { return dram_read_bytes() + dram_write_bytes(); }
};

struct CostContext;  // plan_cost.h

// One layer on its own (input row-major unless its plan says otherwise; no re-layout). Cached.
// InputError when not even the smallest tile fits the budget.
Plan plan_layer(const Layer& l, Strategy s, const CostContext& c);
// A sequence of layers (a model) under the layout rule; adaptive and exhaustive choose jointly.
std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const CostContext& c);
// adaptive's row-major candidate: the cheapest plan over every loop order on the grid in row-major
// layout (so it is never worse than weight-, output- or input-stationary on any layer). Cached.
Plan plan_layer_row_major(const Layer& l, const CostContext& c);
// On a bare SRAM budget (no NPU): objective bytes (bytes_context).
Plan plan_layer(const Layer& l, Strategy s, const SramBudget& b);
std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const SramBudget& b);
// A plan for a given tiling (tests, and the strategies themselves); not costed.
Plan make_plan(const Layer& l, Strategy s, const Tiling& t, DramLayout layout);

// Layout-rule helpers (sequence.cpp) for strategies that assemble a sequence themselves (fused).
bool layers_connected(const Layer& prev, const Layer& next);  // next reads exactly prev's output
bool reads_row_major_input(const Layer& l, const Plan& p);
bool writes_row_major_output(const Layer& l, const Plan& p);
Plan plan_with_relayout(const Layer& l, Plan p, const CostContext& c);  // input re-laid out first

size_t plan_cache_size();
void clear_plan_cache();

}  // namespace zoomrt::sched
