// The accounted rows run under a power policy (fixed, DVFS, DFS per layer) and every policy
// compared. See accounting.h.
#include "runtime/npu/accounting.h"
#include "runtime/npu/accounting_internal.h"
#include "sim/report.h"

namespace zoomrt {

namespace npu_accounting {

sim::DramStats scale_dram(sim::DramStats s, double r) {
  const auto mul = [r](uint64_t& v) { v = uint64_t(double(v) * r + 0.5); };
  mul(s.bytes_read), mul(s.bytes_written), mul(s.accesses), mul(s.row_hits);
  mul(s.row_misses), mul(s.row_conflicts), mul(s.activations), mul(s.refreshes);
  s.busy_ns *= r, s.energy_pj *= r, s.act_pj *= r, s.rd_pj *= r, s.wr_pj *= r, s.ref_pj *= r, s.bg_pj *= r;
  return s;
}

double npu_avg_power_w(const sim::RunResult& r) {
  return r.latency_s > 0 ? (r.energy.mac_j + r.energy.sram_j + r.energy.static_j) / r.latency_s : 0;
}

}  // namespace npu_accounting

using npu_accounting::npu_avg_power_w;
using npu_accounting::scale_dram;

namespace {

sim::LayerCost scale_cost(sim::LayerCost c, int64_t r) {
  c.cycles *= r;
  c.dram_ns *= double(r);
  c.macs *= double(r);
  c.sram_read_bytes *= double(r);
  c.sram_write_bytes *= double(r);
  c.dram = scale_dram(c.dram, double(r));
  return c;
}

}  // namespace

std::vector<sim::LayerCost> NpuAccountant::weighted_costs() const {
  std::vector<sim::LayerCost> costs;
  costs.reserve(rows_.size());
  for (const AccountedLayer& r : rows_) costs.push_back(scale_cost(r.cost, r.repeats));
  return costs;
}

sim::RunResult NpuAccountant::run() const {
  return sim::simulate_power(npu_, weighted_costs(), opts_.policy, opts_.power_cap_w);
}
nlohmann::json NpuAccountant::policy_comparison() const {
  const std::vector<sim::LayerCost> costs = weighted_costs();
  nlohmann::json policies = nlohmann::json::array(), pairs = nlohmann::json::array();
  for (sim::PowerPolicy p : sim::all_power_policies()) {
    const sim::RunResult r = sim::simulate_power(npu_, costs, p, opts_.power_cap_w);
    const double fps = r.latency_s > 0 ? frames_ / r.latency_s : 0;
    policies.push_back({{"policy", sim::power_policy_name(p)},
                        {"sim_latency_s", r.latency_s},
                        {"fps", fps},
                        {"energy_j", r.energy.total_j()},
                        {"avg_power_w", r.avg_power_w},
                        {"npu_avg_power_w", npu_avg_power_w(r)},
                        {"npu_peak_power_w", r.peak_power_w},
                        {"fps_per_watt", r.avg_power_w > 0 ? fps / r.avg_power_w : 0},
                        {"cap_met", r.cap_met}});
  }
  for (const sim::PolicyComparison& c : sim::compare_policies(npu_, costs, opts_.power_cap_w))
    pairs.push_back({{"policy", sim::power_policy_name(c.policy)},
                     {"baseline", sim::power_policy_name(c.baseline)},
                     {"fps_gain_pct", c.fps_gain_pct},
                     {"energy_saving_pct", c.energy_saving_pct}});
  return {{"cap_w", opts_.power_cap_w}, {"policies", policies}, {"pairs", pairs}};
}

}  // namespace zoomrt
