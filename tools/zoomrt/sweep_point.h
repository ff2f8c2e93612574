// One sweep point simulated as `zoomrt sim` would simulate it (tools/zoomrt/cmd_sim.cpp): the
// run options of a point's configuration ("run" object of sweep/points.h) mapped onto RunOptions
// and AccountingOptions, the workload built once per distinct run and shared by every point
// (and thread) that needs it, and the figures = the sim's JSON summary without per-layer rows.
// Thread-safe: the plan caches are process-wide (scheduler/plan.cpp), so points whose NPU and
// options give the same CostContext key reuse every tiling search and DRAM replay.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/npu/accounting.h"
#include "runtime/npu/workload.h"
#include "tools/zoomrt/run_options.h"

namespace zoomrt::cli {

// Every run option a space may set ("run.<key>"), with `zoomrt sim`'s defaults.
nlohmann::json sweep_run_defaults();

struct PointRun {
  RunOptions run;
  AccountingOptions accounting;
};
// Checks the options as `zoomrt sim` does (names, bounds, cap rule); InputError "<origin>: ...".
PointRun point_run(const nlohmann::json& run, const std::string& origin);

class PointEvaluator {
 public:
  // Checks what the workload needs (model, frame size against it); builds and keeps it.
  void prepare(const PointRun& r, const std::string& origin);
  // The figures of configuration `config` ({"npu", "run"}); `origin` prefixes errors.
  nlohmann::json figures(const nlohmann::json& config, const std::string& origin);

 private:
  std::shared_ptr<const ZoomWorkload> workload(const PointRun& r);
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ZoomWorkload>> workloads_;
};

}  // namespace zoomrt::cli
