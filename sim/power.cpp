// Layer time/energy at an operating point, and the fixed / dvfs / dfs-layer policies
// (model and assumptions in power.h and docs/sim.md).
#include "sim/power.h"

#include <algorithm>

#include "base/error.h"

namespace zoomrt::sim {

const char* power_policy_name(PowerPolicy p) { return kPowerPolicies.name(p).data(); }
PowerPolicy power_policy_from_name(const std::string& name) { return kPowerPolicies.parse(name, "--power-policy"); }
std::vector<PowerPolicy> all_power_policies() { return kPowerPolicies.values(); }

EnergyBreakdown& EnergyBreakdown::operator+=(const EnergyBreakdown& o) {
  mac_j += o.mac_j;
  sram_j += o.sram_j;
  dram_j += o.dram_j;
  static_j += o.static_j;
  return *this;
}

LayerResult evaluate_layer(const NpuConfig& npu, const LayerCost& l, double freq_mhz, double volt) {
  LayerResult r;
  r.freq_mhz = freq_mhz;
  r.volt = volt;
  const double vmax = npu.power.vf.back().volt;
  const double v_scale = (volt / vmax) * (volt / vmax);
  const double t_compute = static_cast<double>(l.cycles) / (freq_mhz * 1e6);
  const double t_dram = l.dram_ns * 1e-9;
  double t = t_compute + t_dram;
  if (npu.sram.double_buffered) {
    t = std::max(t_compute, t_dram);
    if (l.pipeline_steps > 0) t += std::min(t_compute, t_dram) / double(l.pipeline_steps);
  }
  r.latency_s = t;
  // The array is clocked while it computes and clock-gated while it waits for DRAM
  // (assumption), so the C f V^2 term costs C V^2 x cycles whatever f is.
  const double clock_j = npu.power.ceff_nf * 1e-9 * freq_mhz * 1e6 * volt * volt * t_compute;
  r.energy.mac_j = l.macs * mac_pj(npu.energy, l.dtype) * 1e-12 * v_scale + clock_j;
  r.energy.sram_j = (l.sram_read_bytes * npu.sram.read_pj_per_byte +
                     l.sram_write_bytes * npu.sram.write_pj_per_byte) * 1e-12 * v_scale;
  const double p_static = npu.power.idle_w + npu.power.leak_w_at_vmax * v_scale;
  r.energy.static_j = p_static * t;
  const DramEnergyModel dm = dram_energy_model(npu.dram);
  // While the DRAM idles in a layer it still draws standby current and refreshes.
  r.energy.dram_j = l.dram.energy_pj * 1e-12 + (dm.background_w + dm.refresh_w) * std::max(0.0, t - t_dram);
  const double npu_j = r.energy.mac_j + r.energy.sram_j + r.energy.static_j;
  r.power_w = t > 0 ? npu_j / t : p_static;
  return r;
}

namespace {
// Highest candidate frequency (descending list) whose NPU power stays under the cap.
LayerResult best_under_cap(const NpuConfig& npu, const LayerCost& l,
                           const std::vector<double>& freqs_desc, double volt, double cap_w,
                           bool& met) {
  for (double f : freqs_desc) {
    LayerResult r = evaluate_layer(npu, l, f, volt);
    if (r.power_w <= cap_w) return r;
  }
  met = false;
  return evaluate_layer(npu, l, freqs_desc.back(), volt);
}

// Frequencies reachable at table point i (its voltage): table points <= f_i plus a grid.
std::vector<double> dfs_candidates(const PowerConfig& p, size_t i) {
  std::vector<double> f;
  for (size_t j = 0; j <= i; ++j) f.push_back(p.vf[j].freq_mhz);
  if (p.dfs_step_mhz > 0)
    for (double g = p.vf[i].freq_mhz - p.dfs_step_mhz; g >= p.vf[0].freq_mhz; g -= p.dfs_step_mhz)
      f.push_back(g);
  std::sort(f.begin(), f.end(), std::greater<double>());
  f.erase(std::unique(f.begin(), f.end()), f.end());
  return f;
}

RunResult run_at(const NpuConfig& npu, const std::vector<LayerCost>& layers, double f, double v) {
  RunResult run;
  for (const LayerCost& l : layers) run.layers.push_back(evaluate_layer(npu, l, f, v));
  return run;
}

void finish(RunResult& run, const std::vector<LayerCost>& layers, double cap_w) {
  run.latency_s = 0;
  run.energy = {};
  run.peak_power_w = 0;
  run.total_macs = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    run.latency_s += run.layers[i].latency_s;
    run.energy += run.layers[i].energy;
    run.peak_power_w = std::max(run.peak_power_w, run.layers[i].power_w);
    run.total_macs += layers[i].macs;
  }
  const double e = run.energy.total_j();
  run.avg_power_w = run.latency_s > 0 ? e / run.latency_s : 0;
  run.fps = run.latency_s > 0 ? 1.0 / run.latency_s : 0;
  run.fps_per_watt = e > 0 ? 1.0 / e : 0;  // frames per joule
  run.tops_per_watt = e > 0 ? 2.0 * run.total_macs / e / 1e12 : 0;
  if (cap_w > 0 && run.peak_power_w > cap_w * (1 + 1e-12)) run.cap_met = false;
}
}  // namespace

RunResult simulate_power(const NpuConfig& npu, const std::vector<LayerCost>& layers,
                         PowerPolicy policy, double cap_w) {
  const std::vector<OperatingPoint>& vf = npu.power.vf;
  RunResult run;
  if (cap_w <= 0 || policy == PowerPolicy::fixed) {
    run = run_at(npu, layers, vf.back().freq_mhz, vf.back().volt);
  } else if (policy == PowerPolicy::dvfs) {
    // The highest point at which the most power-hungry layer stays under the cap.
    size_t chosen = 0;
    for (size_t i = vf.size(); i-- > 0;) {
      RunResult r = run_at(npu, layers, vf[i].freq_mhz, vf[i].volt);
      finish(r, layers, cap_w);
      if (r.cap_met) {
        chosen = i;
        break;
      }
    }
    run = run_at(npu, layers, vf[chosen].freq_mhz, vf[chosen].volt);
  } else {
    // dfs-layer: try each fixed voltage; keep the run that meets the cap with the least latency.
    bool have = false;
    for (size_t i = 0; i < vf.size(); ++i) {
      const std::vector<double> freqs = dfs_candidates(npu.power, i);
      RunResult r;
      bool met = true;
      for (const LayerCost& l : layers)
        r.layers.push_back(best_under_cap(npu, l, freqs, vf[i].volt, cap_w, met));
      finish(r, layers, cap_w);
      r.cap_met = met;
      const bool better = !have || (r.cap_met && !run.cap_met) ||
                          (r.cap_met == run.cap_met &&
                           (r.latency_s < run.latency_s * (1 - 1e-12) ||
                            (r.latency_s <= run.latency_s * (1 + 1e-12) &&
                             r.energy.total_j() < run.energy.total_j())));
      if (better) run = std::move(r), have = true;
    }
  }
  finish(run, layers, cap_w);
  run.policy = policy;
  return run;
}

double battery_hours(const RunResult& r, double battery_mwh) {
  if (!(r.avg_power_w > 0)) return 0;
  return battery_mwh * 1e-3 / r.avg_power_w;
}

}  // namespace zoomrt::sim
