// The run's summary JSON: totals, power, area, phases and (optionally) one row per layer.
// See accounting.h.
#include <map>

#include "runtime/npu/accounting.h"
#include "runtime/npu/accounting_internal.h"
#include "scheduler/compare.h"
#include "sim/area.h"
#include "sim/report.h"

namespace zoomrt {

using npu_accounting::npu_avg_power_w;
using npu_accounting::scale_dram;

sim::DramStats NpuAccountant::dram_total() const {
  sim::DramStats t;
  for (const AccountedLayer& r : rows_) t += scale_dram(r.cost.dram, double(r.repeats));
  return t;
}

nlohmann::json NpuAccountant::summary(bool include_layers) const {
  const sim::RunResult run = this->run();
  nlohmann::json j = sim::run_summary_json(run, dram_total());
  // Power, each name saying what it covers: avg_power_w = (NPU + DRAM) energy / latency;
  // npu_avg_power_w and npu_peak_power_w = the NPU rail alone (what a power cap limits), so the
  // NPU average never exceeds the NPU peak.
  j.erase("peak_power_w");
  j["npu_peak_power_w"] = run.peak_power_w;
  j["npu_avg_power_w"] = npu_avg_power_w(run);
  j["objective"] = sched::objective_name(opts_.objective);
  // One run produces `frames_` frames; sim's own figures assume one frame per run.
  const double fps = run.latency_s > 0 ? frames_ / run.latency_s : 0;
  j["frames"] = frames_;
  j["fps"] = fps;
  j["fps_per_watt"] = run.avg_power_w > 0 ? fps / run.avg_power_w : 0;
  // Cost (sim/area.h): null where the NPU description has no `area` object.
  if (npu_.area.present) {
    const sim::AreaBreakdown a = sim::area_breakdown(npu_);
    j["area_mm2"] = a.total_mm2();
    j["fps_per_mm2"] = a.total_mm2() > 0 ? fps / a.total_mm2() : 0;
    j["area"] = {{"process_nm", npu_.area.process_nm}, {"pe_um2", a.pe_um2},     {"array_mm2", a.array_mm2},
                 {"sram_mm2", a.sram_mm2},             {"dram_phy_mm2", a.dram_phy_mm2}, {"fixed_mm2", a.fixed_mm2}};
  } else {
    j["area_mm2"] = nullptr;
    j["fps_per_mm2"] = nullptr;
    j["area"] = nullptr;
  }
  j["total_macs"] = run.total_macs;
  j["npu"] = npu_.name;
  j["dtype"] = sim_dtype_name(opts_.dtype);
  j["strategy"] = sched::strategy_name(opts_.strategy);
  j["power_cap_w"] = opts_.power_cap_w;
  // Phases in order of first appearance (the pipeline's order).
  nlohmann::json phases = nlohmann::json::array();
  std::map<std::string, size_t> phase_index;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < rows_.size(); ++i) {
    const AccountedLayer& r = rows_[i];
    const sim::LayerResult& lr = run.layers[i];
    auto [it, fresh] = phase_index.try_emplace(r.phase, phases.size());
    if (fresh)
      phases.push_back({{"name", r.phase}, {"latency_s", 0.0}, {"energy_j", 0.0}, {"macs", 0.0}, {"layers", 0}});
    nlohmann::json& ph = phases[it->second];
    ph["latency_s"] = ph["latency_s"].get<double>() + lr.latency_s;
    ph["energy_j"] = ph["energy_j"].get<double>() + lr.energy.total_j();
    ph["macs"] = ph["macs"].get<double>() + r.cost.macs * double(r.repeats);
    ph["layers"] = ph["layers"].get<int>() + 1;
    if (!include_layers) continue;
    const double per = 1.0 / double(r.repeats);
    rows.push_back({{"name", r.name},
                    {"op", r.op},
                    {"phase", r.phase},
                    {"repeats", r.repeats},
                    {"dtype", sim_dtype_name(opts_.dtype)},
                    {"strategy", r.strategy},
                    {"tile", r.tile},
                    {"loop_order", r.loop_order},
                    {"dram_bytes_read", r.cost.dram.bytes_read},
                    {"dram_bytes_written", r.cost.dram.bytes_written},
                    {"dram_accesses", r.cost.dram.accesses},
                    {"row_hits", r.cost.dram.row_hits},
                    {"cycles", r.cost.cycles},
                    {"freq_mhz", lr.freq_mhz},
                    {"energy_j", lr.energy.total_j() * per}});
  }
  j["phases"] = phases;
  if (include_layers) j["layers"] = rows;
  return j;
}

}  // namespace zoomrt
