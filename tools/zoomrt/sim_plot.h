// `zoomrt sim --plot` and `--plot-timeline` (tools/plot/sim_energy_chart.py, sim_timeline_chart.py):
// the data of each chart is the sim JSON summary (without per-layer rows) plus one opt-in key,
// written beside the PNG (plot.h). The summary printed by `sim` itself does not change.
#pragma once
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "runtime/npu/accounting.h"

namespace zoomrt::cli {

struct SimPlotOptions {
  std::string energy_png, timeline_png;  // empty: not drawn
};

void add_sim_plot_options(CLI::App& sub, SimPlotOptions& o);

// phase_energy_j: [{name, mac, sram, dram, static}] in J, the run's phases in order of first
// appearance, each layer's energy under the power policy (all its repeats).
nlohmann::json phase_energy_json(const NpuAccountant& acc, const sim::RunResult& run);
// timeline: columns {name, phase, repeats, start_s, latency_s, freq_mhz, power_w}, one entry per
// accounted layer in run order, each executed once (latency_s: of one execution, so latency_s x
// repeats summed over the layers is the run's sim_latency_s), start_s the sum of the ones before.
nlohmann::json timeline_json(const NpuAccountant& acc, const sim::RunResult& run);

// Draws the requested charts from `summary` (acc.summary()). Errors as plot.h.
void draw_sim_plots(const SimPlotOptions& o, const NpuAccountant& acc, const nlohmann::json& summary);

}  // namespace zoomrt::cli
