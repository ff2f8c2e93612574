// Data and drawing of `zoomrt sim`'s charts (see sim_plot.h).
#include "tools/zoomrt/sim_plot.h"

#include <map>

#include "tools/zoomrt/plot.h"

namespace zoomrt::cli {

void add_sim_plot_options(CLI::App& sub, SimPlotOptions& o) {
  sub.add_option("--plot", o.energy_png,
                 "also draw the energy per phase and component (MAC, SRAM, DRAM, static) as a PNG "
                 "(matplotlib; its data: F.json)");
  sub.add_option("--plot-timeline", o.timeline_png,
                 "also draw NPU clock and power per layer over time, with the power cap (PNG, matplotlib; "
                 "its data: F.json)");
}

nlohmann::json phase_energy_json(const NpuAccountant& acc, const sim::RunResult& run) {
  nlohmann::json phases = nlohmann::json::array();
  std::map<std::string, size_t> index;
  const auto& rows = acc.layers();
  for (size_t i = 0; i < rows.size() && i < run.layers.size(); ++i) {
    auto [it, fresh] = index.try_emplace(rows[i].phase, phases.size());
    if (fresh) phases.push_back({{"name", rows[i].phase}, {"mac", 0.0}, {"sram", 0.0}, {"dram", 0.0}, {"static", 0.0}});
    nlohmann::json& p = phases[it->second];
    const sim::EnergyBreakdown& e = run.layers[i].energy;
    p["mac"] = p["mac"].get<double>() + e.mac_j;
    p["sram"] = p["sram"].get<double>() + e.sram_j;
    p["dram"] = p["dram"].get<double>() + e.dram_j;
    p["static"] = p["static"].get<double>() + e.static_j;
  }
  return phases;
}

nlohmann::json timeline_json(const NpuAccountant& acc, const sim::RunResult& run) {
  nlohmann::json name = nlohmann::json::array(), phase = nlohmann::json::array(),
                 start = nlohmann::json::array(), latency = nlohmann::json::array(),
                 freq = nlohmann::json::array(), power = nlohmann::json::array(), repeats = nlohmann::json::array();
  const auto& rows = acc.layers();
  double t = 0;
  for (size_t i = 0; i < rows.size() && i < run.layers.size(); ++i) {
    const double once = run.layers[i].latency_s / double(rows[i].repeats > 0 ? rows[i].repeats : 1);
    name.push_back(rows[i].name);
    phase.push_back(rows[i].phase);
    start.push_back(t);
    latency.push_back(once);
    freq.push_back(run.layers[i].freq_mhz);
    power.push_back(run.layers[i].power_w);
    repeats.push_back(rows[i].repeats);
    t += once;
  }
  return {{"name", name},         {"phase", phase},     {"repeats", repeats}, {"start_s", start},
          {"latency_s", latency}, {"freq_mhz", freq}, {"power_w", power}};
}

void draw_sim_plots(const SimPlotOptions& o, const NpuAccountant& acc, const nlohmann::json& summary) {
  if (o.energy_png.empty() && o.timeline_png.empty()) return;
  const sim::RunResult run = acc.run();
  nlohmann::json base = summary;
  base.erase("layers");
  if (!o.energy_png.empty()) {
    nlohmann::json j = base;
    j["phase_energy_j"] = phase_energy_json(acc, run);
    draw_chart_from("--plot", "energy", j, o.energy_png);
  }
  if (!o.timeline_png.empty()) {
    nlohmann::json j = base;
    j["timeline"] = timeline_json(acc, run);
    draw_chart_from("--plot-timeline", "dfs", j, o.timeline_png);
  }
}

}  // namespace zoomrt::cli
