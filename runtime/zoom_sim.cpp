// A zoom run on the simulated NPU: one accountant, each component graph accounted once with the
// run's repeats, then every frame's share. See zoom_sim.h for what each frame executes.
#include "runtime/zoom_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "runtime/embedded_model.h"
#include "runtime/model.h"
#include "runtime/npu_accounting.h"
#include "runtime/schedulers/scheduler.h"
#include "sim/power.h"
#include "sim/report.h"
#include "weights/diffusers_dir.h"
#include "weights/error.h"

namespace zoomrt {

namespace {

// Rows [first, end) of the accountant, executed `units` times in the run (e.g. once per
// inpainted keyframe); every frame that uses the group gets 1/units of the rows' totals.
struct RowGroup {
  size_t first = 0, end = 0;
  int64_t units = 0;
};

// The UNet calls per keyframe: the length of the noise scheduler's timesteps, as the pipeline
// builds it (PNDM with skip_prk_steps has steps + 1).
int unet_calls(const std::string& model_dir, const std::string& scheduler, int steps) {
  const DiffusersDir dir = DiffusersDir::open(model_dir);
  const SchedulerConfig sc = SchedulerConfig::from_json(dir.component_config("scheduler"));
  std::string name =
      scheduler.empty() ? std::string(scheduler_name_for_class(sc.class_name)) : scheduler;
  if (name.empty())
    fail_input(
        "{}/scheduler/scheduler_config.json: scheduler class '{}' is not supported (use "
        "--scheduler: {})",
        model_dir, sc.class_name, scheduler_names());
  auto s = make_scheduler(name, sc);
  s->set_timesteps(steps);
  return int(s->timesteps().size());
}

// The library's message, prefixed with the zoom's option name unless it names it already
// (sim_dtype_from_name says "--dtype", which in `zoomrt zoom` is the CPU dtype).
template <class F>
auto named_option(const char* option, F parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    std::string msg = e.what();
    if (msg.rfind("--dtype ", 0) == 0) msg = msg.substr(8);
    if (msg.find(option) != std::string::npos) throw;
    fail_input("{}: {}", option, msg);
  }
}

uint64_t bytes_of(int64_t elements, int bits) {
  return (uint64_t(elements) * uint64_t(bits) + 7) / 8;
}

// Per UNet call, on the latents [1, 4, h, w]: guidance (uncond + s (cond - uncond): 3 ops) and the
// scheduler step (~6 ops per element for the multistep formulas), as `zoomrt sim` counts them.
void account_denoise_glue(NpuAccountant& acc, const Graph& unet, int64_t repeats) {
  const Shape& out = unet.tensor(unet.outputs().at(0)).shape;  // [2, 4, h, w]
  const int64_t latents = shape_numel(out) / 2;
  const uint64_t b = bytes_of(latents, sim_operand_bits(acc.options().dtype).input);
  acc.account_vector({"guidance", "guidance", latents, 3, 2 * b, b, {2 * b}}, int(repeats), "unet");
  acc.account_vector({"scheduler.step", "scheduler_step", latents, 6, 2 * b, b, {b, b}},
                     int(repeats), "unet");
}

// Adds rows through `add` and returns them as a group of `units`.
template <class F>
RowGroup grouped(NpuAccountant& acc, int64_t units, F add) {
  RowGroup g{acc.layers().size(), 0, units};
  add();
  g.end = acc.layers().size();
  return g;
}

void add_scaled(sim::DramStats& sum, const sim::DramStats& d, uint64_t m) {
  sum.bytes_read += d.bytes_read * m, sum.bytes_written += d.bytes_written * m,
      sum.accesses += d.accesses * m;
  sum.row_hits += d.row_hits * m, sum.row_misses += d.row_misses * m,
      sum.row_conflicts += d.row_conflicts * m;
  sum.activations += d.activations * m;
  sum.busy_ns += d.busy_ns * double(m), sum.energy_pj += d.energy_pj * double(m);
  sum.act_pj += d.act_pj * double(m), sum.rd_pj += d.rd_pj * double(m),
      sum.wr_pj += d.wr_pj * double(m);
  sum.bg_pj += d.bg_pj * double(m);
}

// A frame's "sim" object: the share of each group it uses.
nlohmann::json frame_json(const NpuAccountant& acc, const sim::RunResult& run,
                          const std::vector<const RowGroup*>& groups) {
  double latency_s = 0, macs = 0;
  sim::EnergyBreakdown e;
  sim::DramStats dram;
  for (const RowGroup* g : groups) {
    for (size_t i = g->first; i < g->end; ++i) {
      const AccountedLayer& row = acc.layers()[i];
      const sim::LayerResult& lr = run.layers[i];
      const double share = 1.0 / double(g->units);  // lr holds all `repeats` executions
      latency_s += lr.latency_s * share;
      e.mac_j += lr.energy.mac_j * share, e.sram_j += lr.energy.sram_j * share;
      e.dram_j += lr.energy.dram_j * share, e.static_j += lr.energy.static_j * share;
      const uint64_t per_frame =
          uint64_t(row.repeats / g->units);  // repeats = units x per-frame count
      macs += row.cost.macs * double(per_frame);
      add_scaled(dram, row.cost.dram, per_frame);
    }
  }
  const double energy = e.total_j();
  const double fps = latency_s > 0 ? 1.0 / latency_s : 0;
  const double power = latency_s > 0 ? energy / latency_s : 0;
  return {{"sim_latency_s", latency_s},
          {"fps", fps},
          {"avg_power_w", power},
          {"fps_per_watt", power > 0 ? fps / power : 0.0},
          {"tops_per_watt", energy > 0 ? 2 * macs / energy / 1e12 : 0.0},
          {"macs", macs},
          {"energy_j", sim::energy_json(e)},
          {"dram", sim::dram_stats_json(dram)}};
}

}  // namespace

