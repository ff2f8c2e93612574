// Power model and policies against the model's formulas worked out by hand (sim/power.h):
// P = C f V^2 + E_events (V/Vmax)^2 / t + idle + leak (V/Vmax)^2.
#include <catch2/catch.hpp>

#include "sim/power.h"
#include "sim/report.h"
#include "base/error.h"

using namespace zoomrt::sim;

namespace {
// V-F points 100 MHz / 0.5 V, 200 / 0.75, 400 / 1.0; C = 0.5 nF; leak 0.1 W at 1 V; idle 0.05 W;
// 1 pJ per int8 MAC; SRAM 2 pJ/B read, 3 pJ/B write; flat DRAM energy (no background).
NpuConfig test_npu() {
  NpuConfig c = load_npu("phone-npu");
  c.power.vf = {{100, 0.5}, {200, 0.75}, {400, 1.0}};
  c.power.ceff_nf = 0.5;
  c.power.leak_w_at_vmax = 0.1;
  c.power.idle_w = 0.05;
  c.power.dfs_step_mhz = 0;
  c.energy.mac_pj_int8 = 1.0;
  c.sram.read_pj_per_byte = 2.0;
  c.sram.write_pj_per_byte = 3.0;
  c.sram.double_buffered = true;
  c.dram.idd0 = 0;
  c.dram.pj_per_bit = 1.0;
  return c;
}

LayerCost layer(const char* name, int64_t cycles, double macs, double dram_ns = 0) {
  LayerCost l;
  l.name = name;
  l.cycles = cycles;
  l.macs = macs;
  l.dram_ns = dram_ns;
  l.dram.busy_ns = dram_ns;
  return l;
}
}  // namespace

TEST_CASE("one layer at one operating point, by hand", "[sim][power]") {
  NpuConfig npu = test_npu();
  LayerCost l = layer("a", 400000, 4e8, 5e5);
  l.sram_read_bytes = 1e6;
  l.sram_write_bytes = 1e5;
  l.dram.energy_pj = 2e6;
  // 200 MHz, 0.75 V: t_c = 2 ms > t_dram = 0.5 ms -> t = 2 ms; (V/Vmax)^2 = 0.5625.
  LayerResult r = evaluate_layer(npu, l, 200, 0.75);
  CHECK(r.latency_s == Approx(2e-3));
  const double clock_j = 0.5e-9 * 200e6 * 0.75 * 0.75 * 2e-3;
  CHECK(r.energy.mac_j == Approx(4e8 * 1e-12 * 0.5625 + clock_j));
  CHECK(r.energy.sram_j == Approx((1e6 * 2 + 1e5 * 3) * 1e-12 * 0.5625));
  CHECK(r.energy.static_j == Approx((0.05 + 0.1 * 0.5625) * 2e-3));
  CHECK(r.energy.dram_j == Approx(2e6 * 1e-12));
  CHECK(r.power_w == Approx((r.energy.mac_j + r.energy.sram_j + r.energy.static_j) / 2e-3));
  // Without double buffering, transfers and compute add up.
  npu.sram.double_buffered = false;
  CHECK(evaluate_layer(npu, l, 200, 0.75).latency_s == Approx(2.5e-3));
}

TEST_CASE("fixed, dvfs and dfs-layer under a 0.5 W cap, by hand", "[sim][power]") {
  NpuConfig npu = test_npu();
  // A: dense (1000 MACs/cycle); B: light (10 MACs/cycle). Same cycles.
  std::vector<LayerCost> layers = {layer("A", 400000, 4e8), layer("B", 400000, 4e6)};
  // Power (W) = 0.5e-9 f V^2 + MACs pJ (V)^2 / t + 0.05 + 0.1 V^2, by point:
  //   A @400/1.0: 0.2 + 0.4 + 0.15 = 0.75     A @200/1.0: 0.1 + 0.2 + 0.15 = 0.45
  //   A @200/0.75: 0.05625 + 0.1125 + 0.10625 = 0.275
  //   B @400/1.0: 0.2 + 0.004 + 0.15 = 0.354  B @200/0.75: 0.05625 + 0.001125 + 0.10625
  const double cap = 0.5;

  RunResult fixed = simulate_power(npu, layers, PowerPolicy::fixed, cap);
  CHECK(fixed.layers[0].freq_mhz == 400);
  CHECK(fixed.layers[0].power_w == Approx(0.75));
  CHECK(fixed.latency_s == Approx(2e-3));
  CHECK_FALSE(fixed.cap_met);  // fixed ignores the cap and says so

  // dvfs: 400/1.0 breaks the cap on A, so one global 200 MHz / 0.75 V point.
  RunResult dvfs = simulate_power(npu, layers, PowerPolicy::dvfs, cap);
  CHECK(dvfs.layers[0].freq_mhz == 200);
  CHECK(dvfs.layers[1].freq_mhz == 200);
  CHECK(dvfs.layers[0].volt == 0.75);
  CHECK(dvfs.latency_s == Approx(4e-3));
  CHECK(dvfs.peak_power_w == Approx(0.275));
  CHECK(dvfs.energy.total_j() == Approx(0.275 * 2e-3 + (0.05625 + 0.001125 + 0.10625) * 2e-3));
  CHECK(dvfs.cap_met);

  // dfs-layer: at a fixed 1.0 V, A runs at 200 MHz (0.45 W) and B at 400 MHz (0.354 W):
  // 3 ms against dvfs's 4 ms (+33 % FPS), at a higher energy (1.0 V throughout).
  RunResult dfs = simulate_power(npu, layers, PowerPolicy::dfs_layer, cap);
  CHECK(dfs.layers[0].volt == 1.0);
  CHECK(dfs.layers[0].freq_mhz == 200);
  CHECK(dfs.layers[1].freq_mhz == 400);
  CHECK(dfs.latency_s == Approx(3e-3));
  CHECK(dfs.fps / dvfs.fps == Approx(4.0 / 3.0));
  CHECK(dfs.energy.total_j() == Approx(0.45 * 2e-3 + 0.354 * 1e-3));
  CHECK(dfs.cap_met);

  // Totals.
  const double e = dfs.energy.total_j();
  CHECK(dfs.avg_power_w == Approx(e / 3e-3));
  CHECK(dfs.fps_per_watt == Approx(dfs.fps / dfs.avg_power_w));
  CHECK(dfs.tops_per_watt == Approx(2 * 4.04e8 / e / 1e12));
  CHECK(battery_hours(dfs, 1000) == Approx(1.0 / dfs.avg_power_w));
}

