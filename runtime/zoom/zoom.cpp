#include "runtime/zoom/zoom.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <set>
#include <stdexcept>

#include "runtime/zoom/out_dir_lock.h"
#include "runtime/zoom/progress.h"
#include "runtime/zoom/stats_json.h"
#include "runtime/media/video.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "weights/model_identity.h"

namespace zoomrt {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct OutPaths {
  std::string dir, frames, keyframes, state, stats, video;
  explicit OutPaths(const std::string& out)
      : dir(out), frames(out + "/frames"), keyframes(out + "/keyframes"), state(out + "/state.json"),
        stats(out + "/stats.json"), video(out + "/zoom.mp4") {}
  std::string keyframe(int k) const { return fmt::format("{}/{:06}.png", keyframes, k); }
};

using RunState = ZoomRunState;

// The options that change pixels; a resume must match them all (keyframes, fps, zoom-in,
// threads and output flags may change).
json fingerprint_of(const ZoomOptions& o, const ZoomGeometry& g) {
  json f = {{"width", o.width},
          {"height", o.height},
          {"inner_width", g.inner_width},
          {"inner_height", g.inner_height},
          {"frames_between", g.frames_between},
          {"feather", g.feather_px},
          {"seed", o.seed},
          {"negative_prompt", o.negative_prompt},
          {"input_image", o.input_image},
          {"input_image_hash", o.input_image.empty() ? "" : file_content_hash(o.input_image)},
          {"model", o.model.model_dir},
          // Content, not path: the same path may hold another model by now.
          {"model_hash", o.model.model_dir.empty() ? "embedded" : model_content_hash(o.model.model_dir)},
          {"steps", o.model.steps},
          {"guidance", o.model.guidance},
          {"scheduler", o.model.scheduler},
          {"dtype", o.model.dtype}};
  // Only when caching: state files of uncached runs stay as they were, and resume.
  if (o.model.cache_interval != 1) f["cache_interval"] = o.model.cache_interval;
  return f;
}

RunState load_state(const OutPaths& p) {
  const json j = read_json_file(p.state);
  RunState st;
  try {
    st.fingerprint = j.at("fingerprint");
    st.keyframes_done = j.at("keyframes_done").get<int>();
    st.prompts = j.at("prompts").get<std::vector<std::string>>();
    for (const json& r : j.at("records")) st.records.push_back(frame_from_json(r, p.state));
  } catch (const json::exception& e) {
    fail_input("{}: not a zoomrt run state: {}", p.state, e.what());
  }
  if (st.keyframes_done < 0 || int(st.prompts.size()) != st.keyframes_done)
    fail_input("{}: inconsistent keyframe count", p.state);
  return st;
}

void save_state(const OutPaths& p, const RunState& st, bool complete) {
  json records = json::array();
  for (const FrameRecord& r : st.records) records.push_back(frame_to_json(r));
  write_json_file({{"version", 1}, {"complete", complete}, {"fingerprint", st.fingerprint},
                   {"keyframes_done", st.keyframes_done}, {"prompts", st.prompts}, {"records", records}},
                  p.state);
}

// A resume must reproduce what is on disk: same pixel settings, same prompts so far.
void check_resume(const RunState& st, const json& fingerprint, const ZoomOptions& o, const std::string& state_path) {
  for (const auto& [key, value] : fingerprint.items())
    if (!st.fingerprint.contains(key) || st.fingerprint[key] != value)
      fail_input("{}: --resume with a different {} ({} before, {} now); use the same options or another --out",
                 state_path, key, st.fingerprint.contains(key) ? st.fingerprint[key].dump() : "none", value.dump());
  for (int k = 0; k < st.keyframes_done && k < o.keyframes; ++k)
    if (st.prompts[size_t(k)] != o.prompts.prompt_for(k))
      fail_input("{}: --resume with a different prompt for keyframe {}", state_path, k);
}

void check_out_dir(const ZoomOptions& o) {
  if (o.out_dir.empty()) fail_input("--out: an output directory is required");
  const OutPaths p(o.out_dir);
  std::error_code ec;
  fs::create_directories(p.dir, ec);
  if (ec || !fs::is_directory(p.dir)) fail_input("--out: cannot create directory '{}': {}", p.dir, ec.message());
  {  // a probe: permissions, read-only mounts and full disks show up here, before any work
    AtomicFile probe(fmt::format("{}/.zoomrt-probe-{}", p.dir, ::getpid()));
    probe.write("probe\n");
    probe.commit();
  }
  std::remove(fmt::format("{}/.zoomrt-probe-{}", p.dir, ::getpid()).c_str());
  if (!o.resume && (fs::exists(p.state) || (fs::is_directory(p.frames) && !fs::is_empty(p.frames))))
    fail_input("--out: '{}' holds a previous run; pass --resume to continue it or choose another directory", p.dir);
}

// Timing of one frame.
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = process_cpu_seconds();
  void stop(FrameRecord& r) const {
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    r.cpu_s = process_cpu_seconds() - cpu;
  }
};

