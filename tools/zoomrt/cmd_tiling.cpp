// zoomrt tiling compare: one model's conv/GEMM/attention layers under several tiling strategies on
// one NPU, side by side: per-layer and total DRAM bytes, accesses, row-hit rate, energy, latency.
// Output: a table (default) or JSON (--json) on stdout; --csv and --plot write files atomically.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "runtime/npu_accounting.h"
#include "scheduler/compare_report.h"
#include "scheduler/objective.h"
#include "scheduler/topology.h"
#include "tools/zoomrt/commands.h"
#include "weights/atomic_file.h"
#include "weights/error.h"

namespace zoomrt::cli {
namespace {

struct TilingCompareOptions {
  std::string model, npu = "phone-npu", strategies, dtype = "int8", objective = "energy", csv, plot;
  bool json = false;
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

// --dtype: the names of the simulated formats (runtime/npu_accounting.h SimDtype) with plain
// weights: f16, int8, int4 (W4A8, 4.5 bits per weight with its scales).
sim::MacDtype compare_dtype(const std::string& name) {
  if (name == "fp16") fail_input("--dtype: 'fp16' is spelled f16 in zoomrt (valid: f16 | int8 | int4)");
  for (SimDtype d : {SimDtype::f16, SimDtype::int8, SimDtype::int4})
    if (name == sim_dtype_name(d)) return sim_mac_dtype(d);
  fail_input("--dtype: '{}' is not one of f16 | int8 | int4", name);
}

void run_compare(const TilingCompareOptions& o) {
  const sim::MacDtype dtype = compare_dtype(o.dtype);
  const sched::Objective objective = sched::objective_from_name(o.objective);
  const sim::NpuConfig npu = sim::load_npu(o.npu);
  const auto layers = sched::load_topology(o.model, sched::operand_bits_for(dtype));
  const auto strategies = sched::parse_strategy_list(o.strategies.empty() ? all_strategy_names() : o.strategies);
  const sched::CompareResult r = sched::compare_strategies(layers, strategies, npu, dtype, objective);
  if (!o.csv.empty()) {
    const std::string csv = sched::compare_csv(r);
    write_file(o.csv, csv.data(), csv.size());
  }
  if (!o.plot.empty()) {
    const auto png = sched::compare_chart_png(r);
    write_file(o.plot, png.data(), png.size());
  }
  if (o.json) {
    nlohmann::json j = sched::compare_json(r);
    j["model"] = o.model;
    j["dtype"] = o.dtype;
    j["objective"] = sched::objective_name(objective);
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("tiling compare: model %s, dtype %s, objective %s\n%s", o.model.c_str(), o.dtype.c_str(),
              sched::objective_name(objective), sched::compare_table(r).c_str());
  if (!o.plot.empty()) {
    std::string legend;
    const auto colours = sched::chart_colour_names();
    for (size_t s = 0; s < strategies.size(); ++s)
      legend += fmt::format("{}{}={}", s ? ", " : "", sched::strategy_name(strategies[s]),
                            colours[s % colours.size()]);
    std::printf("plot %s: DRAM energy per layer; bars: %s\n", o.plot.c_str(), legend.c_str());
  }
}

}  // namespace

void setup_tiling(CLI::App& sub) {
  sub.require_subcommand(1);
  auto opts = std::make_shared<TilingCompareOptions>();
  CLI::App* cmp = sub.add_subcommand("compare", "the same layers under several tiling strategies, side by side");
  std::string topo_help = "SCALE-Sim topology CSV (conv or GEMM format) or a shipped one:";
  for (const auto& n : sched::builtin_topology_names()) topo_help += " " + n;
  cmp->add_option("--model", opts->model, topo_help)->required();
  cmp->add_option("--npu", opts->npu, "NPU preset name, JSON description or SCALE-Sim .cfg")
      ->capture_default_str();
  cmp->add_option("--strategies", opts->strategies,
                  "comma-separated strategies (default: all): " + all_strategy_names());
  cmp->add_option("--dtype", opts->dtype, "f16 | int8 | int4 (W4A8, weights 4.5 bits with scales)")
      ->capture_default_str();
  cmp->add_option("--objective", opts->objective, "what the tiling search minimises: " + sched::objective_names())
      ->capture_default_str();
  cmp->add_flag("--json", opts->json, "print JSON instead of the table");
  cmp->add_option("--csv", opts->csv, "also write one CSV row per layer and strategy");
  cmp->add_option("--plot", opts->plot, "also write a grouped bar chart of DRAM energy (PNG)");
  cmp->callback([opts] { run_compare(*opts); });
}

}  // namespace zoomrt::cli
