// The tile-size search shared by the strategies (internal to scheduler/).
// Visits every tiling on a candidate grid that fits the budget: each dim with size > 1 takes
// tile sizes ceil(size / n) for trip counts n (all n, or a geometric grid), except the last such
// dim, which takes the largest size that still fits (traffic never grows with a larger tile).
// For each fitting tile-size vector the visitor gets the order-independent bases once and
// evaluates the orders it cares about.
// Compute-aware search (SearchSpace::compute_layer set and the budget has_array): a first pass
// finds the fewest compute cycles of any fitting tiling on the grid; the visitor then only sees
// tilings within kComputeSlack of it.
#pragma once
#include <functional>
#include <vector>

#include "scheduler/loop_nest.h"
#include "sim/npu_config.h"

namespace zoomrt::sched {

struct SearchSpace {
  bool all_trip_counts = false;       // exhaustive: every distinct ceil(size / n)
  const Layer* compute_layer = nullptr;  // set: compute-aware when the budget has an array
};

using TilingVisitor = std::function<void(const Tiling& tiles_only, const OperandBases&, const SramUse&)>;
// Returns the number of tile-size vectors visited (0: nothing fits).
size_t for_each_fitting_tiling(const LoopNest& n, const SramBudget& b, const SearchSpace& space,
                               const TilingVisitor& visit);

// Array cycles of every tile of a tiling (see plan_compute_cycles in compare.h).
int64_t tiling_compute_cycles(const Layer& l, const LoopNest& n, const Tiling& t,
                              const sim::MacArray& a, sim::MacDtype d);

// Candidate tile sizes of one dim, ascending.
std::vector<int64_t> tile_candidates(int64_t size, bool all_trip_counts);

// Orders in which operand `op` stays resident: every loop it does not depend on is inside every
// loop it depends on (outer dims aside).
std::vector<std::vector<int>> stationary_orders(const LoopNest& n, int op);

}  // namespace zoomrt::sched
