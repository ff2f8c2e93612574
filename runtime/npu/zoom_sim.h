// NPU figures for a zoom run: what every frame `zoomrt zoom` writes would cost on a simulated
// NPU (runtime/npu/accounting.h), as the per-frame "sim" objects and the summary "sim" object
// of stats.json (runtime/zoom/stats_json.h). Needs the model's configs only, never its weights, so
// a resumed run recomputes the figures of every frame, resumed ones included.
//
// What each frame executes is the shared workload of runtime/npu/workload.h (zoom_workload), the same
// description `zoomrt sim` accounts.
// Each component graph is accounted once for the whole run (repeats = how often the run
// executes it), so the power policy sees the run's real mix, and a frame's figures are its
// share: latency and energy of a row divided by the row's units (e.g. inpainted keyframes).
// Sums over frames equal the summary's totals (DRAM counts exactly, times and energies to
// rounding). Units: seconds, joules, watts, bytes; DRAM accesses are bursts.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <optional>

#include "runtime/exec/precision.h"
#include "runtime/npu/accounting.h"
#include "runtime/npu/workload.h"
#include "scheduler/objective.h"
#include "scheduler/strategy.h"
#include "sim/npu_config.h"
#include "sim/power.h"
#include "runtime/zoom/zoom_geometry.h"

namespace zoomrt {

// `zoomrt zoom --npu/--sim-dtype/--strategy/--power-policy/--power-cap/--battery-mwh/--no-sim`,
// parsed once by the CLI (names through their tables, the NPU description loaded).
struct ZoomSimOptions {
  bool enabled = false;                // the CLI turns it on unless --no-sim
  std::optional<sim::NpuConfig> npu;   // loaded --npu; none = the phone-npu preset
  std::optional<SimDtype> dtype;       // none = the counterpart of zoom --dtype (sim_options_of)
  sched::Strategy strategy = sched::Strategy::adaptive;
  sched::Objective objective = sched::Objective::energy;  // what the tiling search minimises
  sim::PowerPolicy power_policy = sim::PowerPolicy::fixed;
  double power_cap_w = 0;  // required (> 0) by dvfs and dfs-layer
  double battery_mwh = 0;  // > 0: summary gains battery_hours
};

// The simulated format (SimDtype name) that runs what the CPU weight format `cpu_dtype` (a
// runtime/exec/precision.h name, `zoomrt zoom --dtype`) runs. A mixed policy maps by its `resnet`
// class, the resnet 3x3 convs that run most of the UNet's MACs (docs/zoom.md). Per format:
// f32 -> f16 (the NPU has no f32 MACs: its widest format), f16 -> f16, int8 / int8w -> int8,
// int4-gK and int4a8-gK -> int4 (K = 32), int4-g64, int4-g128 (W4A8), paletteB[-ch] -> paletteB
// for B = 4, 6 (one codebook per layer), sparse24 -> sparse24-f16. InputError naming
// --sim-dtype for a format with no simulated counterpart (palette2, 3, 5, 7, 8).
// `cpu_dtype` names `cpu` in the error.
SimDtype sim_dtype_for_precision(const Precision& cpu, const std::string& cpu_dtype);
// The same from the name (parses it): for tests and tools holding only the name.
std::string sim_dtype_for_cpu_dtype(const std::string& cpu_dtype);

// Checks the ranges (power cap, battery). InputError naming the option.
void validate_zoom_sim_options(const ZoomSimOptions& o);

// The accounting options a zoom's NPU figures use (simulate_zoom).
AccountingOptions accounting_options_of(const ZoomSimOptions& o);

// One accounted zoom: the accountant with its rows, the workload, and where each workload group's
// rows are. stats.json's figures and the `--trace` NPU timeline (runtime/trace/zoom_npu_trace.h)
// both read this one accounting.
struct ZoomSimRun {
  ZoomSimRun(sim::NpuConfig npu, const AccountingOptions& ao) : acc(std::move(npu), ao) {}
  NpuAccountant acc;
  ZoomWorkload workload;
  std::vector<RowRange> rows;  // per workload group, its rows of acc.layers()
  sim::RunResult run;          // acc.run()
};

struct ZoomSimReport {
  std::vector<nlohmann::json> frames;  // per FrameWork, the stats.json per-frame "sim" object
  nlohmann::json summary;              // NpuAccountant::summary + "layers" (+ battery_hours)
  int unet_calls_per_keyframe = 0;
  std::shared_ptr<const ZoomSimRun> accounted;  // what the figures come from
};

// Accounts the run described by `frames` (zoom-out order) on the NPU of `o`. InputError on a
// bad option, NPU description or model config, or a layer no tiling fits.
ZoomSimReport simulate_zoom(const ZoomSimOptions& o, const ZoomSimModel& model,
                            const ZoomGeometry& g, const std::vector<FrameWork>& frames);

}  // namespace zoomrt