TEST_CASE("no cap means the top point, an impossible cap is reported", "[sim][power]") {
  NpuConfig npu = test_npu();
  std::vector<LayerCost> layers = {layer("A", 400000, 4e8), layer("B", 400000, 4e6)};
  for (PowerPolicy p : all_power_policies()) {
    RunResult r = simulate_power(npu, layers, p, 0);
    CHECK(r.layers[0].freq_mhz == 400);
    CHECK(r.cap_met);
    RunResult low = simulate_power(npu, layers, p, 0.01);
    CHECK_FALSE(low.cap_met);
    if (p != PowerPolicy::fixed) CHECK(low.layers[0].freq_mhz == 100);
  }
}

TEST_CASE("dfs-layer uses the frequency grid at the fixed voltage", "[sim][power]") {
  NpuConfig npu = test_npu();
  npu.power.dfs_step_mhz = 50;
  // A at 1.0 V: P(f) = 0.5e-9 f + 1e-4 J x f / 4e5 ... = 1.5e-9 f + 0.15 <= 0.5 -> f <= 233 MHz:
  // the grid point 200 MHz (250 gives 0.525 W).
  std::vector<LayerCost> layers = {layer("A", 400000, 4e8)};
  RunResult r = simulate_power(npu, layers, PowerPolicy::dfs_layer, 0.5);
  CHECK(r.layers[0].freq_mhz == 200);
  r = simulate_power(npu, layers, PowerPolicy::dfs_layer, 0.53);
  CHECK(r.layers[0].freq_mhz == 250);
  CHECK(r.layers[0].volt == 1.0);
}

TEST_CASE("policy names", "[sim][power]") {
  CHECK(all_power_policies().size() == 3);
  CHECK(power_policy_from_name("dfs-layer") == PowerPolicy::dfs_layer);
  CHECK(std::string(power_policy_name(PowerPolicy::dvfs)) == "dvfs");
  CHECK_THROWS_WITH(power_policy_from_name("turbo"), Catch::Contains("'turbo'"));
}

TEST_CASE("policy comparison and JSON summary", "[sim][power]") {
  NpuConfig npu = test_npu();
  std::vector<LayerCost> layers = {layer("A", 400000, 4e8), layer("B", 400000, 4e6)};
  auto cmp = compare_policies(npu, layers, 0.5);
  CHECK(cmp.size() == 6);
  for (const PolicyComparison& c : cmp)
    if (c.policy == PowerPolicy::dfs_layer && c.baseline == PowerPolicy::dvfs) {
      CHECK(c.fps_gain_pct == Approx(100.0 / 3));  // 4 ms -> 3 ms (see the hand-worked case)
      const double e_dvfs = 0.275 * 2e-3 + (0.05625 + 0.001125 + 0.10625) * 2e-3;
      const double e_dfs = 0.45 * 2e-3 + 0.354 * 1e-3;
      CHECK(c.energy_saving_pct == Approx((1 - e_dfs / e_dvfs) * 100));
    }
  DramStats d;
  d.accesses = 10;
  d.row_hits = 7;
  RunResult r = simulate_power(npu, layers, PowerPolicy::dvfs, 0.5);
  nlohmann::json j = run_summary_json(r, d);
  CHECK(j["sim_latency_s"].get<double>() == Approx(4e-3));
  CHECK(j["power_policy"] == "dvfs");
  CHECK(j["dram"]["row_hit_rate"].get<double>() == Approx(0.7));
  for (const char* k : {"mac", "sram", "dram", "static", "total"}) CHECK(j["energy_j"].contains(k));
}
