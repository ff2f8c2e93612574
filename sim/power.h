// Power policies and the per-layer time/energy model of a run on the NPU.
//
// Per layer, at frequency f (MHz) and voltage V:
//   compute time   t_c = cycles / f                 (cycles are frequency independent)
//   layer time     t   = max(t_c, t_dram) + min(t_c, t_dram) / S with double-buffered SRAM and a
//                        tile pipeline of S steps (transfers overlap compute except for the first
//                        load and the last compute; S = 0: full overlap), t_c + t_dram without
//   dynamic events E_ev = (macs x mac_pj(dtype) + sram_bytes x sram pJ/B) x (V / Vmax)^2
//   NPU power      P(f,V) = ceff x f x V^2 + E_ev / t + P_static(V)
//   P_static(V)    = idle_w + leak_w_at_vmax x (V / Vmax)^2   (assumption: leakage current ~ V)
// The cap applies to the NPU's power P (DRAM is a separate chip and rail, as in Chung et al.).
// DRAM energy = the DramModel's energy + its background power over the layer time it was idle.
// Energy breakdown: mac (MAC events + the C f V^2 clocking of the array), sram, dram, static.
//
// Policies (one list, X-macro):
//   fixed      highest V–F point for every layer, cap ignored;
//   dvfs       one global V–F point: the highest at which every layer's P stays under the cap;
//   dfs-layer  Chung et al. (ETRI J. 2022): the voltage is fixed for the run (each table voltage
//              is tried; the one giving the lowest total latency wins), and each layer runs at the
//              highest frequency reachable at that voltage whose P stays under the cap. Candidate
//              frequencies: the table's points at or below f(V), plus a grid of dfs_step_mhz.
// If no point meets the cap, the lowest one is used and cap_met is false.
#pragma once
#include <string>
#include <vector>

#include "base/enum_table.h"
#include "sim/dram.h"
#include "sim/npu_config.h"

namespace zoomrt::sim {

// X(enumerator, name, help)
#define ZOOMRT_POWER_POLICIES(X)                                                        \
  X(fixed, "fixed", "highest frequency and voltage for every layer")                    \
  X(dvfs, "dvfs", "one global V-F point, the highest whose power stays under the cap")  \
  X(dfs_layer, "dfs-layer", "voltage fixed, per-layer highest frequency under the cap")

enum class PowerPolicy {
#define X(e, name, help) e,
  ZOOMRT_POWER_POLICIES(X)
#undef X
};
// Names, help texts and parsing of the power policies (base/enum_table.h).
inline constexpr auto kPowerPolicies = make_enum_table<PowerPolicy>({
#define X(e, name, help) {PowerPolicy::e, name, help},
    ZOOMRT_POWER_POLICIES(X)
#undef X
});
const char* power_policy_name(PowerPolicy p);
// InputError "--power-policy: 'x' is not one of fixed | ..." for an unknown name.
PowerPolicy power_policy_from_name(const std::string& name);
std::vector<PowerPolicy> all_power_policies();

// What the scheduler measured for one layer (frequency independent).
struct LayerCost {
  std::string name;
  int64_t cycles = 0;      // compute cycles (compute_cycles summed over the layer's tiles)
  double dram_ns = 0;      // DRAM busy time (DramStats::busy_ns)
  double macs = 0;         // MACs executed (zeros skipped already when array.skips_zeros)
  MacDtype dtype = MacDtype::int8;
  double sram_read_bytes = 0, sram_write_bytes = 0;
  DramStats dram;
  // Double-buffered tile pipeline of this many steps (0: the layer is one stream, compute and
  // DRAM overlap fully). With S steps the first load and the last compute cannot overlap:
  // t = max(t_c, t_dram) + min(t_c, t_dram) / S. Scaling a cost by repeats keeps S.
  int64_t pipeline_steps = 0;
};

struct EnergyBreakdown {
  double mac_j = 0, sram_j = 0, dram_j = 0, static_j = 0;
  double total_j() const { return mac_j + sram_j + dram_j + static_j; }
  EnergyBreakdown& operator+=(const EnergyBreakdown& o);
};

struct LayerResult {
  double freq_mhz = 0, volt = 0;
  double latency_s = 0;
  double power_w = 0;  // predicted NPU power (the quantity the cap limits)
  EnergyBreakdown energy;
};

struct RunResult {
  std::vector<LayerResult> layers;
  double latency_s = 0;
  EnergyBreakdown energy;
  double avg_power_w = 0;   // total energy (incl. DRAM) / latency
  double peak_power_w = 0;  // max layer NPU power
  double fps = 0;           // 1 / latency: one run = one frame
  double fps_per_watt = 0;
  double tops_per_watt = 0; // 2 x MACs / energy / 1e12
  double total_macs = 0;
  bool cap_met = true;
  PowerPolicy policy = PowerPolicy::fixed;
};

// Evaluate one layer at a given operating point (no policy).
LayerResult evaluate_layer(const NpuConfig& npu, const LayerCost& l, double freq_mhz, double volt);
// Run all layers under a policy. cap_w <= 0 means no cap (every policy behaves like fixed).
RunResult simulate_power(const NpuConfig& npu, const std::vector<LayerCost>& layers,
                         PowerPolicy policy, double cap_w);
// Hours a battery of `battery_mwh` lasts running back-to-back frames at avg_power_w.
double battery_hours(const RunResult& r, double battery_mwh);

}  // namespace zoomrt::sim
