// zoomrt sim: the zoom pipeline (or a SCALE-Sim topology) on a simulated NPU, without running any
// kernel: one keyframe = text encoder (batch 2) + VAE encoder + `steps` UNet calls (batch 2, with
// guidance and the noise-scheduler step) + VAE decoder, plus keyframe-every - 1 interpolated
// frames that cost only their resize and blend. Prints a terminal summary or the JSON summary
// of runtime/npu_accounting.h (the same fields as stats.json). docs/sim_cli.md has the details.
#include <cstdio>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "runtime/model.h"
#include "runtime/npu_accounting.h"
#include "scheduler/topology.h"
#include "sim/power.h"
#include "tools/zoomrt/commands.h"
#include "weights/atomic_file.h"
#include "weights/error.h"

namespace zoomrt::cli {
namespace {

struct SimOptions {
  std::string model = "sd2-inpainting", npu = "phone-npu", dtype = "int8", strategy = "adaptive";
  std::string policy = "fixed", dram_trace;
  double power_cap_w = 0, battery_mwh = 0;
  int size = 512, steps = 50, keyframe_every = 5;
  uint64_t trace_max_lines = 1u << 20;
  uint64_t max_ranges = AccountingOptions{}.max_ranges_per_layer;
  bool json = false, no_layers = false, compare_policies = false;
};

bool is_topology(const std::string& model) {
  if (model.size() > 4 && model.compare(model.size() - 4, 4, ".csv") == 0) return true;
  for (const auto& n : sched::builtin_topology_names())
    if (model == n) return true;
  return false;
}

// Interpolated frames (v8hid/infinite-zoom geometry): each is a crop of the keyframe resized to
// the frame (bilinear: 4 taps = 8 ops per output value) and the previous keyframe, shrunk, blended
// over its centre (3 ops). Frames are 8-bit RGB; the blend reads the frame and the centre quarter.
void account_interpolation(NpuAccountant& acc, int size, int frames) {
  if (frames <= 0) return;
  const int64_t px = int64_t(size) * size * 3;
  VectorWork resize{"interpolation.resize", "resize", px, 8, uint64_t(px), uint64_t(px), {uint64_t(px)}};
  VectorWork blend{"interpolation.blend", "blend", px, 3, uint64_t(px + px / 4), uint64_t(px),
                   {uint64_t(px), uint64_t(px / 4)}};
  acc.account_vector(resize, frames, "interpolation");
  acc.account_vector(blend, frames, "interpolation");
}

// Per UNet call: guidance (uncond + s (cond - uncond)) and the PNDM step on the latents.
void account_denoise_glue(NpuAccountant& acc, const Graph& unet, int steps) {
  const Shape& out = unet.tensor(unet.outputs().at(0)).shape;  // [2, 4, h, w]
  const int64_t latents = shape_numel(out) / 2;
  const int bits = sim_operand_bits(acc.options().dtype).input;
  const uint64_t b = (uint64_t(latents) * uint64_t(bits) + 7) / 8;
  acc.account_vector({"guidance", "guidance", latents, 3, 2 * b, b, {2 * b}}, steps, "unet");
  acc.account_vector({"scheduler.step", "scheduler_step", latents, 6, 2 * b, b, {b, b}}, steps, "unet");
}

// Parses an option's value; the library's error gains the option's name when it lacks it.
template <class F>
auto named_option(const char* option, F parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    if (std::string(e.what()).find(option) != std::string::npos) throw;
    fail_input("{}: {}", option, e.what());
  }
}

void validate(const SimOptions& o, bool topology) {
  if (o.power_cap_w < 0) fail_input("--power-cap: {} W must be positive", o.power_cap_w);
  const sim::PowerPolicy p = named_option("--power-policy", [&] { return sim::power_policy_from_name(o.policy); });
  if (p != sim::PowerPolicy::fixed && !(o.power_cap_w > 0))
    fail_input("--power-cap: required (> 0 W) by --power-policy {}", o.policy);
  if (o.battery_mwh < 0) fail_input("--battery-mwh: {} must not be negative", o.battery_mwh);
  if (o.compare_policies && !(o.power_cap_w > 0))
    fail_input("--compare-policies: needs --power-cap (> 0 W); without a cap every policy is fixed");
  if (topology) return;
  if (o.steps < 1 || o.steps > 1000) fail_input("--steps: {} must be between 1 and 1000", o.steps);
  if (o.keyframe_every < 1 || o.keyframe_every > 1000)
    fail_input("--keyframe-every: {} must be between 1 and 1000", o.keyframe_every);
}

void print_terminal(const nlohmann::json& s, const SimOptions& o) {
  const auto& e = s["energy_j"];
  const auto& d = s["dram"];
  const double total = e["total"].get<double>();
  const auto pct = [&](const char* k) { return total > 0 ? 100.0 * e[k].get<double>() / total : 0.0; };
  std::printf("zoomrt sim: model %s, npu %s, dtype %s, strategy %s, power %s%s\n", o.model.c_str(),
              s["npu"].get<std::string>().c_str(), o.dtype.c_str(), o.strategy.c_str(), o.policy.c_str(),
              o.power_cap_w > 0 ? fmt::format(" (cap {} W)", o.power_cap_w).c_str() : "");
  std::printf("  latency      %.4f s for %g frame(s)   FPS %.4f   avg power %.3f W (peak NPU %.3f W)%s\n",
              s["sim_latency_s"].get<double>(), s["frames"].get<double>(), s["fps"].get<double>(),
              s["avg_power_w"].get<double>(), s["peak_power_w"].get<double>(),
              s["cap_met"].get<bool>() ? "" : "  [cap NOT met]");
  std::printf("  FPS/W        %.5f      TOPS/W %.4f      MACs %.4g\n", s["fps_per_watt"].get<double>(),
              s["tops_per_watt"].get<double>(), s["total_macs"].get<double>());
  std::printf("  energy       %.4f J: mac %.1f%%, sram %.1f%%, dram %.1f%%, static %.1f%%\n", total, pct("mac"),
              pct("sram"), pct("dram"), pct("static"));
  std::printf("  DRAM         %.4g B read, %.4g B written, %llu accesses, row-hit rate %.1f%%, %llu activations\n",
              d["bytes_read"].get<double>(), d["bytes_written"].get<double>(),
              (unsigned long long)d["accesses"].get<uint64_t>(), 100.0 * d["row_hit_rate"].get<double>(),
              (unsigned long long)d["activations"].get<uint64_t>());
  std::printf("               %llu row hits, %llu row misses, %llu row conflicts, %.4f J\n",
              (unsigned long long)d["row_hits"].get<uint64_t>(), (unsigned long long)d["row_misses"].get<uint64_t>(),
              (unsigned long long)d["row_conflicts"].get<uint64_t>(), d["energy_j"].get<double>());
  if (s.contains("battery_hours"))
    std::printf("  battery      %.2f h of continuous zoom on %g mWh\n", s["battery_hours"].get<double>(),
                o.battery_mwh);
  std::printf("  %-15s %12s %12s %10s\n", "phase", "latency_s", "energy_j", "layers");
  for (const auto& ph : s["phases"])
    std::printf("  %-15s %12.5f %12.5f %10d\n", ph["name"].get<std::string>().c_str(), ph["latency_s"].get<double>(),
                ph["energy_j"].get<double>(), ph["layers"].get<int>());
}

// Each policy's FPS and energy, then every policy's FPS gain and energy saving against each other.
void print_policy_comparison(const nlohmann::json& c) {
  std::printf("  power policies under a %g W cap:\n", c["cap_w"].get<double>());
  std::printf("  %-10s %10s %12s %10s %10s %8s\n", "policy", "fps", "energy_j", "avg_w", "fps/W", "cap_met");
  for (const auto& p : c["policies"])
    std::printf("  %-10s %10.5f %12.4f %10.4f %10.5f %8s\n", p["policy"].get<std::string>().c_str(),
                p["fps"].get<double>(), p["energy_j"].get<double>(), p["avg_power_w"].get<double>(),
                p["fps_per_watt"].get<double>(), p["cap_met"].get<bool>() ? "yes" : "no");
  std::printf("  %-10s %-10s %14s %18s\n", "policy", "vs", "fps_gain_pct", "energy_saving_pct");
  for (const auto& p : c["pairs"])
    std::printf("  %-10s %-10s %+14.2f %+18.2f\n", p["policy"].get<std::string>().c_str(),
                p["baseline"].get<std::string>().c_str(), p["fps_gain_pct"].get<double>(),
                p["energy_saving_pct"].get<double>());
}

void run_sim(const SimOptions& o) {
  const bool topology = is_topology(o.model);
  validate(o, topology);
  AccountingOptions ao;
  ao.dtype = sim_dtype_from_name(o.dtype);
  ao.strategy = named_option("--strategy", [&] { return sched::strategy_from_name(o.strategy); });
  ao.policy = named_option("--power-policy", [&] { return sim::power_policy_from_name(o.policy); });
  ao.power_cap_w = o.power_cap_w;
  ao.max_ranges_per_layer = o.max_ranges;
  NpuAccountant acc(sim::load_npu(o.npu), ao);
  // The trace is built in memory (capped) and written atomically at the end.
  std::unique_ptr<std::ostringstream> trace;
  if (!o.dram_trace.empty()) {
    if (o.trace_max_lines == 0 || o.trace_max_lines > (uint64_t(1) << 24))
      fail_input("--dram-trace-lines: {} must be between 1 and {}", o.trace_max_lines, uint64_t(1) << 24);
    trace = std::make_unique<std::ostringstream>();
    acc.set_dram_trace(trace.get(), o.trace_max_lines);
  }
  if (topology) {
    acc.account_layers(sched::load_topology(o.model, sim_operand_bits(ao.dtype)), 1, "topology");
  } else {
    const ModelConfigs m = load_model_configs(o.model);
    const int f = m.vae.downscale() * (1 << (m.unet.block_out_channels.size() - 1));
    if (o.size < f || o.size > 8192 || o.size % f)
      fail_input("--size: {} must be a multiple of {} between {} and 8192", o.size, f, f);
    // The trace starts with the UNet (the bulk of the traffic): one step, up to the line cap.
    const Graph text = build_component_for_image(m, Component::text_encoder, o.size, o.size);
    const Graph vae_enc = build_component_for_image(m, Component::vae_encoder, o.size, o.size);
    const Graph unet = build_component_for_image(m, Component::unet, o.size, o.size);
    const Graph vae_dec = build_component_for_image(m, Component::vae_decoder, o.size, o.size);
    acc.plan_ahead({&text, &vae_enc, &unet, &vae_dec});
    acc.set_dram_trace(nullptr, 0);
    acc.account_graph(text, 1, "text_encoder");
    acc.account_graph(vae_enc, 1, "vae_encoder");
    if (trace) acc.set_dram_trace(trace.get(), o.trace_max_lines);
    acc.account_graph(unet, o.steps, "unet");
    account_denoise_glue(acc, unet, o.steps);
    acc.set_dram_trace(nullptr, 0);
    acc.account_graph(vae_dec, 1, "vae_decoder");
    account_interpolation(acc, o.size, o.keyframe_every - 1);
    acc.set_frames(o.keyframe_every);
  }
  if (trace) {
    AtomicFile f(o.dram_trace);
    f.write(trace->str());
    f.commit();
  }
  nlohmann::json s = acc.summary(o.json && !o.no_layers);
  if (o.battery_mwh > 0) s["battery_hours"] = sim::battery_hours(acc.run(), o.battery_mwh);
  if (!o.dram_trace.empty()) s["dram_trace"] = {{"file", o.dram_trace}, {"lines", acc.trace_lines()}};
  s["model"] = o.model;
  if (o.compare_policies) s["policy_comparison"] = acc.policy_comparison();
  if (o.json) {
    std::printf("%s\n", s.dump(2).c_str());
    return;
  }
  print_terminal(s, o);
  if (o.compare_policies) print_policy_comparison(s["policy_comparison"]);
  if (!o.dram_trace.empty())
    std::printf("  DRAM trace   %s: %llu lines (DRAMsim3 format)\n", o.dram_trace.c_str(),
                (unsigned long long)acc.trace_lines());
}

}  // namespace

