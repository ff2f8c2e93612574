// The `fused` strategy: which chains of a layer sequence run depth-first (scheduler/fusion.h), with
// which row tile, and what that costs under the same full model as cost_plan (plan_cost.h).
//
// Cost of a fused chain, per layer (so tables keep one row per layer):
//   DRAM     the layer's own transfers replayed in schedule order (emit_fused) on a DRAM model
//            with every row closed: layer 0 its input rows (each step's new rows, channel by
//            channel in NCHW), every layer its weights (once, or filter by filter per step), the
//            last layer its output rows; statistics passes first. Row-major tensors, each in its
//            own 1 MiB-aligned region (or where a FusedPlacement puts them). max_ranges
//            extrapolation as emit_plan.
//   compute  per step, the array's cycles for the rows each layer computes (sim::compute_cycles:
//            conv m = rows x Q, n = K/g, k = C/g R S per group; GEMM m = rows); recomputed halos
//            and statistics passes included, and their MACs.
//   SRAM     every DRAM byte passes through SRAM once; each computed intermediate row is written
//            into its consumer's window and read by the array; the array reads each step's input
//            window and its filters.
//   time/energy  sim::evaluate_layer at the top V-F point, steps = the chain's steps.
// Search (best_fused): rows on a geometric grid (1, 2, 4, ... and all rows), both halo modes, weights
// resident or streamed, attention K and V resident or streamed; candidates that do not fit the SRAM budget are dropped; the rest are
// ranked by a lower bound and fully costed while it can still win.
// Sequence (plan_layers with Strategy::fused): the per-layer plans of adaptive (the joint DP of
// sequence.cpp) against every chainable segment of 2..kMaxChainLayers layers, chosen by dynamic
// programming on the objective with the layout rule at the segment boundaries (a fused chain
// reads and writes row-major tensors; a tiled neighbour pays its re-layout). For EDP, or any
// total that comes out worse, the adaptive sequence itself is returned: `fused` never reports
// worse than the per-layer plans it falls back to.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "scheduler/fusion.h"
#include "scheduler/plan_cost.h"

namespace zoomrt::sched {

struct FusedChainPlan {
  FusedChain chain;
  FusedTiling tiling;
  FusedTraffic traffic;
  std::vector<PlanCost> costs;  // per layer, in the context it was planned in
};

// Where a chain's tensors live in DRAM (the NPU accountant's allocation, runtime/npu/dram_plan.h):
// layer 0's input, each layer's weights, the last layer's output. Without one (the search), the
// chain's own 1 MiB-aligned regions from address 0.
struct FusedPlacement {
  uint64_t input = 0, output = 0;
  std::vector<uint64_t> weights;  // one per chain layer (attention: its K)
  std::vector<uint64_t> values;   // attention: its V (0 for other layers); empty: after K
};

// Cost of layer `i` of a fused plan. `dram`: a model to use instead of a fresh one (traces).
PlanCost cost_fused_layer(const FusedChainPlan& p, int i, const CostContext& c, sim::DramModel* dram = nullptr,
                          const FusedPlacement* place = nullptr);

// The cheapest fitting tiling of a chain, costed; nullopt when no tiling fits the SRAM budget
// (not even one row with streamed weights). Cached per chain shape and context.
std::optional<FusedChainPlan> best_fused(const FusedChain& chain, const CostContext& c);
// As best_fused, but a chain that cannot fit is an InputError naming its layers and the budget.
FusedChainPlan require_fused(const FusedChain& chain, const CostContext& c);

// The fused strategy over a sequence; links[i] joins layers[i - 1] -> layers[i] (links[0] unused;
// LinkKind::none where nothing can fuse). plan_layers(layers, fused, c) uses direct links
// between connected layers.
// link_credit[i] (optional, objective units): what the work between layers[i - 1] and layers[i]
// saves when that link is inside a fused chain (a vector op — group norm, GEGLU — whose input and
// output then never touch DRAM); the caller costs that op both ways.
std::vector<Plan> plan_layers_fused(const std::vector<Layer>& layers, const std::vector<LinkKind>& links,
                                    const CostContext& c, const std::vector<double>& link_credit = {},
                                    bool require = false);
// `require`: every chainable pair of neighbours must fit as a fused chain (require_fused), else
// the InputError of the first that does not (`zoomrt sim --require-fusion`).

}  // namespace zoomrt::sched
