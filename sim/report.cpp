// JSON reports and the policy comparison (see report.h for the keys).
#include "sim/report.h"

namespace zoomrt::sim {

nlohmann::json dram_stats_json(const DramStats& s) {
  return {{"bytes_read", s.bytes_read},
          {"bytes_written", s.bytes_written},
          {"accesses", s.accesses},
          {"row_hits", s.row_hits},
          {"row_misses", s.row_misses},
          {"row_conflicts", s.row_conflicts},
          {"activations", s.activations},
          {"refreshes", s.refreshes},
          {"row_hit_rate", s.accesses ? static_cast<double>(s.row_hits) / s.accesses : 0.0},
          {"busy_s", s.busy_ns * 1e-9},
          {"energy_j", s.energy_pj * 1e-12}};
}

nlohmann::json energy_json(const EnergyBreakdown& e) {
  return {{"total", e.total_j()}, {"mac", e.mac_j}, {"sram", e.sram_j}, {"dram", e.dram_j},
          {"static", e.static_j}};
}

nlohmann::json run_summary_json(const RunResult& r, const DramStats& dram_total) {
  return {{"sim_latency_s", r.latency_s},
          {"fps", r.fps},
          {"avg_power_w", r.avg_power_w},
          {"peak_power_w", r.peak_power_w},
          {"fps_per_watt", r.fps_per_watt},
          {"tops_per_watt", r.tops_per_watt},
          {"power_policy", power_policy_name(r.policy)},
          {"cap_met", r.cap_met},
          {"energy_j", energy_json(r.energy)},
          {"dram", dram_stats_json(dram_total)}};
}

std::vector<PolicyComparison> compare_policies(const NpuConfig& npu, const std::vector<LayerCost>& layers,
                                               double cap_w) {
  std::vector<RunResult> runs;
  for (PowerPolicy p : all_power_policies()) runs.push_back(simulate_power(npu, layers, p, cap_w));
  std::vector<PolicyComparison> out;
  for (const RunResult& a : runs)
    for (const RunResult& b : runs) {
      if (a.policy == b.policy) continue;
      PolicyComparison c;
      c.policy = a.policy;
      c.baseline = b.policy;
      c.fps_gain_pct = b.fps > 0 ? (a.fps / b.fps - 1) * 100 : 0;
      const double eb = b.energy.total_j();
      c.energy_saving_pct = eb > 0 ? (1 - a.energy.total_j() / eb) * 100 : 0;
      out.push_back(c);
    }
  return out;
}

}  // namespace zoomrt::sim