void setup_sim(CLI::App& sub) {
  auto o = std::make_shared<SimOptions>();
  std::string model_help = "sd2-inpainting | sd15-inpainting | tiny | diffusers DIR | topology CSV | shipped topology:";
  for (const auto& n : sched::builtin_topology_names()) model_help += " " + n;
  std::string strategies, dtypes, policies;
  for (auto s : sched::all_strategies()) strategies += std::string(strategies.empty() ? "" : " | ") + sched::strategy_name(s);
  for (auto d : all_sim_dtypes()) dtypes += std::string(dtypes.empty() ? "" : " | ") + sim_dtype_name(d);
  for (auto p : sim::all_power_policies()) policies += std::string(policies.empty() ? "" : " | ") + sim::power_policy_name(p);
  sub.add_option("--model", o->model, model_help)->capture_default_str();
  sub.add_option("--npu", o->npu, "NPU preset name, JSON description or SCALE-Sim .cfg")->capture_default_str();
  sub.add_option("--dtype", o->dtype, dtypes)->capture_default_str();
  sub.add_option("--strategy", o->strategy, strategies)->capture_default_str();
  sub.add_option("--power-policy", o->policy, policies)->capture_default_str();
  sub.add_option("--power-cap", o->power_cap_w, "NPU power cap in W (required by dvfs and dfs-layer)");
  sub.add_option("--size", o->size, "frame height and width in pixels")->capture_default_str();
  sub.add_option("--steps", o->steps, "UNet denoising steps per keyframe")->capture_default_str();
  sub.add_option("--keyframe-every", o->keyframe_every, "frames per keyframe (the others are interpolated)")
      ->capture_default_str();
  sub.add_option("--battery-mwh", o->battery_mwh, "battery capacity: report hours of continuous zoom");
  sub.add_option("--dram-trace", o->dram_trace, "write DRAMsim3 trace lines of the first UNet step (capped)");
  sub.add_option("--dram-trace-lines", o->trace_max_lines, "cap of --dram-trace lines")->capture_default_str();
  sub.add_option("--dram-ranges", o->max_ranges,
                 "address ranges fed to the DRAM model per layer before extrapolating (0: all)")
      ->capture_default_str();
  sub.add_flag("--compare-policies", o->compare_policies,
               "also run every power policy under --power-cap: FPS gain and energy saving of each vs the others");
  sub.add_flag("--json", o->json, "print the JSON summary (with per-layer rows)");
  sub.add_flag("--no-layers", o->no_layers, "with --json: leave out the per-layer rows");
  sub.callback([o] { run_sim(*o); });
}

}  // namespace zoomrt::cli
