// The zoom driver: keyframes from an Inpainter, interpolated frames between them, and the
// outputs in one directory:
//   OUT/frames/000000.png ...   every frame, 8-bit RGB (zoom-in: numbered in reverse)
//   OUT/keyframes/000000.png    each finished keyframe, losslessly (what --resume restarts from)
//   OUT/state.json              the run's fingerprint and progress; written after each keyframe
//   OUT/stats.json              per-frame and total times and, unless opts.sim is off, the
//                               simulated NPU's figures (runtime/zoom/stats_json.h, zoom_sim.h)
//   OUT/zoom.mp4                when the ffmpeg program is on PATH
// Every file is written atomically. Keyframe k is inpainted with seed + k and every keyframe
// is quantised to 8 bits before it is reused, so a resumed run (which reads keyframes back
// from PNG) produces byte-identical frames to an uninterrupted one. Geometry: zoom_geometry.h.
#pragma once
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/media/image_io.h"
#include "runtime/diffusion/inpainter.h"
#include "runtime/zoom/prompt_schedule.h"
#include "runtime/zoom/stats_json.h"
#include "runtime/zoom/zoom_geometry.h"
#include "runtime/npu/zoom_sim.h"

namespace zoomrt {

// What the Stable Diffusion side needs; the zoom driver only echoes it into state.json and
// stats.json (a resume must use the same model settings). Filled by `zoomrt zoom`.
struct ZoomModelOptions {
  std::string model_dir;   // "" = the embedded tiny model
  int steps = 25;
  double guidance = 7.5;
  std::string scheduler;   // "" = the model's scheduler_config.json
  std::string dtype = "f32";  // --dtype as given: echoed in state.json and stats.json
  Precision precision;        // --dtype parsed once (precision_from_name(dtype), by the CLI)
  int threads = 0;         // 0 = all cores; never changes the frames
  std::string memory_budget;  // "" = physical memory (runtime/exec/memory_budget.h)
  int cache_interval = 1;     // step caching (runtime/diffusion/step_cache.h), 1..steps; 1 = none
};

struct ZoomOptions {
  int width = 512, height = 512;  // multiples of 8
  int keyframes = 8;              // including the first frame; >= 1
  int frames_between = 4;         // N: only 1 frame in N+1 is inpainted
  double zoom_factor = 2.0;       // per keyframe; ignored when border_px > 0
  int border_px = 0;              // border of the shorter side per keyframe (128 at 512 = 2x)
  double feather_px = 8;          // seam ramp inside the kept centre, frame pixels
  double fps = 30;
  PromptSchedule prompts;
  std::string negative_prompt;
  uint64_t seed = 0;
  bool zoom_in = false;           // output the reversed sequence
  std::string input_image;        // "" = first frame from the prompt, everything masked
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  std::string out_dir;
  bool resume = false;
  bool quiet = false;
  bool video = true;              // try ffmpeg
  ZoomModelOptions model;
  ZoomSimOptions sim;             // NPU accounting of every frame; off by default (tests' fakes)
};

struct ZoomResult {
  int frames = 0;            // frames in OUT/frames
  int keyframes_made = 0;    // inpainted by this call (not counting resumed ones)
  bool video_written = false;
  std::string video_message;
  nlohmann::json sim_summary;  // stats.json summary.sim; null when opts.sim is off
  std::shared_ptr<const ZoomSimRun> npu_run;  // the accounting behind it (--trace); null when off
};

// What state.json holds: enough to check a resume uses the same settings and to restart
// after the last finished keyframe. records are in zoom-out order (sequence positions).
struct ZoomRunState {
  nlohmann::json fingerprint;
  int keyframes_done = 0;
  std::vector<std::string> prompts;  // prompt used by each finished keyframe
  std::vector<FrameRecord> records;
};

// What the checks found, each read or computed once and used by run_zoom: the geometry, the
// fingerprint of the pixel settings (hashes of the start image and model), the decoded start
// image, and on --resume the run state read from state.json.
struct ZoomPlan {
  ZoomGeometry geometry;
  nlohmann::json fingerprint;
  Image start;                           // empty when there is no --image
  std::optional<ZoomRunState> resumed;   // state.json of the run --resume continues
};

// Checks everything that can be checked before any work: sizes, counts, ranges, the prompt
// schedule, the start image, and that out_dir can be created and written (a probe file is
// written and removed). Also refuses an out_dir holding a previous run unless resume is set,
// and a resume whose state.json is unreadable or was made with other pixel settings.
// InputError with one line naming the option or file.
ZoomPlan validate_zoom_options(const ZoomOptions& opts);

// opts.sim with its dtype resolved: "" follows the CPU --dtype (sim_dtype_for_cpu_dtype).
ZoomSimOptions sim_options_of(const ZoomOptions& opts);

// What each output frame (zoom-out order) executes, for the NPU accounting: keyframe 0 from the
// start image or inpainted, the text encoder at the first keyframe of each prompt (the
// pipeline caches embeddings), the interpolated frames' index j. Depends on the options only,
// so a resumed run accounts exactly what an uninterrupted run does.
std::vector<FrameWork> zoom_frame_work(const ZoomOptions& opts, const ZoomGeometry& g);

// Runs (or resumes) a zoom checked by validate_zoom_options (`plan`); the caller holds the
// lock on out_dir (lock_out_dir) from before the checks. `log` receives progress and messages
// (nullptr = stderr). Exceptions from the Inpainter propagate; everything finished before
// stays on disk and --resume continues from the last finished keyframe.
ZoomResult run_zoom(const ZoomOptions& opts, ZoomPlan plan, Inpainter& inpainter, std::FILE* log = nullptr);
// The same, locking out_dir and running the checks first.
ZoomResult run_zoom(const ZoomOptions& opts, Inpainter& inpainter, std::FILE* log = nullptr);

// The options as JSON (for stats.json): the plan's fingerprint and the settings that may change.
nlohmann::json zoom_options_json(const ZoomOptions& opts, const ZoomPlan& plan);

// Output frame file name for sequence position `pos` of `total` ("000012.png").
std::string frame_file_name(int pos, int total, bool zoom_in);

}  // namespace zoomrt
