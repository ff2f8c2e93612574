// NPU figures for a zoom run: what every frame `zoomrt zoom` writes would cost on a simulated
// NPU (runtime/npu_accounting.h), as the per-frame "sim" objects and the summary "sim" object
// of stats.json (runtime/stats_json.h). Needs the model's configs only, never its weights, so
// a resumed run recomputes the figures of every frame, resumed ones included.
//
// What a frame executes (FrameWork, one per output frame in zoom-out order):
//   inpainted keyframe: VAE encoder + unet_calls x (UNet at batch 2 + guidance + scheduler
//                       step) + VAE decoder, plus the text encoder (batch 2) when it is the
//                       first keyframe of its prompt (the pipeline caches the embeddings);
//   start keyframe:     the start image resampled to the frame (costed as a frame-size resize);
//   interpolated frame j: the crop of the outer keyframe resampled to the frame and the inner
//                       keyframe box-filtered into the centre with the feathered paste.
// Each component graph is accounted once for the whole run (repeats = how often the run
// executes it), so the power policy sees the run's real mix, and a frame's figures are its
// share: latency and energy of a row divided by the row's units (e.g. inpainted keyframes).
// Sums over frames equal the summary's totals (DRAM counts exactly, times and energies to
// rounding). Units: seconds, joules, watts, bytes; DRAM accesses are bursts.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/zoom_geometry.h"

namespace zoomrt {

// `zoomrt zoom --npu/--sim-dtype/--strategy/--power-policy/--power-cap/--battery-mwh/--no-sim`.
struct ZoomSimOptions {
  bool enabled = false;           // the CLI turns it on unless --no-sim
  std::string npu = "phone-npu";  // preset name, JSON file or SCALE-Sim .cfg
  std::string dtype = "int8";     // f16 | int8 | int4 (runtime/npu_accounting.h SimDtype)
  std::string strategy = "adaptive";
  std::string power_policy = "fixed";
  double power_cap_w = 0;  // required (> 0) by dvfs and dfs-layer
  double battery_mwh = 0;  // > 0: summary gains battery_hours
};

// Checks names, ranges and the NPU description (loads it). InputError naming the option.
void validate_zoom_sim_options(const ZoomSimOptions& o);

struct FrameWork {
  enum class Kind { inpainted_keyframe, start_keyframe, interpolated };
  Kind kind = Kind::interpolated;
  bool encodes_prompt = false;  // inpainted keyframe whose prompt had not been encoded yet
  int between_index = 0;        // interpolated: j in 0 .. frames_between - 1
};

// What the zoom's model runs: the component configs and the UNet calls per keyframe.
struct ZoomSimModel {
  std::string model_dir;  // "" = the embedded tiny model
  std::string scheduler;  // "" = the model's scheduler_config.json
  int steps = 25;         // the scheduler's UNet calls follow from it (PNDM: steps + 1)
};

struct ZoomSimReport {
  std::vector<nlohmann::json> frames;  // per FrameWork, the stats.json per-frame "sim" object
  nlohmann::json summary;              // NpuAccountant::summary + "layers" (+ battery_hours)
  int unet_calls_per_keyframe = 0;
};

// Accounts the run described by `frames` (zoom-out order) on the NPU of `o`. InputError on a
// bad option, NPU description or model config, or a layer no tiling fits.
ZoomSimReport simulate_zoom(const ZoomSimOptions& o, const ZoomSimModel& model,
                            const ZoomGeometry& g, const std::vector<FrameWork>& frames);

// The interpolated frame j's vector-unit work (resample + paste) at 8-bit RGB; exposed for tests.
struct InterpolationWork {
  int64_t resample_elements = 0, paste_elements = 0;
  uint64_t resample_read_bytes = 0, paste_read_bytes = 0, frame_bytes = 0;
};
InterpolationWork interpolation_work(const ZoomGeometry& g, int j);

}  // namespace zoomrt