Image checked_inpaint(Inpainter& inp, const InpaintRequest& req, const ZoomGeometry& g, FrameRecord& rec) {
  Image out = inp.inpaint(req, &rec.components);
  if (out.width != g.width || out.height != g.height || out.rgb.size() != size_t(3) * g.width * g.height)
    throw std::logic_error(fmt::format("inpainter returned {}x{}, expected {}x{}", out.width, out.height, g.width, g.height));
  rec.inpainted = true;
  return out;
}

// Keyframe k, quantised to 8 bits (so reusing it equals reusing its PNG).
Image make_keyframe(int k, const Image* prev, const Image* start, const ZoomOptions& o, const ZoomGeometry& g,
                    Inpainter& inp, FrameRecord& rec) {
  InpaintRequest req;
  req.prompt = o.prompts.prompt_for(k);
  req.negative_prompt = o.negative_prompt;
  req.seed = o.seed + uint64_t(k);
  Image key;
  if (k == 0 && start) {
    key = fit_to_frame(*start, g.width, g.height);
  } else if (k == 0) {  // nothing to keep: everything masked on a black canvas
    Image canvas{g.width, g.height, std::vector<float>(size_t(3) * g.width * g.height, 0.0f)};
    Mask mask{g.width, g.height, std::vector<float>(size_t(g.width) * g.height, 1.0f)};
    req.image = &canvas;
    req.mask = &mask;
    key = checked_inpaint(inp, req, g, rec);
  } else {
    const OutpaintCanvas oc = make_outpaint_canvas(*prev, g);
    req.image = &oc.canvas;
    req.mask = &oc.mask;
    key = composite_keyframe(checked_inpaint(inp, req, g, rec), oc.shrunk, g);
  }
  quantize_u8(key);
  return key;
}

void remove_stale_frames(const std::string& frames_dir, int total) {
  for (const auto& e : fs::directory_iterator(frames_dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".png.tmp.") != std::string::npos) {  // left by a killed writer
      fs::remove(e.path());
      continue;
    }
    if (name.size() != 10 || name.substr(6) != ".png" || name.find_first_not_of("0123456789") != 6) continue;
    if (std::stoi(name.substr(0, 6)) >= total) fs::remove(e.path());
  }
}

}  // namespace

std::string frame_file_name(int pos, int total, bool zoom_in) {
  return fmt::format("{:06}.png", zoom_in ? total - 1 - pos : pos);
}

json zoom_options_json(const ZoomOptions& o, const ZoomPlan& plan) {
  const ZoomGeometry& g = plan.geometry;
  json prompts = json::array();
  for (const auto& e : o.prompts.entries) prompts.push_back({{"keyframe", e.first_keyframe}, {"prompt", e.prompt}});
  json j = plan.fingerprint;
  j.update({{"keyframes", o.keyframes},
            {"zoom_factor_x", double(g.width) / g.inner_width},
            {"zoom_factor_y", double(g.height) / g.inner_height},
            {"border_x", g.border_x},
            {"border_y", g.border_y},
            {"fps", o.fps},
            {"prompts", prompts},
            {"zoom_in", o.zoom_in},
            {"threads", o.model.threads}});
  return j;
}

