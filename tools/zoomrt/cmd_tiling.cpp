// zoomrt tiling compare: the same work under several tiling strategies on one NPU, side by side.
// A SCALE-Sim topology (scheduler/compare.h): per-layer and total DRAM bytes, accesses, row-hit
// rate, energy, latency. A model (anything `zoomrt sim --model` takes that is not a topology): the
// zoom run `zoomrt sim` accounts for the same options, once per strategy (runtime/npu/workload_compare.h):
// per-layer rows, per-phase and run totals. Output: a table (default) or JSON (--json) on stdout;
// --csv writes a file atomically; --plot (topologies only) a chart (tools/zoomrt/plot.h). docs/tiling.md.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "runtime/npu/accounting.h"
#include "runtime/zoom/progress.h"
#include "runtime/npu/workload_compare.h"
#include "runtime/npu/workload_compare_report.h"
#include "scheduler/compare_report.h"
#include "scheduler/objective.h"
#include "scheduler/topology.h"
#include "tools/zoomrt/commands.h"
#include "tools/zoomrt/enum_option.h"
#include "tools/zoomrt/run_options.h"
#include "tools/zoomrt/plot.h"
#include "base/atomic_file.h"
#include "base/error.h"

namespace zoomrt::cli {
namespace {

struct TilingCompareOptions {
  RunOptions run;  // the model and, for a model, the zoom run (run_options.h, as `zoomrt sim`)
  std::string npu = "phone-npu", strategies, dtype = "int8", csv, plot, layers = "10";
  sched::Objective objective = sched::Objective::energy;  // parsed when read (sched::kObjectives)
  uint64_t max_ranges = AccountingOptions{}.max_ranges_per_layer;
  bool json = false, quiet = false;
};

std::string all_strategy_names() {
  std::string s;
  for (sched::Strategy st : sched::all_strategies()) s += (s.empty() ? "" : ",") + std::string(sched::strategy_name(st));
  return s;
}

void write_file(const std::string& path, const void* data, size_t bytes) {
  AtomicFile f(path);
  f.write(data, bytes);
  f.commit();
}

// --dtype: the names of the simulated formats (runtime/npu/accounting.h SimDtype) with plain
// weights: f16, int8, int4 (W4A8, 4.5 bits per weight with its scales).
sim::MacDtype compare_dtype(const std::string& name) {
  if (name == "fp16") fail_input("--dtype: 'fp16' is spelled f16 in zoomrt (valid: f16 | int8 | int4)");
  for (SimDtype d : {SimDtype::f16, SimDtype::int8, SimDtype::int4})
    if (name == sim_dtype_name(d)) return sim_mac_dtype(d);
  fail_input("--dtype: '{}' is not one of f16 | int8 | int4", name);
}

// --layers: "all" (-1) or a count of matrix layers for the table.
int table_layers(const std::string& v) {
  if (v == "all") return -1;
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
    fail_input("--layers: '{}' is not a count of layers or 'all'", v);
  return std::stoi(v);
}

void write_text(const std::string& path, const std::string& text) { write_file(path, text.data(), text.size()); }

// A model: the zoom run of `zoomrt sim` with the same options, once per strategy.
void run_model_compare(const TilingCompareOptions& o) {
  AccountingOptions ao;
  if (o.dtype == "fp16") fail_input("--dtype: 'fp16' is spelled f16 in zoomrt");  // one spelling everywhere
  ao.dtype = kSimDtypes.parse(o.dtype, "--dtype");
  ao.objective = o.objective;
  ao.max_ranges_per_layer = o.max_ranges;
  const std::string names = o.strategies.empty() ? all_strategy_names() : o.strategies;
  const auto strategies = named_option("--strategies", [&] { return sched::parse_strategy_list(names); });
  validate_run_options(o.run);  // once: run_workload takes the run as checked here
  const int top_layers = table_layers(o.layers);
  if (!o.plot.empty())
    fail_input("--plot: the chart is drawn for topologies only; for a model, --csv has the per-phase rows");
  const sim::NpuConfig npu = sim::load_npu(o.npu);
  const ZoomWorkload w = run_workload(o.run, sim_operand_bits(ao.dtype).input);
  Progress progress(int(strategies.size()), o.quiet);
  const std::vector<NpuAccountant> runs =
      compare_workload_strategies(npu, ao, w, strategies, [&](size_t i, sched::Strategy s, double wall_s) {
        progress.update(int(i) + 1, fmt::format("tiling compare: strategy {} ({:.1f} s)", sched::strategy_name(s),
                                                wall_s));
      });
  progress.finish();
  nlohmann::json j = workload_compare_json(runs);
  j["model"] = o.run.model;
  j["unet_calls_per_keyframe"] = w.unet_calls_per_keyframe;
  if (!o.csv.empty()) write_text(o.csv, workload_compare_csv(j));
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("tiling compare: model %s, dtype %s, objective %s, %d UNet calls per inpainted keyframe\n%s",
              o.run.model.c_str(), o.dtype.c_str(), sched::objective_name(ao.objective), w.unet_calls_per_keyframe,
              workload_compare_table(j, top_layers).c_str());
  if (!o.csv.empty()) std::printf("csv %s: one row per layer, phase and total, per strategy\n", o.csv.c_str());
}

void run_compare(const TilingCompareOptions& o) {
  if (!is_topology(o.run.model)) return run_model_compare(o);
  const sim::MacDtype dtype = compare_dtype(o.dtype);
  const sched::Objective objective = o.objective;
  const sim::NpuConfig npu = sim::load_npu(o.npu);
  const auto layers = sched::load_topology(o.run.model, sched::operand_bits_for(dtype));
  const auto strategies = sched::parse_strategy_list(o.strategies.empty() ? all_strategy_names() : o.strategies);
  const sched::CompareResult r = sched::compare_strategies(layers, strategies, npu, dtype, objective);
  if (!o.csv.empty()) {
    const std::string csv = sched::compare_csv(r);
    write_file(o.csv, csv.data(), csv.size());
  }
  nlohmann::json j = sched::compare_json(r);
  j["model"] = o.run.model;
  j["dtype"] = o.dtype;
  j["objective"] = sched::objective_name(objective);
  if (!o.plot.empty()) draw_chart_from("--plot", "tiling", j, o.plot);  // tools/plot/tiling_chart.py
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("tiling compare: model %s, dtype %s, objective %s\n%s", o.run.model.c_str(), o.dtype.c_str(),
              sched::objective_name(objective), sched::compare_table(r).c_str());
  if (!o.plot.empty())
    std::printf("plot %s: DRAM energy per layer and strategy, from %s\n", o.plot.c_str(),
                chart_data_path(o.plot).c_str());
}

}  // namespace

void setup_tiling(CLI::App& sub) {
  sub.require_subcommand(1);
  auto opts = std::make_shared<TilingCompareOptions>();
  CLI::App* cmp = sub.add_subcommand("compare",
                                     "a topology's layers or a model's zoom run (as `zoomrt sim`) under several "
                                     "tiling strategies, side by side");
  std::string model_help =
      "sd2-inpainting | sd15-inpainting | tiny | diffusers DIR (the zoom run of `zoomrt sim`) | SCALE-Sim topology CSV "
      "(conv or GEMM format) | shipped topology:";
  for (const auto& n : sched::builtin_topology_names()) model_help += " " + n;
  cmp->add_option("--model", opts->run.model, model_help)->required();
  cmp->add_option("--npu", opts->npu, "NPU preset name, JSON description or SCALE-Sim .cfg")
      ->capture_default_str();
  cmp->add_option("--strategies", opts->strategies,
                  "comma-separated strategies (default: all): " + all_strategy_names());
  cmp->add_option("--dtype", opts->dtype,
                  "topology: f16 | int8 | int4 (W4A8, weights 4.5 bits with scales); model: any of `zoomrt sim`'s")
      ->capture_default_str();
  add_enum_option(*cmp, "--objective", opts->objective, sched::kObjectives, "what the tiling search minimises");
  // A model's run, as `zoomrt sim` and `zoomrt zoom` take it (ignored for a topology).
  add_run_options(*cmp, opts->run);
  cmp->add_option("--dram-ranges", opts->max_ranges,
                  "model: address ranges fed to the DRAM model per layer before extrapolating (0: all)")
      ->capture_default_str();
  cmp->add_option("--layers", opts->layers,
                  "model: matrix layers in the table, the N with the most energy, or all (JSON and CSV have every row)")
      ->capture_default_str();
  cmp->add_flag("--quiet", opts->quiet, "model: no per-strategy progress on stderr");
  cmp->add_flag("--json", opts->json, "print JSON instead of the table");
  cmp->add_option("--csv", opts->csv, "also write one CSV row per layer and strategy (model: and per phase, total)");
  cmp->add_option("--plot", opts->plot, "topology: also draw DRAM energy per layer and strategy (PNG, matplotlib; its data: F.json)");
  cmp->callback([opts] { run_compare(*opts); });
}

}  // namespace zoomrt::cli
