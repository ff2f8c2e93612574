// The tile-size search shared by the strategies (internal to scheduler/).
// Visits every tiling on a candidate grid that fits the budget: each dim with size > 1 takes
// the candidate tile sizes of tile_candidates, except the last such dim, which takes the
// largest candidate that still fits (the SRAM-filling size: traffic never grows with a larger
// tile). For each fitting tile-size vector the visitor evaluates the orders it cares about.
#pragma once
#include <functional>
#include <vector>

#include "scheduler/loop_nest.h"
#include "sim/npu_config.h"

namespace zoomrt::sched {

struct SearchSpace {
  bool all_trip_counts = false;         // exhaustive: every distinct ceil(size / n)
  const sim::MacArray* array = nullptr;  // set: sizes aligned to the array join the candidates
};

using TilingVisitor = std::function<void(const Tiling& tiles_only)>;
// Returns the number of tile-size vectors visited (0: nothing fits).
size_t for_each_fitting_tiling(const LoopNest& n, const SramBudget& b, const SearchSpace& space,
                               const TilingVisitor& visit);

// Array cycles of every tile of a tiling (see plan_compute_cycles in plan_cost.h).
int64_t tiling_compute_cycles(const Layer& l, const LoopNest& n, const Tiling& t,
                              const sim::MacArray& a, sim::MacDtype d);

// Candidate tile sizes of one dim, ascending: the whole dim and 1; ceil(size / n) for every trip
// count n (all_trip_counts) or for n on a x1.5 geometric grid; and with an array, the multiples
// of its rows and columns (x1, 2, 3, 4, 6, 8, ... up to the size) and their halvings down to 1,
// so that tiles which fold exactly onto the array are always proposed.
std::vector<int64_t> tile_candidates(int64_t size, bool all_trip_counts, const sim::MacArray* array = nullptr);

// Orders in which operand `op` stays resident: every loop it does not depend on is inside every
// loop it depends on (outer dims aside).
std::vector<std::vector<int>> stationary_orders(const LoopNest& n, int op);

}  // namespace zoomrt::sched
