// cost_plan: what one plan of one layer costs on an NPU, with the full model — the one function
// that the tile search, `tiling compare` and the NPU accountant all use, so a strategy's rank in a
// table is the rank it was chosen by.
//
//   DRAM       the plan's tile transfers replayed in schedule order under its DRAM layout
//              (emit_plan) on a DRAM model with every row closed: row hits / misses / conflicts,
//              bursts, busy time with bank and channel parallelism, IDD energy. After
//              `max_ranges` address ranges the rest of the layer is extrapolated (bytes exact).
//   SRAM       plan_sram_bytes: every DRAM byte passes through SRAM once, plus the array's reads
//              of each step's input tiles.
//   compute    the array's cycles summed over the plan's tiles (SCALE-Sim fold model, fill and
//              drain per fold); 2:4 weights on a zero-skipping array halve MACs and cycles.
//   time       double-buffered pipeline over the plan's steps: max(t_c, t_dram) + min(...) / steps.
//   energy     sim::evaluate_layer at the NPU's highest V–F point (MAC, clocking, SRAM, DRAM incl.
//              background, static).
// A plan with a re-layout (relayout_read_bytes > 0) includes that pass: the input tensor streamed
// in and out once more through SRAM, on a DRAM model of its own (add_relayout), its time and
// energy added to the layer's.
//
// A CostContext without an NPU (bytes_context) costs DRAM bytes and tile transfers only: the
// tests and tools that plan on a bare SRAM budget.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/dram_emit.h"
#include "scheduler/objective.h"
#include "scheduler/strategy.h"
#include "sim/dram.h"
#include "sim/npu_config.h"
#include "sim/power.h"

namespace zoomrt::sched {

struct CostContext {
  bool has_npu = false;
  sim::NpuConfig npu;
  sim::MacDtype dtype = sim::MacDtype::int8;
  bool sparse_skip = false;   // 2:4 weights on an array with skips_zeros: half MACs, half cycles
  Objective objective = Objective::bytes;
  uint64_t max_ranges = 20000;  // per layer, see above (0: every range)
  SramBudget budget;
  std::string key;  // everything above that changes a plan or its cost (the plan caches)
};

inline constexpr uint64_t kDefaultMaxRanges = 20000;

CostContext cost_context(const sim::NpuConfig& npu, sim::MacDtype dtype, Objective objective,
                         bool sparse_skip = false, uint64_t max_ranges = kDefaultMaxRanges);
CostContext bytes_context(const SramBudget& budget);  // no NPU: objective bytes

// The full cost. `dram`: a model to use instead of a fresh one (the accountant's traced model);
// its counters are reset first. `placement`: the operands' DRAM addresses (default: each layer's
// operands packed from address 0, what every search uses so a plan's cost is independent of
// where the model put its tensors; the accountant re-costs the chosen plan at the real ones).
PlanCost cost_plan(const Layer& l, const Plan& p, const CostContext& c, sim::DramModel* dram = nullptr,
                   const OperandPlacement* placement = nullptr);

// `cost` (of p without its re-layout) plus p's re-layout pass.
PlanCost add_relayout(const Plan& p, PlanCost cost, const CostContext& c);

// The objective's value of a cost (lower is better) and the total order every search and table
// uses: the objective, then energy, latency, bytes, accesses (ties are broken, never left to
// the visiting order).
double objective_value(Objective o, const PlanCost& c);
// A sequence's total in the objective (EDP: total energy x total latency, not a sum of EDPs).
double sequence_value(Objective o, const std::vector<Plan>& plans);
bool cheaper(Objective o, const PlanCost& a, const PlanCost& b);

// What a tiling fixes whatever its loop order: compute cycles (sparse halving applied), pipeline
// steps, and the array's SRAM reads of every step's input tiles.
struct TilingFacts {
  int64_t cycles = 0, steps = 1;
  double array_reads = 0;
};
TilingFacts tiling_facts(const Layer& l, const LoopNest& n, const Tiling& t, const CostContext& c);

// A lower bound of objective_value over every layout and DRAM state, from what a tiling and loop
// order fix without replaying them: exact bytes (bursts >= bytes / burst, data-bus time spread
// over every channel), compute cycles and SRAM bytes, no activations. Used to skip candidates that
// cannot win.
double objective_lower_bound(const Layer& l, const TilingFacts& f, uint64_t read_bytes, uint64_t write_bytes,
                             const CostContext& c);

// Compute cycles of a plan: sum over its tiles of sim::compute_cycles for each tile's GEMM
// shape (conv: m = N P Q of the tile, n = K, k = C R S, once per group; attention: Q K^T and
// P V per head). Frequency independent.
int64_t plan_compute_cycles(const Layer& l, const Plan& p, const sim::MacArray& a, sim::MacDtype d);

// SRAM traffic of a plan, bytes, for the energy model (an estimate; upper bound on array reads):
// every byte fetched from DRAM is written into SRAM (write), every byte written to DRAM is read
// out of it, and on top the array reads each step's input tiles once — the largest tile of every
// input operand, once per step of the loop nest (read).
struct SramBytes {
  double read = 0, write = 0;
};
SramBytes plan_sram_bytes(const Layer& l, const Plan& p);

// Compute cycles of a tiling under a context (sparse halving applied).
int64_t context_cycles(const Layer& l, const LoopNest& n, const Tiling& t, const CostContext& c);

}  // namespace zoomrt::sched
