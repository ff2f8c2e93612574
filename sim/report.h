// Reports of a simulated run: the JSON objects that stats.json and `zoomrt sim --json` share,
// and the comparison of power policies (throughput gain and energy saving of each against
// each other, on the same layers and cap).
//
// run_summary_json keys: sim_latency_s, fps, avg_power_w, peak_power_w, fps_per_watt,
// tops_per_watt, power_policy, cap_met, energy_j {total, mac, sram, dram, static},
// dram (dram_stats_json). dram_stats_json keys: bytes_read, bytes_written, accesses,
// row_hits, row_misses, row_conflicts, activations, busy_s, energy_j, row_hit_rate.
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "sim/dram.h"
#include "sim/power.h"

namespace zoomrt::sim {

nlohmann::json dram_stats_json(const DramStats& s);
nlohmann::json energy_json(const EnergyBreakdown& e);
nlohmann::json run_summary_json(const RunResult& r, const DramStats& dram_total);

struct PolicyComparison {
  PowerPolicy policy, baseline;
  double fps_gain_pct = 0;       // (fps / baseline fps - 1) x 100
  double energy_saving_pct = 0;  // (1 - energy / baseline energy) x 100
};
// Every ordered pair of distinct policies, simulated on the same layers under cap_w.
std::vector<PolicyComparison> compare_policies(const NpuConfig& npu, const std::vector<LayerCost>& layers,
                                               double cap_w);

}  // namespace zoomrt::sim
