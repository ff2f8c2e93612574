// Renderings of workload_compare_json (runtime/npu/workload_compare.h) for `zoomrt tiling compare
// --model MODEL`: a terminal table and a CSV. Both are made from the JSON, so the three outputs
// carry the same numbers.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace zoomrt {

// Totals per strategy (latency, energy and its breakdown, DRAM traffic, the objective against the
// best), then per phase, then a bounded per-layer section: the `top_layers` matrix layers with
// the most whole-run energy (under the strategy where it is largest), identical layers (same op,
// repeats, and plan and cost under every strategy: the UNet's repeated blocks) shown once with
// their count, each with every strategy's plan and per-execution cost; top_layers < 0: every
// matrix layer, in pipeline order. Vector-unit rows cost the same under every strategy and are
// left to the JSON and CSV.
std::string workload_compare_table(const nlohmann::json& j, int top_layers);

// One row per (layer, strategy) with kind "layer" (values per execution, as the JSON), then
// one per (phase, strategy) with kind "phase" and one per strategy with kind "total" (whole-run
// values). Columns: kind, phase, layer, op, repeats, strategy, plan_strategy, tile, loop_order,
// dram_bytes_read, dram_bytes_written, dram_accesses, row_hits, row_hit_rate, cycles,
// dram_energy_j, energy_j, latency_s (empty where they do not apply).
std::string workload_compare_csv(const nlohmann::json& j);

}  // namespace zoomrt
