// What a zoom run computes, described once: `zoomrt zoom` (runtime/npu/zoom_sim.h) and `zoomrt sim`
// (tools/zoomrt/cmd_sim.cpp) both build their NPU accounting from zoom_workload, so the same run
// options give the same figures (tests/cli_workload_test.cpp checks that, exactly).
//
// What each output frame executes (FrameWork, one per frame in zoom-out order):
//   inpainted keyframe:  VAE encoder + unet_calls x (UNet at batch 2 + guidance + scheduler step)
//                        + VAE decoder, plus the text encoder (batch 2) when it is the first
//                        keyframe of its prompt (the pipeline caches the embeddings);
//   start keyframe:      the start image resampled to the frame (a frame-size resize);
//   interpolated frame j: the crop of the outer keyframe resampled to the frame and the inner
//                        keyframe box-filtered into the centre with the feathered paste
//                        (interpolation_work: the geometry of runtime/zoom/zoom_geometry.h).
// unet_calls is the length of the noise scheduler's timesteps for `steps`, as the pipeline
// builds them (PNDM with skip_prk_steps: steps + 1).
//
// The workload is a list of items (a component graph or a vector-unit op, its phase and its
// repeats over the whole run) in groups; a group's items run `units` times in the run (e.g. once
// per inpainted keyframe) and every frame that uses the group is charged 1/units of them.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "runtime/npu/accounting.h"
#include "runtime/zoom/zoom_geometry.h"

namespace zoomrt {

struct FrameWork {
  enum class Kind { inpainted_keyframe, start_keyframe, interpolated };
  Kind kind = Kind::interpolated;
  bool encodes_prompt = false;  // inpainted keyframe whose prompt had not been encoded yet
  int between_index = 0;        // interpolated: j in 0 .. frames_between - 1
};

// The frames of a zoom of `keyframes` keyframes (zoom-out order): keyframe 0 from the start
// image when `start_image`, else inpainted; `frames_between` interpolated frames before each
// later keyframe; prompt_of(k) names keyframe k's prompt (the text encoder runs on the first
// inpainted keyframe of each distinct name).
template <class PromptOf>
std::vector<FrameWork> zoom_frames(int keyframes, int frames_between, bool start_image, PromptOf prompt_of);

// What the zoom's model runs: the component configs and the UNet calls per keyframe.
struct ZoomSimModel {
  std::string model_dir;  // "" = the embedded tiny model; also a built-in name (graph/model_zoo.h)
  std::string scheduler;  // "" = the model's scheduler_config.json
  int steps = 25;         // the scheduler's UNet calls follow from it (PNDM: steps + 1)
};

// The UNet calls per keyframe of `model` (InputError on a bad scheduler config or name).
int unet_calls_per_keyframe(const ZoomSimModel& model);

struct WorkItem {
  std::string phase;
  std::shared_ptr<const Graph> graph;  // a component graph; null: `vector` is the work
  VectorWork vector;
  int64_t repeats = 1;  // executions in the whole run
  bool traced = false;  // what `zoomrt sim --dram-trace` records: one UNet call and its glue
};

struct WorkGroup {
  size_t first_item = 0, end_item = 0;  // items [first_item, end_item)
  int64_t units = 0;                    // how often the run executes the group
};

struct ZoomWorkload {
  std::vector<WorkItem> items;  // in pipeline order (the order of `phases` in the summary)
  std::vector<WorkGroup> groups;
  std::vector<std::vector<size_t>> frame_groups;  // per output frame: the groups it uses
  int unet_calls_per_keyframe = 0;                // 0 when nothing is inpainted
};

// The run of `frames` at geometry `g`; `activation_bits` sizes the guidance / scheduler-step
// glue (sim_operand_bits(dtype).input). Needs the model only when a keyframe is inpainted.
ZoomWorkload zoom_workload(const ZoomSimModel& model, const ZoomGeometry& g,
                           const std::vector<FrameWork>& frames, int activation_bits);

// Accounts every item on `acc` (distinct layers planned ahead) and returns each group's rows
// [first, end) in acc.layers(). With `trace`, the items marked `traced` write DRAMsim3 lines
// (NpuAccountant::set_dram_trace, up to `trace_lines`). Sets acc's frame count.
struct RowRange {
  size_t first = 0, end = 0;
};
std::vector<RowRange> account_workload(NpuAccountant& acc, const ZoomWorkload& w,
                                       std::ostream* trace = nullptr, uint64_t trace_lines = 0);

// The interpolated frame j's vector-unit work (resample + paste) at 8-bit RGB; exposed for tests.
struct InterpolationWork {
  int64_t resample_elements = 0, paste_elements = 0;
  uint64_t resample_read_bytes = 0, paste_read_bytes = 0, frame_bytes = 0;
};
InterpolationWork interpolation_work(const ZoomGeometry& g, int j);

template <class PromptOf>
std::vector<FrameWork> zoom_frames(int keyframes, int frames_between, bool start_image, PromptOf prompt_of) {
  std::vector<FrameWork> work;
  std::set<std::string> encoded;
  for (int k = 0; k < keyframes; ++k) {
    for (int j = 0; k > 0 && j < frames_between; ++j) work.push_back({FrameWork::Kind::interpolated, false, j});
    if (k == 0 && start_image) {
      work.push_back({FrameWork::Kind::start_keyframe, false, 0});
      continue;
    }
    work.push_back({FrameWork::Kind::inpainted_keyframe, encoded.insert(std::string(prompt_of(k))).second, 0});
  }
  return work;
}

}  // namespace zoomrt
