// zoomrt zoom: an infinite zoom video from a prompt (and optionally a start image).
// Every option is checked before any work (InputError -> exit 2); every frame is also
// accounted on a simulated NPU (--npu ..., --no-sim; runtime/npu/zoom_sim.h). The driver is
// runtime/zoom/zoom.h, the geometry runtime/zoom/zoom_geometry.h, the outputs are listed in docs/zoom.md.
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "kernels/thread_pool.h"
#include "runtime/exec/precision.h"
#include "runtime/model/embedded_model.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/npu/accounting.h"
#include "runtime/zoom/out_dir_lock.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "runtime/diffusion/sd_pipeline.h"
#include "runtime/tokenizer/tokenizer_unicode.h"
#include "runtime/zoom/zoom.h"
#include "runtime/trace/cpu_trace.h"
#include "runtime/trace/zoom_npu_trace.h"
#include "scheduler/objective.h"
#include "scheduler/strategy.h"
#include "sim/power.h"
#include "tools/zoomrt/commands.h"
#include "tools/zoomrt/enum_option.h"
#include "tools/zoomrt/run_options.h"
#include "base/atomic_file.h"
#include "base/error.h"

namespace zoomrt::cli {

namespace {

struct ZoomCliOptions {
  ZoomOptions zoom;
  std::string prompt, prompt_file;
  std::vector<std::string> prompt_at;
  bool no_video = false, no_sim = false;
  bool border_given = false;
  int64_t seed = 0;  // parsed signed so that -1 is refused, not wrapped
  std::string trace;  // --trace FILE (runtime/trace/cpu_trace.h); empty: none
  std::string npu;   // --npu as given; loaded once into zoom.sim.npu unless --no-sim
  uint64_t memory_budget = 0;  // --memory-budget parsed (0: physical memory)
};

// Largest --threads: far above any CPU we run on; the pool starts as many as the machine allows.
constexpr int kMaxThreads = 1024;

// The Stable Diffusion inpainter for the zoom's model options (the embedded tiny model when no
// --model is given).
std::unique_ptr<Inpainter> make_inpainter(const ZoomOptions& z, uint64_t memory_budget) {
  const ZoomModelOptions& m = z.model;
  SdOptions sd;
  sd.model = m.model_dir.empty() ? embedded_model_dir() : m.model_dir;
  sd.width = z.width;
  sd.height = z.height;
  sd.steps = m.steps;
  sd.guidance = float(m.guidance);
  sd.scheduler = m.scheduler;
  sd.threads = m.threads;
  sd.dtype = m.precision;
  sd.memory_budget = memory_budget;
  sd.cache_interval = m.cache_interval;
  return make_sd_inpainter(sd);
}

// The NPU that every frame is also accounted on (runtime/npu/zoom_sim.h); the names come from the
// same tables as `zoomrt sim`'s.
void add_sim_options(CLI::App& sub, ZoomCliOptions& c) {
  ZoomSimOptions& s = c.zoom.sim;
  sub.add_option("--npu", c.npu, "simulated NPU: preset name, JSON description or SCALE-Sim .cfg")
      ->default_str("phone-npu");
  add_enum_option(sub, "--sim-dtype", s.dtype, kSimDtypes,
                  "simulated weights/activations (default: the format --dtype runs, docs/zoom.md)");
  add_enum_option(sub, "--strategy", s.strategy, sched::kStrategies, "NPU tiling strategy");
  add_enum_option(sub, "--objective", s.objective, sched::kObjectives, "what the NPU tiling search minimises");
  add_enum_option(sub, "--power-policy", s.power_policy, sim::kPowerPolicies, "NPU power policy");
  sub.add_option("--power-cap", s.power_cap_w, "NPU power cap in W (required by dvfs and dfs-layer)");
  sub.add_option("--battery-mwh", s.battery_mwh, "battery capacity: stats.json gains hours of continuous zoom");
  sub.add_flag("--no-sim", c.no_sim, "no NPU accounting (stats.json \"sim\": null)");
}

// The end-of-run NPU lines: simulated speed, power efficiency and DRAM traffic of the whole zoom.
void print_sim_summary(const nlohmann::json& s) {
  const double frames = s["frames"].get<double>();
  const auto& d = s["dram"];
  fmt::print("NPU {} ({}, {}, objective {}, power {}): simulated {:.4g} FPS, {:.4g} W (NPU + DRAM), {:.4g} J per frame\n",
             s["npu"].get<std::string>(), s["dtype"].get<std::string>(), s["strategy"].get<std::string>(),
             s["objective"].get<std::string>(), s["power_policy"].get<std::string>(), s["fps"].get<double>(),
             s["avg_power_w"].get<double>(),
             frames > 0 ? s["energy_j"]["total"].get<double>() / frames : 0.0);
  fmt::print("  FPS/W {:.5g}{}   TOPS/W {:.4g}   DRAM {} accesses ({:.4g} B read, {:.4g} B written, "
             "row-hit rate {:.1f}%){}\n",
             s["fps_per_watt"].get<double>(),
             s["area_mm2"].is_null() ? std::string()
                                     : fmt::format("   FPS/mm² {:.5g} ({:.4g} mm²)", s["fps_per_mm2"].get<double>(),
                                                   s["area_mm2"].get<double>()),
             s["tops_per_watt"].get<double>(), d["accesses"].get<uint64_t>(),
             d["bytes_read"].get<double>(), d["bytes_written"].get<double>(), 100 * d["row_hit_rate"].get<double>(),
             s.contains("battery_hours") ? fmt::format("   battery {:.3g} h", s["battery_hours"].get<double>()) : "");
}

void add_options(CLI::App& sub, ZoomCliOptions& c) {
  ZoomOptions& z = c.zoom;
  sub.add_option("--prompt", c.prompt, "prompt from keyframe 0");
  sub.add_option("--prompt-at", c.prompt_at, "K:TEXT, prompt from keyframe K on (repeatable)");
  sub.add_option("--prompt-file", c.prompt_file, "file of 'K: prompt' lines");
  sub.add_option("--negative-prompt", z.negative_prompt, "negative prompt");
  sub.add_option("--image", z.input_image, "start image (PNG/JPEG), resized and cropped to the frame");
  sub.add_option("--max-image-pixels", z.max_image_pixels, "refuse larger start images and frames (default 64000000)");
  sub.add_option("--width", z.width, "frame width, multiple of 64 for Stable Diffusion models (default 512)");
  sub.add_option("--height", z.height, "frame height, multiple of 64 for Stable Diffusion models (default 512)");
  sub.add_option("--keyframes", z.keyframes, "keyframes including the first frame (default 8)");
  sub.add_option("--frames-between", z.frames_between, "interpolated frames between keyframes (default 4)");
  auto* zoom = sub.add_option("--zoom", z.zoom_factor, "zoom factor per keyframe (default 2)");
  auto* border = sub.add_option("--border", z.border_px, "border px per keyframe on the shorter side (128 at 512 = 2x)")
                     ->each([&c](const std::string&) { c.border_given = true; });
  zoom->excludes(border);
  sub.add_option("--feather", z.feather_px, "seam ramp width in px inside the kept centre (default 8)");
  sub.add_option("--fps", z.fps, "video frame rate (default 30)");
  sub.add_option("--seed", c.seed, "seed, 0..2^63-1; keyframe k uses seed + k (default 0)");
  sub.add_flag("--zoom-in", z.zoom_in, "write the reversed (zoom-in) sequence");
  sub.add_option("--out", z.out_dir, "output directory")->required();
  sub.add_flag("--resume", z.resume, "continue an interrupted run in --out from its last keyframe");
  sub.add_flag("--quiet", z.quiet, "no progress output");
  sub.add_option("--trace", c.trace, "write a timeline of every frame (CPU nodes, simulated NPU layers) as Chrome trace-event JSON");
  sub.add_flag("--no-video", c.no_video, "frames only, do not run ffmpeg");
  ZoomModelOptions& m = z.model;
  sub.add_option("--model", m.model_dir, "diffusers model directory (default: the embedded tiny model)");
  sub.add_option("--steps", m.steps, "denoising steps (default 25)");
  sub.add_option("--guidance", m.guidance, "classifier-free guidance scale (default 7.5)");
  add_enum_name_option(sub, "--scheduler", m.scheduler, kNoiseSchedulers,
                       "noise scheduler (default: the model's scheduler config)");
  sub.add_option("--dtype", m.dtype, "linear/conv weight format: " + precision_names() + " (default f32)");
  sub.add_option("--threads", m.threads, "CPU threads, 0 = all, at most 1024 (frames do not depend on it)");
  sub.add_option("--memory-budget", m.memory_budget,
                 "refuse a run whose weights and activations need more (512M, 8G; default: physical memory)");
  sub.add_option("--cache-interval", m.cache_interval,
                 "step caching (DeepCache): a full UNet call every N steps, a shallow one reusing its deep "
                 "features between; 1..--steps (default 1 = off). SD2 512x512 int8-mix, 10 steps: 0.61x (N=2), "
                 "0.51x (3), 0.47x (5) the CPU time of N=1; quality needs trained weights to judge "
                 "(docs/zoom.md \"Step caching\")");
  add_sim_options(sub, c);
}

void run(ZoomCliOptions& c) {
  ZoomOptions& z = c.zoom;
  z.video = !c.no_video;
  z.sim.enabled = !c.no_sim;
  z.prompts = c.prompt_file.empty()
                  ? make_prompt_schedule(c.prompt, c.prompt_at)
                  : load_prompt_schedule_file(c.prompt_file, make_prompt_schedule(c.prompt, c.prompt_at, false));
  unicode::decode_utf8(z.negative_prompt, "--negative-prompt");  // checked before any keyframe, like the prompts
  if (z.model.threads < 0 || z.model.threads > kMaxThreads)
    fail_input("--threads: {} must be in 0..{}", z.model.threads, kMaxThreads);
  if (c.border_given && z.border_px <= 0) fail_input("--border: {} px must be positive", z.border_px);
  if (c.seed < 0) fail_input("--seed: {} must be in 0..{}", c.seed, INT64_MAX);
  z.seed = uint64_t(c.seed);
  z.model.precision = precision_from_name(z.model.dtype);  // once, before anything runs
  if (!z.model.memory_budget.empty()) c.memory_budget = parse_bytes(z.model.memory_budget);
  if (z.sim.enabled && !c.npu.empty())  // loaded once: every frame is accounted on this description
    z.sim.npu = named_option("--npu", [&] { return sim::load_npu(c.npu); });
  if (z.max_image_pixels < 1) fail_input("--max-image-pixels: {} must be positive", z.max_image_pixels);
  // Frames are held as float planes several times over (latents, masks, blends): an absurd
  // --width/--height must be refused before anything is allocated, under the same limit.
  if (int64_t(z.width) * int64_t(z.height) > z.max_image_pixels)
    fail_input("--width/--height: {}x{} = {} pixels is above the limit of {} (raise it with --max-image-pixels)",
               z.width, z.height, int64_t(z.width) * z.height, z.max_image_pixels);
  // Locked before the checks and held through run_zoom: a second run into --out stops here.
  const std::shared_ptr<OutDirLock> lock = z.out_dir.empty() ? nullptr : lock_out_dir(z.out_dir);
  ZoomPlan plan = validate_zoom_options(z);  // before loading a model: bad input costs nothing
  if (z.model.threads > 0) set_default_threads(z.model.threads);
  // --trace: opened before the work (a bad path costs nothing), written after it.
  std::unique_ptr<AtomicFile> trace_file;
  if (!c.trace.empty())
    trace_file = named_option("--trace", [&] { return std::make_unique<AtomicFile>(c.trace); });
  std::unique_ptr<Inpainter> inpainter = make_inpainter(z, c.memory_budget);
  std::unique_ptr<TracingInpainter> tracer;
  if (trace_file) tracer = std::make_unique<TracingInpainter>(*inpainter, z.seed);
  ZoomResult r;
  try {
    r = run_zoom(z, std::move(plan), tracer ? *tracer : *inpainter);
    if (tracer) {
      if (r.npu_run) add_zoom_npu_timeline(tracer->events(), *r.npu_run);
      tracer->events().write(*trace_file);
    }
  } catch (const InputError& e) {
    // A failure part-way (disk full, unwritable file) keeps every finished frame; say how to go on.
    if (std::string(e.what()).find("--resume") == std::string::npos &&
        std::filesystem::exists(std::filesystem::path(z.out_dir) / "state.json"))
      throw InputError(std::string(e.what()) + " (finished keyframes are kept: fix this, then rerun with --resume)");
    throw;
  }
  if (!z.quiet)
    fmt::print("wrote {} frames ({} keyframes inpainted now) to {}/frames{}\n", r.frames, r.keyframes_made, z.out_dir,
               r.video_written ? fmt::format(" and {}/zoom.mp4", z.out_dir) : "");
  if (!z.quiet && !r.sim_summary.is_null()) print_sim_summary(r.sim_summary);
}

}  // namespace

void setup_zoom(CLI::App& sub) {
  auto c = std::make_shared<ZoomCliOptions>();
  add_options(sub, *c);
  sub.callback([c] { run(*c); });
}

}  // namespace zoomrt::cli
