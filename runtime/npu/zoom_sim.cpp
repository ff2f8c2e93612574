// A zoom run on the simulated NPU: one accountant, each component graph accounted once with the
// run's repeats, then every frame's share. See zoom_sim.h for what each frame executes.
#include "runtime/npu/zoom_sim.h"

#include <fmt/format.h>

#include <string>

#include "runtime/npu/accounting.h"
#include "runtime/exec/precision.h"
#include "sim/power.h"
#include "sim/report.h"
#include "base/error.h"

namespace zoomrt {

namespace {

// The library's message, prefixed with the zoom's option name unless it names it already
// (sim_dtype_from_name says "--dtype", which in `zoomrt zoom` is the CPU dtype).
template <class F>
auto named_option(const char* option, F parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    std::string msg = e.what();
    if (msg.rfind("--dtype ", 0) == 0) msg = msg.substr(8);
    if (msg.find(option) != std::string::npos) throw;
    fail_input("{}: {}", option, msg);
  }
}

// "" = the counterpart of ZoomModelOptions' default CPU dtype (f32 -> f16); `zoomrt zoom` fills
// it from --dtype (sim_options_of in runtime/zoom/zoom.h).
std::string sim_dtype_of(const ZoomSimOptions& o) { return o.dtype.empty() ? "f16" : o.dtype; }

void add_scaled(sim::DramStats& sum, const sim::DramStats& d, uint64_t m) {
  sum.bytes_read += d.bytes_read * m, sum.bytes_written += d.bytes_written * m,
      sum.accesses += d.accesses * m;
  sum.row_hits += d.row_hits * m, sum.row_misses += d.row_misses * m,
      sum.row_conflicts += d.row_conflicts * m;
  sum.activations += d.activations * m, sum.refreshes += d.refreshes * m;
  sum.busy_ns += d.busy_ns * double(m), sum.energy_pj += d.energy_pj * double(m);
  sum.act_pj += d.act_pj * double(m), sum.rd_pj += d.rd_pj * double(m),
      sum.wr_pj += d.wr_pj * double(m);
  sum.ref_pj += d.ref_pj * double(m), sum.bg_pj += d.bg_pj * double(m);
}

// A frame's "sim" object: the share of each group it uses.
nlohmann::json frame_json(const NpuAccountant& acc, const sim::RunResult& run, const ZoomWorkload& w,
                          const std::vector<RowRange>& rows, const std::vector<size_t>& groups) {
  double latency_s = 0, macs = 0;
  sim::EnergyBreakdown e;
  sim::DramStats dram;
  for (size_t gi : groups) {
    const int64_t units = w.groups[gi].units;
    for (size_t i = rows[gi].first; i < rows[gi].end; ++i) {
      const AccountedLayer& row = acc.layers()[i];
      const sim::LayerResult& lr = run.layers[i];
      const double share = 1.0 / double(units);  // lr holds all `repeats` executions
      latency_s += lr.latency_s * share;
      e.mac_j += lr.energy.mac_j * share, e.sram_j += lr.energy.sram_j * share;
      e.dram_j += lr.energy.dram_j * share, e.static_j += lr.energy.static_j * share;
      const uint64_t per_frame =
          uint64_t(row.repeats / units);  // repeats = units x per-frame count
      macs += row.cost.macs * double(per_frame);
      add_scaled(dram, row.cost.dram, per_frame);
    }
  }
  const double energy = e.total_j();
  const double fps = latency_s > 0 ? 1.0 / latency_s : 0;
  const double power = latency_s > 0 ? energy / latency_s : 0;
  const double npu_power = latency_s > 0 ? (e.mac_j + e.sram_j + e.static_j) / latency_s : 0;
  return {{"sim_latency_s", latency_s},
          {"fps", fps},
          {"avg_power_w", power},
          {"npu_avg_power_w", npu_power},
          {"fps_per_watt", power > 0 ? fps / power : 0.0},
          {"tops_per_watt", energy > 0 ? 2 * macs / energy / 1e12 : 0.0},
          {"macs", macs},
          {"energy_j", sim::energy_json(e)},
          {"dram", sim::dram_stats_json(dram)}};
}

}  // namespace

std::string sim_dtype_for_cpu_dtype(const std::string& cpu_dtype) {
  const LayerPrecision p = precision_from_name(cpu_dtype).for_class(OpClass::resnet);
  switch (p.weights) {
    case WeightFormat::f32:
    case WeightFormat::f16: return "f16";
    case WeightFormat::int8: return "int8";
    case WeightFormat::int4:
    case WeightFormat::int4a8: return p.group == 32 ? "int4" : fmt::format("int4-g{}", p.group);
    case WeightFormat::palette:
      if (p.bits == 4 || p.bits == 6) return fmt::format("palette{}", p.bits);
      fail_input("--sim-dtype: --dtype {} has no simulated counterpart (palette4 and palette6 only); name one", cpu_dtype);
    case WeightFormat::sparse24: return "sparse24-f16";
  }
  fail_input("--sim-dtype: --dtype {} has no simulated counterpart; name one", cpu_dtype);
}

void validate_zoom_sim_options(const ZoomSimOptions& o) {
  if (!o.enabled) return;
  named_option("--sim-dtype", [&] { return sim_dtype_from_name(sim_dtype_of(o)); });
  named_option("--strategy", [&] { return sched::strategy_from_name(o.strategy); });
  named_option("--objective", [&] { return sched::objective_from_name(o.objective); });
  const sim::PowerPolicy p =
      named_option("--power-policy", [&] { return sim::power_policy_from_name(o.power_policy); });
  if (o.power_cap_w < 0) fail_input("--power-cap: {} W must not be negative", o.power_cap_w);
  if (p != sim::PowerPolicy::fixed && !(o.power_cap_w > 0))
    fail_input("--power-cap: required (> 0 W) by --power-policy {}", o.power_policy);
  if (o.battery_mwh < 0) fail_input("--battery-mwh: {} must not be negative", o.battery_mwh);
  named_option("--npu", [&] { return sim::load_npu(o.npu); });
}

ZoomSimReport simulate_zoom(const ZoomSimOptions& o, const ZoomSimModel& model, const ZoomGeometry& g,
                            const std::vector<FrameWork>& frames) {
  validate_zoom_sim_options(o);
  AccountingOptions ao;
  ao.dtype = sim_dtype_from_name(sim_dtype_of(o));
  ao.strategy = sched::strategy_from_name(o.strategy);
  ao.objective = sched::objective_from_name(o.objective);
  ao.policy = sim::power_policy_from_name(o.power_policy);
  ao.power_cap_w = o.power_cap_w;
  NpuAccountant acc(sim::load_npu(o.npu), ao);
  const ZoomWorkload w = zoom_workload(model, g, frames, sim_operand_bits(ao.dtype).input);
  const std::vector<RowRange> rows = account_workload(acc, w);
  const sim::RunResult run = acc.run();
  ZoomSimReport report;
  report.unet_calls_per_keyframe = w.unet_calls_per_keyframe;
  for (const std::vector<size_t>& used : w.frame_groups)
    report.frames.push_back(frame_json(acc, run, w, rows, used));
  report.summary = acc.summary(true);
  if (o.battery_mwh > 0) report.summary["battery_hours"] = sim::battery_hours(run, o.battery_mwh);
  report.summary["unet_calls_per_keyframe"] = report.unet_calls_per_keyframe;
  return report;
}

}  // namespace zoomrt
