// The zoom run's options for `zoomrt sim` and `zoomrt tiling compare`. See run_options.h.
#include "tools/zoomrt/run_options.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "runtime/model/model.h"
#include "tools/zoomrt/enum_option.h"
#include "runtime/zoom/zoom_geometry.h"
#include "scheduler/topology.h"
#include "base/error.h"

namespace zoomrt::cli {

namespace {

int frames_between_of(const RunOptions& o) { return o.keyframe_every > 0 ? o.keyframe_every - 1 : o.frames_between; }

// The frames of the run: --prompts P distinct prompts over the inpainted keyframes in P runs of
// consecutive keyframes (only the count matters: the text encoder runs once per prompt).
std::vector<FrameWork> run_frames(const RunOptions& o) {
  const int first = o.start_image ? 1 : 0, inpainted = std::max(1, o.keyframes - first);
  return zoom_frames(o.keyframes, frames_between_of(o), o.start_image,
                     [&](int k) { return std::to_string(int64_t(k - first) * o.prompts / inpainted); });
}

}  // namespace

bool is_topology(const std::string& model) {
  if (model.size() > 4 && model.compare(model.size() - 4, 4, ".csv") == 0) return true;
  for (const auto& n : sched::builtin_topology_names())
    if (model == n) return true;
  return false;
}

void add_run_options(CLI::App& app, RunOptions& o) {
  app.add_option("--size", o.size, "frame height and width in pixels")->capture_default_str();
  app.add_option("--width", o.width, "frame width (default --size)");
  app.add_option("--height", o.height, "frame height (default --size)");
  app.add_option("--steps", o.steps, "denoising steps per keyframe (UNet calls: the scheduler's, PNDM steps + 1)")
      ->capture_default_str();
  add_enum_name_option(app, "--scheduler", o.scheduler, kNoiseSchedulers,
                       "noise scheduler (default: the model's scheduler config)");
  app.add_option("--keyframes", o.keyframes, "keyframes including the first frame")->capture_default_str();
  auto* between = app.add_option("--frames-between", o.frames_between, "interpolated frames between keyframes")
                      ->capture_default_str();
  app.add_option("--keyframe-every", o.keyframe_every, "N: --frames-between N-1 (one frame in N is a keyframe)")
      ->excludes(between);
  auto* zoom = app.add_option("--zoom", o.zoom, "zoom factor per keyframe")->capture_default_str();
  app.add_option("--border", o.border, "border px per keyframe on the shorter side (instead of --zoom)")
      ->excludes(zoom);
  app.add_option("--prompts", o.prompts, "distinct prompts (the text encoder runs once per prompt)")
      ->capture_default_str();
  app.add_flag("--start-image", o.start_image, "keyframe 0 is a start image (zoom --image): not inpainted");
}

void validate_run_options(const RunOptions& o) {
  if (o.steps < 1 || o.steps > 1000) fail_input("--steps: {} must be between 1 and 1000", o.steps);
  if (o.keyframe_every != -1 && (o.keyframe_every < 1 || o.keyframe_every > 1000))
    fail_input("--keyframe-every: {} must be between 1 and 1000", o.keyframe_every);
  if (o.keyframes < 1 || o.keyframes > 100000) fail_input("--keyframes: {} must be in 1..100000", o.keyframes);
  const int between = frames_between_of(o);
  if (between >= 0 && int64_t(o.keyframes - 1) * (between + 1) + 1 > 999999)
    fail_input(
        "--keyframes/--frames-between: {} keyframes with {} frames between make more than the 999999 frames "
        "a zoom run writes",
        o.keyframes, between);
  const int inpainted = o.keyframes - (o.start_image ? 1 : 0);
  if (o.prompts < 1 || (inpainted > 0 && o.prompts > inpainted))
    fail_input("--prompts: {} must be in 1..{} (at most one new prompt per inpainted keyframe)", o.prompts,
               std::max(1, inpainted));
}

ZoomWorkload run_workload(const RunOptions& o, int activation_bits) {
  const ModelConfigs m = load_model_configs(o.model);
  const int f = m.vae.downscale() * (1 << (m.unet.block_out_channels.size() - 1));
  const int width = o.width > 0 ? o.width : o.size, height = o.height > 0 ? o.height : o.size;
  const char* wname = o.width > 0 ? "--width" : "--size";
  const char* hname = o.height > 0 ? "--height" : "--size";
  if (width < f || width > 8192 || width % f)
    fail_input("{}: {} must be a multiple of {} between {} and 8192", wname, width, f, f);
  if (height < f || height > 8192 || height % f)
    fail_input("{}: {} must be a multiple of {} between {} and 8192", hname, height, f, f);
  const ZoomGeometry g = make_zoom_geometry(width, height, o.zoom, o.border, frames_between_of(o), 8);
  return zoom_workload({o.model, o.scheduler, o.steps}, g, run_frames(o), activation_bits);
}

}  // namespace zoomrt::cli