void validate_zoom_sim_options(const ZoomSimOptions& o) {
  if (!o.enabled) return;
  named_option("--sim-dtype", [&] { return sim_dtype_from_name(o.dtype); });
  named_option("--strategy", [&] { return sched::strategy_from_name(o.strategy); });
  const sim::PowerPolicy p =
      named_option("--power-policy", [&] { return sim::power_policy_from_name(o.power_policy); });
  if (o.power_cap_w < 0) fail_input("--power-cap: {} W must not be negative", o.power_cap_w);
  if (p != sim::PowerPolicy::fixed && !(o.power_cap_w > 0))
    fail_input("--power-cap: required (> 0 W) by --power-policy {}", o.power_policy);
  if (o.battery_mwh < 0) fail_input("--battery-mwh: {} must not be negative", o.battery_mwh);
  named_option("--npu", [&] { return sim::load_npu(o.npu); });
}

InterpolationWork interpolation_work(const ZoomGeometry& g, int j) {
  const int64_t frame = int64_t(g.width) * g.height * 3;
  const double t = double(j + 1) / (g.frames_between + 1);
  const int64_t crop =
      int64_t(std::ceil(crop_width(g, j))) * int64_t(std::ceil(crop_height(g, j))) * 3;
  const double side_w = g.width * std::pow(g.ratio_x(), t),
               side_h = g.height * std::pow(g.ratio_y(), t);
  const int64_t paste = int64_t(std::ceil(side_w)) * int64_t(std::ceil(side_h)) * 3;
  InterpolationWork w;
  w.frame_bytes = uint64_t(frame);
  w.resample_elements = frame;  // every output value, from the crop
  w.resample_read_bytes = uint64_t(std::min(crop, frame));
  w.paste_elements = paste;                      // the inner keyframe's square only
  w.paste_read_bytes = uint64_t(frame + paste);  // the inner keyframe + the region blended over
  return w;
}

