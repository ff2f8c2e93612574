// zoomrt sim: the zoom pipeline (or a SCALE-Sim topology) on a simulated NPU, without running any
// kernel. A model run is the run `zoomrt zoom` would make with the same options, accounted from
// the same description (runtime/npu/workload.h: text encoder per prompt, VAE encoder, the noise
// scheduler's UNet calls with guidance and scheduler step, VAE decoder per inpainted keyframe,
// the interpolated frames' resample + paste), so the figures are the zoom's stats.json summary.
// Prints a terminal summary or the JSON summary of runtime/npu/accounting.h. docs/sim_cli.md.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runtime/npu/accounting.h"
#include "runtime/npu/workload.h"
#include "scheduler/topology.h"
#include "sim/power.h"
#include "tools/zoomrt/commands.h"
#include "tools/zoomrt/enum_option.h"
#include "tools/zoomrt/run_options.h"
#include "tools/zoomrt/sim_plot.h"
#include "runtime/trace/npu_trace.h"
#include "base/atomic_file.h"
#include "base/error.h"

namespace zoomrt::cli {
namespace {

// Run options default to `zoomrt zoom`'s (ZoomOptions / ZoomModelOptions), so `sim` and `zoom`
// with the same options describe the same run.
struct SimOptions {
  RunOptions run;  // the model and the zoom run (run_options.h, shared with tiling compare)
  std::string npu = "phone-npu", dram_trace, timeline_trace;
  SimDtype dtype = SimDtype::int8;  // the names parsed when read (base/enum_table.h tables)
  sched::Strategy strategy = sched::Strategy::adaptive;
  sched::Objective objective = sched::Objective::energy;
  sim::PowerPolicy policy = sim::PowerPolicy::fixed;
  double power_cap_w = 0, battery_mwh = 0;
  uint64_t trace_max_lines = 1u << 20;
  uint64_t max_ranges = AccountingOptions{}.max_ranges_per_layer;
  bool json = false, no_layers = false, compare_policies = false, require_fusion = false;
  bool packed_addresses = false;
  SimPlotOptions plot;  // --plot, --plot-timeline (sim_plot.h)
};

void validate(const SimOptions& o, bool topology) {
  if (o.power_cap_w < 0) fail_input("--power-cap: {} W must be positive", o.power_cap_w);
  if (o.policy != sim::PowerPolicy::fixed && !(o.power_cap_w > 0))
    fail_input("--power-cap: required (> 0 W) by --power-policy {}", sim::power_policy_name(o.policy));
  if (o.require_fusion && o.strategy != sched::Strategy::fused)
    fail_input("--require-fusion: needs --strategy fused, not {}", sched::strategy_name(o.strategy));
  if (o.battery_mwh < 0) fail_input("--battery-mwh: {} must not be negative", o.battery_mwh);
  if (o.compare_policies && !(o.power_cap_w > 0))
    fail_input("--compare-policies: needs --power-cap (> 0 W); without a cap every policy is fixed");
  if (!topology) validate_run_options(o.run);  // once: run_workload takes the run as checked here
}

void print_terminal(const nlohmann::json& s, const SimOptions& o) {
  const auto& e = s["energy_j"];
  const auto& d = s["dram"];
  const double total = e["total"].get<double>();
  const auto pct = [&](const char* k) { return total > 0 ? 100.0 * e[k].get<double>() / total : 0.0; };
  std::printf("zoomrt sim: model %s, npu %s, dtype %s, strategy %s, objective %s, power %s%s\n", o.run.model.c_str(),
              s["npu"].get<std::string>().c_str(), sim_dtype_name(o.dtype), sched::strategy_name(o.strategy),
              s["objective"].get<std::string>().c_str(), sim::power_policy_name(o.policy),
              o.power_cap_w > 0 ? fmt::format(" (cap {} W)", o.power_cap_w).c_str() : "");
  if (s.contains("unet_calls_per_keyframe"))
    std::printf("  run          %g frame(s), %d UNet calls per inpainted keyframe\n", s["frames"].get<double>(),
                s["unet_calls_per_keyframe"].get<int>());
  std::printf("  latency      %.4f s for %g frame(s)   FPS %.4f%s\n", s["sim_latency_s"].get<double>(),
              s["frames"].get<double>(), s["fps"].get<double>(), s["cap_met"].get<bool>() ? "" : "  [cap NOT met]");
  std::printf("  power        NPU + DRAM avg %.3f W   NPU avg %.3f W   NPU peak %.3f W\n",
              s["avg_power_w"].get<double>(), s["npu_avg_power_w"].get<double>(),
              s["npu_peak_power_w"].get<double>());
  std::printf("  FPS/W        %.5f      TOPS/W %.4f      MACs %.4g\n", s["fps_per_watt"].get<double>(),
              s["tops_per_watt"].get<double>(), s["total_macs"].get<double>());
  if (s["area_mm2"].is_null()) {
    std::printf("  area         n/a (the NPU description has no \"area\" object)\n");
  } else {
    const auto& a = s["area"];
    std::printf("  FPS/mm²      %.5g      area %.4g mm² at %g nm: array %.4g, SRAM %.4g, DRAM PHY %.4g, fixed %.4g\n",
                s["fps_per_mm2"].get<double>(), s["area_mm2"].get<double>(), a["process_nm"].get<double>(),
                a["array_mm2"].get<double>(), a["sram_mm2"].get<double>(), a["dram_phy_mm2"].get<double>(),
                a["fixed_mm2"].get<double>());
  }
  std::printf("  energy       %.4f J: mac %.1f%%, sram %.1f%%, dram %.1f%%, static %.1f%%\n", total, pct("mac"),
              pct("sram"), pct("dram"), pct("static"));
  std::printf("  DRAM         %.4g B read, %.4g B written, %llu accesses, row-hit rate %.1f%%, %llu activations\n",
              d["bytes_read"].get<double>(), d["bytes_written"].get<double>(),
              (unsigned long long)d["accesses"].get<uint64_t>(), 100.0 * d["row_hit_rate"].get<double>(),
              (unsigned long long)d["activations"].get<uint64_t>());
  std::printf("               %llu row hits, %llu row misses, %llu row conflicts, %.4f J\n",
              (unsigned long long)d["row_hits"].get<uint64_t>(), (unsigned long long)d["row_misses"].get<uint64_t>(),
              (unsigned long long)d["row_conflicts"].get<uint64_t>(), d["energy_j"].get<double>());
  if (s.contains("battery_hours"))
    std::printf("  battery      %.2f h of continuous zoom on %g mWh\n", s["battery_hours"].get<double>(),
                o.battery_mwh);
  std::printf("  %-15s %12s %12s %10s\n", "phase", "latency_s", "energy_j", "layers");
  for (const auto& ph : s["phases"])
    std::printf("  %-15s %12.5f %12.5f %10d\n", ph["name"].get<std::string>().c_str(), ph["latency_s"].get<double>(),
                ph["energy_j"].get<double>(), ph["layers"].get<int>());
}

// Each policy's FPS and energy, then every policy's FPS gain and energy saving against each other.
void print_policy_comparison(const nlohmann::json& c) {
  std::printf("  power policies under a %g W cap:\n", c["cap_w"].get<double>());
  std::printf("  %-10s %10s %12s %10s %12s %10s %8s\n", "policy", "fps", "energy_j", "avg_w", "npu_peak_w", "fps/W",
              "cap_met");
  for (const auto& p : c["policies"])
    std::printf("  %-10s %10.5f %12.4f %10.4f %12.4f %10.5f %8s\n", p["policy"].get<std::string>().c_str(),
                p["fps"].get<double>(), p["energy_j"].get<double>(), p["avg_power_w"].get<double>(),
                p["npu_peak_power_w"].get<double>(),
                p["fps_per_watt"].get<double>(), p["cap_met"].get<bool>() ? "yes" : "no");
  std::printf("  %-10s %-10s %14s %18s\n", "policy", "vs", "fps_gain_pct", "energy_saving_pct");
  for (const auto& p : c["pairs"])
    std::printf("  %-10s %-10s %+14.2f %+18.2f\n", p["policy"].get<std::string>().c_str(),
                p["baseline"].get<std::string>().c_str(), p["fps_gain_pct"].get<double>(),
                p["energy_saving_pct"].get<double>());
}

void run_sim(const SimOptions& o) {
  const bool topology = is_topology(o.run.model);
  validate(o, topology);
  AccountingOptions ao;
  ao.dtype = o.dtype;
  ao.strategy = o.strategy;
  ao.policy = o.policy;
  ao.power_cap_w = o.power_cap_w;
  ao.max_ranges_per_layer = o.max_ranges;
  ao.require_fusion = o.require_fusion;
  ao.place_tensors = !o.packed_addresses;
  ao.objective = o.objective;
  // --trace: opened first (a bad path fails before any work), written at the end.
  std::unique_ptr<AtomicFile> timeline;
  if (!o.timeline_trace.empty())
    timeline = named_option("--trace", [&] { return std::make_unique<AtomicFile>(o.timeline_trace); });
  NpuAccountant acc(sim::load_npu(o.npu), ao);
  int unet_calls = 0;
  // The trace is built in memory (capped) and written atomically at the end.
  std::unique_ptr<std::ostringstream> trace;
  if (!o.dram_trace.empty()) {
    if (o.trace_max_lines == 0 || o.trace_max_lines > (uint64_t(1) << 24))
      fail_input("--dram-trace-lines: {} must be between 1 and {}", o.trace_max_lines, uint64_t(1) << 24);
    trace = std::make_unique<std::ostringstream>();
    acc.set_dram_trace(trace.get(), o.trace_max_lines);
  }
  if (topology) {
    acc.account_layers(sched::load_topology(o.run.model, sim_operand_bits(ao.dtype)), 1, "topology");
  } else {
    const ZoomWorkload w = run_workload(o.run, sim_operand_bits(o.dtype).input);
    // The trace records the UNet's layers once (one call) and its glue, up to the line cap.
    account_workload(acc, w, trace.get(), o.trace_max_lines);
    unet_calls = w.unet_calls_per_keyframe;
  }
  if (trace) {
    AtomicFile f(o.dram_trace);
    f.write(trace->str());
    f.commit();
  }
  if (timeline) npu_run_trace(acc).write(*timeline);
  nlohmann::json s = acc.summary(o.json && !o.no_layers);
  if (!topology) s["unet_calls_per_keyframe"] = unet_calls;
  if (o.battery_mwh > 0) s["battery_hours"] = sim::battery_hours(acc.run(), o.battery_mwh);
  if (!o.dram_trace.empty()) s["dram_trace"] = {{"file", o.dram_trace}, {"lines", acc.trace_lines()}};
  s["model"] = o.run.model;
  if (o.compare_policies) s["policy_comparison"] = acc.policy_comparison();
  draw_sim_plots(o.plot, acc, s);
  if (o.json) {
    std::printf("%s\n", s.dump(2).c_str());
    return;
  }
  print_terminal(s, o);
  if (o.compare_policies) print_policy_comparison(s["policy_comparison"]);
  if (!o.dram_trace.empty())
    std::printf("  DRAM trace   %s: %llu lines (DRAMsim3 format)\n", o.dram_trace.c_str(),
                (unsigned long long)acc.trace_lines());
}

}  // namespace

void setup_sim(CLI::App& sub) {
  auto o = std::make_shared<SimOptions>();
  std::string model_help = "sd2-inpainting | sd15-inpainting | tiny | diffusers DIR | topology CSV | shipped topology:";
  for (const auto& n : sched::builtin_topology_names()) model_help += " " + n;
  sub.add_option("--model", o->run.model, model_help)->capture_default_str();
  sub.add_option("--npu", o->npu, "NPU preset name, JSON description or SCALE-Sim .cfg")->capture_default_str();
  add_enum_option(sub, "--dtype", o->dtype, kSimDtypes, "");
  add_enum_option(sub, "--strategy", o->strategy, sched::kStrategies, "");
  add_enum_option(sub, "--power-policy", o->policy, sim::kPowerPolicies, "");
  sub.add_option("--power-cap", o->power_cap_w, "NPU power cap in W (required by dvfs and dfs-layer)");
  add_enum_option(sub, "--objective", o->objective, sched::kObjectives, "what the tiling search minimises");
  // The run, as `zoomrt zoom` takes it (same names, same defaults).
  add_run_options(sub, o->run);
  sub.add_option("--battery-mwh", o->battery_mwh, "battery capacity: report hours of continuous zoom");
  sub.add_option("--dram-trace", o->dram_trace, "write DRAMsim3 trace lines of the first UNet step (capped)");
  sub.add_option("--dram-trace-lines", o->trace_max_lines, "cap of --dram-trace lines")->capture_default_str();
  sub.add_option("--dram-ranges", o->max_ranges,
                 "address ranges fed to the DRAM model per layer before extrapolating (0: all)")
      ->capture_default_str();
  sub.add_flag("--compare-policies", o->compare_policies,
               "also run every power policy under --power-cap: FPS gain and energy saving of each vs the others");
  sub.add_flag("--require-fusion", o->require_fusion,
               "with --strategy fused: every chain the model offers must fit SRAM (else exit 2 naming it)");
  sub.add_flag("--packed-addresses", o->packed_addresses,
               "every layer's operands from DRAM address 0 (the search's layout), not the model's DRAM allocation");
  sub.add_option("--trace", o->timeline_trace,
                 "write the simulated NPU timeline per layer as Chrome trace-event JSON (ui.perfetto.dev)");
  add_sim_plot_options(sub, o->plot);
  sub.add_flag("--json", o->json, "print the JSON summary (with per-layer rows)");
  sub.add_flag("--no-layers", o->no_layers, "with --json: leave out the per-layer rows");
  sub.callback([o] { run_sim(*o); });
}

}  // namespace zoomrt::cli
