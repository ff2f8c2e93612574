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

SimDtype sim_dtype_for_precision(const Precision& cpu, const std::string& cpu_dtype) {
  const LayerPrecision p = cpu.for_class(OpClass::resnet);
  switch (p.weights) {
    case WeightFormat::f32:
    case WeightFormat::f16:
    case WeightFormat::bf16: return SimDtype::f16;  // 16-bit weights and activations
    case WeightFormat::int8: return SimDtype::int8;
    case WeightFormat::int4:
    case WeightFormat::int4a8:
      if (p.group == 32) return SimDtype::int4;
      if (p.group == 64) return SimDtype::int4_g64;
      if (p.group == 128) return SimDtype::int4_g128;
      break;
    case WeightFormat::palette:
      if (p.bits == 4) return SimDtype::palette4;
      if (p.bits == 6) return SimDtype::palette6;
      fail_input("--sim-dtype: --dtype {} has no simulated counterpart (palette4 and palette6 only); name one", cpu_dtype);
    case WeightFormat::sparse24: return SimDtype::sparse24_f16;
  }
  fail_input("--sim-dtype: --dtype {} has no simulated counterpart; name one", cpu_dtype);
}

std::string sim_dtype_for_cpu_dtype(const std::string& cpu_dtype) {
  return sim_dtype_name(sim_dtype_for_precision(precision_from_name(cpu_dtype), cpu_dtype));
}

void validate_zoom_sim_options(const ZoomSimOptions& o) {
  if (!o.enabled) return;
  if (o.power_cap_w < 0) fail_input("--power-cap: {} W must not be negative", o.power_cap_w);
  if (o.power_policy != sim::PowerPolicy::fixed && !(o.power_cap_w > 0))
    fail_input("--power-cap: required (> 0 W) by --power-policy {}", sim::power_policy_name(o.power_policy));
  if (o.battery_mwh < 0) fail_input("--battery-mwh: {} must not be negative", o.battery_mwh);
}

AccountingOptions accounting_options_of(const ZoomSimOptions& o) {
  AccountingOptions ao;
  // No dtype: the counterpart of ZoomModelOptions' default CPU dtype (f32 -> f16); `zoomrt zoom`
  // fills it from --dtype (sim_options_of in runtime/zoom/zoom.h).
  ao.dtype = o.dtype.value_or(SimDtype::f16);
  ao.strategy = o.strategy;
  ao.objective = o.objective;
  ao.policy = o.power_policy;
  ao.power_cap_w = o.power_cap_w;
  return ao;
}

ZoomSimReport simulate_zoom(const ZoomSimOptions& o, const ZoomSimModel& model, const ZoomGeometry& g,
                            const std::vector<FrameWork>& frames) {
  validate_zoom_sim_options(o);
  const AccountingOptions ao = accounting_options_of(o);
  auto accounted = std::make_shared<ZoomSimRun>(o.npu ? *o.npu : sim::load_npu("phone-npu"), ao);
  ZoomSimRun& a = *accounted;
  a.workload = zoom_workload(model, g, frames, sim_operand_bits(ao.dtype).input);
  a.rows = account_workload(a.acc, a.workload);
  a.run = a.acc.run();
  ZoomSimReport report;
  report.unet_calls_per_keyframe = a.workload.unet_calls_per_keyframe;
  for (const std::vector<size_t>& used : a.workload.frame_groups)
    report.frames.push_back(frame_json(a.acc, a.run, a.workload, a.rows, used));
  report.summary = a.acc.summary(true);
  const sim::RunResult& run = a.run;
  if (o.battery_mwh > 0) report.summary["battery_hours"] = sim::battery_hours(run, o.battery_mwh);
  report.summary["unet_calls_per_keyframe"] = report.unet_calls_per_keyframe;
  report.accounted = std::move(accounted);
  return report;
}

}  // namespace zoomrt