ZoomSimOptions sim_options_of(const ZoomOptions& o) {
  ZoomSimOptions s = o.sim;
  if (s.enabled && !s.dtype) s.dtype = sim_dtype_for_precision(o.model.precision, o.model.dtype);
  return s;
}

ZoomPlan validate_zoom_options(const ZoomOptions& o) {
  ZoomPlan plan;
  const ZoomGeometry g = plan.geometry = make_zoom_geometry(o.width, o.height, o.zoom_factor, o.border_px, o.frames_between, o.feather_px);
  // Fixed bounds, each with its reason: frames are numbered with six digits (%06d, also what
  // ffmpeg reads), and the schedulers know 1000 training timesteps.
  if (o.keyframes < 1 || o.keyframes > 100000)
    fail_input("--keyframes: {} must be in 1..100000 (for a longer zoom, start another run from its last frame with "
               "--image)",
               o.keyframes);
  const int64_t frames = int64_t(o.keyframes - 1) * (o.frames_between + 1) + 1;
  if (frames > 999999)
    fail_input("--keyframes/--frames-between: {} keyframes with {} frames between make {} frames, above the 999999 "
               "that six-digit frame numbers allow (fewer frames between, or split the zoom into runs with --image)",
               o.keyframes, o.frames_between, frames);
  if (!(o.fps > 0) || o.fps > 240) fail_input("--fps: {} must be above 0 and at most 240", o.fps);
  if (o.prompts.entries.empty() || o.prompts.entries.front().first_keyframe != 0)
    fail_input("--prompt: no prompt for keyframe 0");
  if (o.model.steps < 1 || o.model.steps > 1000)
    fail_input("--steps: {} must be in 1..1000 (the schedulers have 1000 training timesteps)", o.model.steps);
  if (!(o.model.guidance >= 0) || o.model.guidance > 100) fail_input("--guidance: {} must be in 0..100", o.model.guidance);
  if (o.model.cache_interval < 1 || o.model.cache_interval > o.model.steps)
    fail_input("--cache-interval: {} must be in 1..{} (--steps; 1 = no step caching)", o.model.cache_interval,
               o.model.steps);
  if (!o.input_image.empty()) plan.start = load_image(o.input_image, o.max_image_pixels);  // missing/corrupt: fail now
  validate_zoom_sim_options(sim_options_of(o));
  check_out_dir(o);
  const OutPaths p(o.out_dir);
  plan.fingerprint = fingerprint_of(o, g);
  if (o.resume && fs::exists(p.state)) {
    plan.resumed = load_state(p);
    check_resume(*plan.resumed, plan.fingerprint, o, p.state);
  }
  return plan;
}

std::vector<FrameWork> zoom_frame_work(const ZoomOptions& o, const ZoomGeometry& g) {
  return zoom_frames(o.keyframes, g.frames_between, !o.input_image.empty(),
                     [&](int k) { return o.prompts.prompt_for(k); });
}

ZoomResult run_zoom(const ZoomOptions& o, Inpainter& inpainter, std::FILE* log) {
  // Held until the run returns or throws: no second run writes into this directory meanwhile.
  const std::shared_ptr<OutDirLock> lock = o.out_dir.empty() ? nullptr : lock_out_dir(o.out_dir);
  return run_zoom(o, validate_zoom_options(o), inpainter, log);
}

