// compare_workload_strategies: a model's whole zoom run (runtime/npu/workload.h, the work `zoomrt sim`
// and `zoomrt zoom` account) under several tiling strategies on one NPU — what `zoomrt tiling
// compare --model MODEL` prints for a model (SCALE-Sim topologies use scheduler/compare.h).
//
// Each strategy gets its own NpuAccountant with the same NPU, dtype, objective and DRAM-range
// cap, power policy `fixed`, and accounts the same workload exactly as `zoomrt sim --strategy S`
// does (account_workload: distinct layers planned ahead in parallel), so a strategy's totals
// here are sim's figures for the same options, bit for bit. Strategies run one after another;
// the rows (one per executed node or vector-unit op, in pipeline order) are the same list in
// every strategy, only the plans and costs differ.
//
// workload_compare_json, the one rendering the table and CSV are made from:
//   {npu, dtype, objective, power_policy, frames, strategies [names], best (lowest objective),
//    totals {S: NpuAccountant::summary without phases/layers + objective_value,
//            objective_vs_best_pct = 100 (value / best - 1)},
//    phases [{name, layers, macs, results {S: {latency_s, energy_j, dram_energy_j,
//             dram_bytes_read, dram_bytes_written, dram_accesses, row_hits, row_hit_rate}}}],
//    layers [{name, op, phase, repeats, macs, results {S: {strategy, tile, loop_order,
//             dram_bytes_read, dram_bytes_written, dram_accesses, row_hits, row_hit_rate,
//             cycles, dram_energy_j, energy_j, latency_s}}}]}
// Phase values are whole-run sums; layer values are for ONE execution (x repeats = the run's),
// as in the accountant's rows. `strategy` in a layer result is the plan's ("vector" for
// vector-unit ops, which every strategy costs the same). Units: s, J, bytes; accesses are bursts.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "runtime/npu/accounting.h"
#include "runtime/npu/workload.h"

namespace zoomrt {

// Called after each strategy: its index, the strategy and the wall seconds it took.
using CompareProgress = std::function<void(size_t index, sched::Strategy s, double wall_s)>;

// One accountant per strategy, in `strategies` order. `base` gives everything but the strategy
// and power policy (fixed, no cap). InputError as account_workload.
std::vector<NpuAccountant> compare_workload_strategies(const sim::NpuConfig& npu, const AccountingOptions& base,
                                                       const ZoomWorkload& w,
                                                       const std::vector<sched::Strategy>& strategies,
                                                       const CompareProgress& progress = {});

// The comparison as JSON (format above). `runs` from compare_workload_strategies (non-empty).
nlohmann::json workload_compare_json(const std::vector<NpuAccountant>& runs);

// The run's value of the objective (lower is better), as scheduler/compare.h objective_total:
// energy J, latency s, energy x latency, DRAM accesses, DRAM bytes. `summary`: a summary() JSON.
double run_objective_value(sched::Objective o, const nlohmann::json& summary);

}  // namespace zoomrt