ZoomSimReport simulate_zoom(const ZoomSimOptions& o, const ZoomSimModel& model,
                            const ZoomGeometry& g, const std::vector<FrameWork>& frames) {
  validate_zoom_sim_options(o);
  AccountingOptions ao;
  ao.dtype = sim_dtype_from_name(o.dtype);
  ao.strategy = sched::strategy_from_name(o.strategy);
  ao.policy = sim::power_policy_from_name(o.power_policy);
  ao.power_cap_w = o.power_cap_w;
  NpuAccountant acc(sim::load_npu(o.npu), ao);

  int64_t inpainted = 0, prompts = 0, starts = 0;
  std::vector<int64_t> between(size_t(std::max(0, g.frames_between)), 0);
  for (const FrameWork& f : frames) {
    inpainted += f.kind == FrameWork::Kind::inpainted_keyframe;
    prompts += f.kind == FrameWork::Kind::inpainted_keyframe && f.encodes_prompt;
    starts += f.kind == FrameWork::Kind::start_keyframe;
    if (f.kind == FrameWork::Kind::interpolated) {
      if (f.between_index < 0 || size_t(f.between_index) >= between.size())
        throw std::logic_error("simulate_zoom: interpolated frame index out of range");
      ++between[size_t(f.between_index)];
    }
  }

  ZoomSimReport report;
  RowGroup text, keyframe, start;
  std::vector<RowGroup> interp(between.size());
  if (inpainted > 0) {
    const std::string dir = model.model_dir.empty() ? embedded_model_dir() : model.model_dir;
    const ModelConfigs m = load_model_configs(dir);
    const int calls = unet_calls(dir, model.scheduler, model.steps);
    report.unet_calls_per_keyframe = calls;
    const Graph te = build_component_for_image(m, Component::text_encoder, g.height, g.width);
    const Graph enc = build_component_for_image(m, Component::vae_encoder, g.height, g.width);
    const Graph unet = build_component_for_image(m, Component::unet, g.height, g.width);
    const Graph dec = build_component_for_image(m, Component::vae_decoder, g.height, g.width);
    acc.plan_ahead({&te, &enc, &unet, &dec});
    if (prompts > 0)
      text = grouped(acc, prompts, [&] { acc.account_graph(te, int(prompts), "text_encoder"); });
    keyframe = grouped(acc, inpainted, [&] {
      acc.account_graph(enc, int(inpainted), "vae_encoder");
      acc.account_graph(unet, int(inpainted * calls), "unet");
      account_denoise_glue(acc, unet, inpainted * calls);
      acc.account_graph(dec, int(inpainted), "vae_decoder");
    });
  }
  const int64_t px = int64_t(g.width) * g.height * 3;
  if (starts > 0)
    start = grouped(acc, starts, [&] {
      acc.account_vector(
          {"start_image.resize", "resize", px, 8, uint64_t(px), uint64_t(px), {uint64_t(px)}},
          int(starts), "start_image");
    });
  for (size_t j = 0; j < between.size(); ++j) {
    if (between[j] == 0) continue;
    const InterpolationWork w = interpolation_work(g, int(j));
    // Bilinear resample: 4 taps (8 ops); paste: box filter over r^-2t inner pixels (2 ops each)
    // then the feathered blend (3 ops).
    const double t = double(j + 1) / (g.frames_between + 1);
    const double taps = std::pow(g.ratio_x() * g.ratio_y(), -t);
    interp[j] = grouped(acc, between[j], [&] {
      acc.account_vector({fmt::format("interpolation.{}.resample", j),
                          "resize",
                          w.resample_elements,
                          8,
                          w.resample_read_bytes,
                          w.frame_bytes,
                          {w.resample_read_bytes}},
                         int(between[j]), "interpolation");
      acc.account_vector({fmt::format("interpolation.{}.paste", j),
                          "blend",
                          w.paste_elements,
                          2 * taps + 3,
                          w.paste_read_bytes,
                          uint64_t(w.paste_elements),
                          {w.frame_bytes, w.paste_read_bytes - w.frame_bytes}},
                         int(between[j]), "interpolation");
    });
  }
  acc.set_frames(double(frames.size()));

  const sim::RunResult run = acc.run();
  for (const FrameWork& f : frames) {
    std::vector<const RowGroup*> used;
    if (f.kind == FrameWork::Kind::inpainted_keyframe) {
      if (f.encodes_prompt) used.push_back(&text);
      used.push_back(&keyframe);
    } else if (f.kind == FrameWork::Kind::start_keyframe) {
      used.push_back(&start);
    } else {
      used.push_back(&interp[size_t(f.between_index)]);
    }
    report.frames.push_back(frame_json(acc, run, used));
  }
  report.summary = acc.summary(true);
  if (o.battery_mwh > 0) report.summary["battery_hours"] = sim::battery_hours(run, o.battery_mwh);
  report.summary["unet_calls_per_keyframe"] = report.unet_calls_per_keyframe;
  return report;
}

}  // namespace zoomrt