ZoomResult run_zoom(const ZoomOptions& o, ZoomPlan plan, Inpainter& inpainter, std::FILE* log) {
  const ZoomGeometry g = plan.geometry;
  const OutPaths p(o.out_dir);
  RunState st;
  st.fingerprint = plan.fingerprint;
  if (plan.resumed) st = std::move(*plan.resumed);
  std::error_code ec;
  fs::create_directories(p.frames, ec);
  fs::create_directories(p.keyframes, ec);
  if (ec) fail_input("{}: cannot create output folders: {}", p.dir, ec.message());

  const int K = o.keyframes, N = g.frames_between, total = 1 + (K - 1) * (N + 1);
  const int resumed = std::min(st.keyframes_done, K);
  // Accounted before any inpainting (cheap, and a layer no tiling fits fails now); every frame,
  // resumed ones included, gets its figures from here.
  ZoomSimReport npu_report;
  if (o.sim.enabled)
    npu_report =
        simulate_zoom(sim_options_of(o), {o.model.model_dir, o.model.scheduler, o.model.steps}, g, zoom_frame_work(o, g));
  const Image start = std::move(plan.start);
  std::vector<FrameRecord> records(static_cast<size_t>(total));
  auto record_at = [&](int pos) -> FrameRecord* {  // reuse a finished frame's timing
    return size_t(pos) < st.records.size() ? &st.records[size_t(pos)] : nullptr;
  };
  auto emit = [&](const Image& frame, int pos, FrameRecord rec) {
    save_png(frame, p.frames + "/" + frame_file_name(pos, total, o.zoom_in));
    rec.index = o.zoom_in ? total - 1 - pos : pos;
    rec.sim = o.sim.enabled ? npu_report.frames.at(size_t(pos)) : nlohmann::json();
    records[size_t(pos)] = rec;
  };

  Progress progress(std::max(1, K - resumed), o.quiet, log ? log : stderr);
  if (resumed > 0) progress.message(fmt::format("resuming after keyframe {} of {}", resumed - 1, K - 1));
  ZoomResult result;
  Image prev;
  for (int k = 0; k < K; ++k) {
    const int key_pos = k * (N + 1);
    FrameRecord key_rec;
    key_rec.keyframe = true;
    key_rec.keyframe_index = k;
    Image key;
    if (k < resumed) {
      key = load_image(p.keyframe(k));
      if (key.width != g.width || key.height != g.height) fail_input("{}: keyframe has the wrong size", p.keyframe(k));
      if (const FrameRecord* old = record_at(key_pos)) key_rec = *old;
    } else {
      const Stopwatch sw;
      key = make_keyframe(k, k ? &prev : nullptr, o.input_image.empty() ? nullptr : &start, o, g, inpainter, key_rec);
      sw.stop(key_rec);
      save_png(key, p.keyframe(k));
      ++result.keyframes_made;
    }
    for (int j = 0; k > 0 && j < N; ++j) {  // the frames zooming out from keyframe k-1 to k
      const int pos = key_pos - N + j;
      FrameRecord rec;
      rec.keyframe_index = k;
      const Stopwatch sw;
      const Image frame = render_between(prev, key, g, j);
      sw.stop(rec);
      if (const FrameRecord* old = record_at(pos)) rec = *old;
      emit(frame, pos, rec);
    }
    emit(key, key_pos, key_rec);
    if (k >= st.keyframes_done) {  // commit point: everything up to keyframe k is on disk
      st.keyframes_done = k + 1;
      st.prompts.push_back(o.prompts.prompt_for(k));
      st.records.assign(records.begin(), records.begin() + key_pos + 1);
      save_state(p, st, false);
      progress.update(k + 1 - resumed, fmt::format("keyframe {}/{}", k, K - 1));
    }
    prev = std::move(key);
  }
  progress.finish();
  remove_stale_frames(p.frames, total);
  if (o.sim.enabled) {
    result.sim_summary = npu_report.summary;
    result.npu_run = npu_report.accounted;
  }
  write_json_file(make_stats_json(records, zoom_options_json(o, plan), result.sim_summary), p.stats);
  save_state(p, st, true);
  result.frames = total;
  if (o.video) {
    const VideoResult v = encode_video(p.frames + "/%06d.png", o.fps, p.video);
    result.video_written = v.written;
    result.video_message = v.message;
    if (v.failed) throw InputError(v.message);  // exit 2; the frames and state.json are complete
    progress.message(v.message);
  }
  return result;
}

}  // namespace zoomrt
