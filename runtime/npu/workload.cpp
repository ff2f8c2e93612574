// The zoom run's work, once, for `zoomrt zoom` and `zoomrt sim`. See workload.h.
#include "runtime/npu/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "graph/model_zoo.h"
#include "runtime/model/embedded_model.h"
#include "runtime/model/model.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "base/json_config.h"

namespace zoomrt {

namespace {

std::string model_dir_of(const ZoomSimModel& m) { return m.model_dir.empty() ? embedded_model_dir() : m.model_dir; }

SchedulerConfig scheduler_config(const std::string& model) {
  if (is_builtin_model(model)) {
    for (auto& [path, j] : builtin_model_files(model))
      if (path == "scheduler/scheduler_config.json")
        return SchedulerConfig::from_json(JsonConfig::from_json(j, model + "/" + path));
    fail_input("{}: the built-in model has no scheduler config", model);
  }
  return SchedulerConfig::from_json(DiffusersDir::open(model).component_config("scheduler"));
}

uint64_t bytes_of(int64_t elements, int bits) { return (uint64_t(elements) * uint64_t(bits) + 7) / 8; }

// Adds the items appended by `add` as one group of `units`.
template <class F>
void group(ZoomWorkload& w, int64_t units, F add) {
  WorkGroup g{w.items.size(), 0, units};
  add();
  g.end_item = w.items.size();
  w.groups.push_back(g);
}

void add_graph(ZoomWorkload& w, std::shared_ptr<const Graph> g, int64_t repeats, const std::string& phase,
               bool traced = false) {
  WorkItem it;
  it.phase = phase, it.graph = std::move(g), it.repeats = repeats, it.traced = traced;
  w.items.push_back(std::move(it));
}

void add_vector(ZoomWorkload& w, VectorWork v, int64_t repeats, const std::string& phase, bool traced = false) {
  WorkItem it;
  it.phase = phase, it.vector = std::move(v), it.repeats = repeats, it.traced = traced;
  w.items.push_back(std::move(it));
}

}  // namespace

int unet_calls_per_keyframe(const ZoomSimModel& model) {
  const std::string dir = model_dir_of(model);
  const SchedulerConfig sc = scheduler_config(dir);
  const std::string name =
      model.scheduler.empty() ? std::string(scheduler_name_for_class(sc.class_name)) : model.scheduler;
  if (name.empty())
    fail_input("{}/scheduler/scheduler_config.json: scheduler class '{}' is not supported (use --scheduler: {})", dir,
               sc.class_name, scheduler_names());
  auto s = make_scheduler(name, sc);
  s->set_timesteps(model.steps);
  return int(s->timesteps().size());
}

InterpolationWork interpolation_work(const ZoomGeometry& g, int j) {
  const int64_t frame = int64_t(g.width) * g.height * 3;
  const double t = double(j + 1) / (g.frames_between + 1);
  const int64_t crop = int64_t(std::ceil(crop_width(g, j))) * int64_t(std::ceil(crop_height(g, j))) * 3;
  const double side_w = g.width * std::pow(g.ratio_x(), t), side_h = g.height * std::pow(g.ratio_y(), t);
  const int64_t paste = int64_t(std::ceil(side_w)) * int64_t(std::ceil(side_h)) * 3;
  InterpolationWork w;
  w.frame_bytes = uint64_t(frame);
  w.resample_elements = frame;  // every output value, from the crop
  w.resample_read_bytes = uint64_t(std::min(crop, frame));
  w.paste_elements = paste;                      // the inner keyframe's square only
  w.paste_read_bytes = uint64_t(frame + paste);  // the inner keyframe + the region blended over
  return w;
}

ZoomWorkload zoom_workload(const ZoomSimModel& model, const ZoomGeometry& g, const std::vector<FrameWork>& frames,
                           int activation_bits) {
  int64_t inpainted = 0, prompts = 0, starts = 0;
  std::vector<int64_t> between(size_t(std::max(0, g.frames_between)), 0);
  for (const FrameWork& f : frames) {
    inpainted += f.kind == FrameWork::Kind::inpainted_keyframe;
    prompts += f.kind == FrameWork::Kind::inpainted_keyframe && f.encodes_prompt;
    starts += f.kind == FrameWork::Kind::start_keyframe;
    if (f.kind == FrameWork::Kind::interpolated) {
      if (f.between_index < 0 || size_t(f.between_index) >= between.size())
        throw std::logic_error("zoom_workload: interpolated frame index out of range");
      ++between[size_t(f.between_index)];
    }
  }
  ZoomWorkload w;
  constexpr size_t kNone = size_t(-1);
  size_t text = kNone, keyframe = kNone, start = kNone;
  std::vector<size_t> interp(between.size(), kNone);
  if (inpainted > 0) {
    const std::string dir = model_dir_of(model);
    const ModelConfigs m = load_model_configs(dir);
    const int calls = unet_calls_per_keyframe(model);
    w.unet_calls_per_keyframe = calls;
    auto build = [&](Component c) {
      return std::make_shared<const Graph>(build_component_for_image(m, c, g.height, g.width));
    };
    auto te = build(Component::text_encoder), enc = build(Component::vae_encoder), unet = build(Component::unet),
         dec = build(Component::vae_decoder);
    if (prompts > 0) {
      text = w.groups.size();
      group(w, prompts, [&] { add_graph(w, te, prompts, "text_encoder"); });
    }
    // Per UNet call, on the latents [1, 4, h, w]: guidance (uncond + s (cond - uncond): 3 ops) and
    // the scheduler step (~6 ops per element for the multistep formulas).
    const int64_t latents = shape_numel(unet->tensor(unet->outputs().at(0)).shape) / 2;
    const uint64_t b = bytes_of(latents, activation_bits);
    const int64_t unet_runs = inpainted * calls;
    keyframe = w.groups.size();
    group(w, inpainted, [&] {
      add_graph(w, enc, inpainted, "vae_encoder");
      add_graph(w, unet, unet_runs, "unet", true);
      add_vector(w, {"guidance", "guidance", latents, 3, 2 * b, b, {2 * b}}, unet_runs, "unet", true);
      add_vector(w, {"scheduler.step", "scheduler_step", latents, 6, 2 * b, b, {b, b}}, unet_runs, "unet", true);
      add_graph(w, dec, inpainted, "vae_decoder");
    });
  }
  const int64_t px = int64_t(g.width) * g.height * 3;
  if (starts > 0) {
    start = w.groups.size();
    group(w, starts, [&] {
      add_vector(w, {"start_image.resize", "resize", px, 8, uint64_t(px), uint64_t(px), {uint64_t(px)}}, starts,
                 "start_image");
    });
  }
  for (size_t j = 0; j < between.size(); ++j) {
    if (between[j] == 0) continue;
    const InterpolationWork iw = interpolation_work(g, int(j));
    // Bilinear resample: 4 taps (8 ops); paste: box filter over r^-2t inner pixels (2 ops each)
    // then the feathered blend (3 ops).
    const double t = double(j + 1) / (g.frames_between + 1);
    const double taps = std::pow(g.ratio_x() * g.ratio_y(), -t);
    interp[j] = w.groups.size();
    group(w, between[j], [&] {
      add_vector(w,
                 {fmt::format("interpolation.{}.resample", j), "resize", iw.resample_elements, 8,
                  iw.resample_read_bytes, iw.frame_bytes, {iw.resample_read_bytes}},
                 between[j], "interpolation");
      add_vector(w,
                 {fmt::format("interpolation.{}.paste", j), "blend", iw.paste_elements, 2 * taps + 3,
                  iw.paste_read_bytes, uint64_t(iw.paste_elements),
                  {iw.frame_bytes, iw.paste_read_bytes - iw.frame_bytes}},
                 between[j], "interpolation");
    });
  }
  for (const FrameWork& f : frames) {
    std::vector<size_t> used;
    if (f.kind == FrameWork::Kind::inpainted_keyframe) {
      if (f.encodes_prompt) used.push_back(text);
      used.push_back(keyframe);
    } else if (f.kind == FrameWork::Kind::start_keyframe) {
      used.push_back(start);
    } else {
      used.push_back(interp[size_t(f.between_index)]);
    }
    w.frame_groups.push_back(std::move(used));
  }
  return w;
}

std::vector<RowRange> account_workload(NpuAccountant& acc, const ZoomWorkload& w, std::ostream* trace,
                                       uint64_t trace_lines) {
  std::vector<const Graph*> graphs;
  for (const WorkItem& it : w.items)
    if (it.graph) graphs.push_back(it.graph.get());
  if (!graphs.empty()) acc.plan_ahead(graphs);
  std::vector<size_t> item_first(w.items.size() + 1, 0);
  for (size_t i = 0; i < w.items.size(); ++i) {
    const WorkItem& it = w.items[i];
    if (it.repeats > INT32_MAX)
      fail_input("the run executes {} {} times: above the 2^31 - 1 repeats an accountant row holds", it.phase,
                 it.repeats);
    item_first[i] = acc.layers().size();
    acc.set_dram_trace(trace && it.traced ? trace : nullptr, trace_lines);
    if (it.graph)
      acc.account_graph(*it.graph, int(it.repeats), it.phase);
    else
      acc.account_vector(it.vector, int(it.repeats), it.phase);
  }
  acc.set_dram_trace(nullptr, 0);
  item_first[w.items.size()] = acc.layers().size();
  std::vector<RowRange> rows;
  for (const WorkGroup& g : w.groups) rows.push_back({item_first[g.first_item], item_first[g.end_item]});
  acc.set_frames(double(w.frame_groups.size()));
  return rows;
}

}  // namespace zoomrt
