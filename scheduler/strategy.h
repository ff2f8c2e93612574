// Tiling strategies and plans. A Plan is what a strategy chose for one layer on one SRAM budget:
// tile sizes, loop order, DRAM layout, and the exact DRAM bytes each operand moves.
//
// Strategies (one list below drives names, help text, dispatch and tests):
//   naive              tiles by halving the largest dim until they fit, canonical loop order, and
//                      no reuse across tiles: every operand tile moves at every step
//   weight-stationary  best tiling among loop orders that keep the weight tile resident while
//                      the loops it does not depend on run (outputs' pixels innermost)
//   output-stationary  ... that keep the output tile resident (reduction innermost: no psum spills)
//   input-stationary   ... that keep the input tile resident (filters innermost)
//   romanet            per layer, the reuse-driven choice of partition and schedule over all loop
//                      orders (ROMANet, Putra et al. 2019), with its DRAM layout: every tile's data
//                      contiguous (one row's columns, then banks, then chips)
//   adaptive           per layer, the partition and reused operand minimising DRAM bytes, under the
//                      adjacent-layer constraint (layer i+1 reads its input in as many parts as
//                      layer i wrote it, or pays a re-layout: the tensor read and written once more);
//                      chosen jointly over a layer sequence by dynamic programming
//   exhaustive         every tile size (every distinct trip count) and loop order: the lower bound
//                      of DRAM bytes in this cost model
// Heuristic strategies search trip counts on a geometric grid; exhaustive searches all of them.
// Plans of identical layers (shape + bits) on the same budget are computed once (process cache).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/loop_nest.h"
#include "scheduler/sram_budget.h"

namespace zoomrt::sched {

// X(enumerator, name, help)
#define ZOOMRT_TILING_STRATEGIES(X)                                                            \
  X(naive, "naive", "no reuse across tiles")                                                   \
  X(weight_stationary, "weight-stationary", "weights stay on chip, pixels innermost")          \
  X(output_stationary, "output-stationary", "outputs stay on chip, reduction innermost")       \
  X(input_stationary, "input-stationary", "inputs stay on chip, filters innermost")            \
  X(romanet, "romanet", "reuse-driven partition and order per layer + tile-contiguous DRAM")   \
  X(adaptive, "adaptive", "per-layer partition/reuse with the adjacent-layer constraint")      \
  X(exhaustive, "exhaustive", "all tilings and orders: lower bound of the cost model")

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
const char* strategy_name(Strategy s);
const char* strategy_help(Strategy s);
Strategy strategy_from_name(const std::string& name);  // InputError listing the valid names
std::vector<Strategy> all_strategies();
std::vector<Strategy> parse_strategy_list(const std::string& comma_separated);

enum class DramLayout { row_major, tiled };
const char* dram_layout_name(DramLayout l);

struct Plan {
  Strategy strategy = Strategy::naive;
  Tiling tiling;
  DramLayout layout = DramLayout::row_major;
  Traffic traffic;  // per operand, exact
  SramUse sram;     // bytes the tiles occupy per partition
  // adaptive only: the input re-laid out because the previous layer wrote it in other parts
  uint64_t relayout_read_bytes = 0, relayout_write_bytes = 0;
  std::string tile, loop_order;  // for tables: "K64 C32 P13 Q13", "G>K>C>N>P>Q"

  uint64_t dram_read_bytes() const { return traffic.read_bytes + relayout_read_bytes; }
  uint64_t dram_write_bytes() const { return traffic.write_bytes + relayout_write_bytes; }
  uint64_t dram_bytes() const { return dram_read_bytes() + dram_write_bytes(); }
};

// One layer on its own (for adaptive: without a neighbour, so no re-layout). Cached.
// InputError when not even the smallest tile fits the budget.
Plan plan_layer(const Layer& l, Strategy s, const SramBudget& b);
// A sequence of layers (a model): adaptive applies its adjacent-layer constraint here; the other
// strategies plan each layer on its own.
std::vector<Plan> plan_layers(const std::vector<Layer>& layers, Strategy s, const SramBudget& b);
// A plan for a given tiling (tests, and the strategies themselves).
Plan make_plan(const Layer& l, Strategy s, const Tiling& t, DramLayout layout);

size_t plan_cache_size();
void clear_plan_cache();

}  // namespace zoomrt::sched
