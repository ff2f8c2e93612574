// zoomrt inspect: per component, parameter count, MACs per op type with their share, and the
// activation arena the fast-path executor plans at the pipeline's shapes for one image size
// (plan_execution: the rewritten graph, feed-forward chains in row chunks, in-place ops); the
// model's weight bytes per stored format (a directory: read from its safetensors headers) and the
// bytes each `zoomrt quantize` format would take (linear/conv weights converted, the rest f32);
// and, per --dtype, a whole keyframe's planned peak (runtime/diffusion/keyframe_memory.h): the figure
// `zoomrt zoom --memory-budget` checks.
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "graph/models.h"
#include "runtime/exec/executor.h"
#include "runtime/diffusion/keyframe_memory.h"
#include "runtime/exec/memory_plan.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "tools/zoomrt/commands.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "weights/quantized.h"

namespace zoomrt::cli {
namespace {

struct ComponentReport {
  std::string name;
  Shape first_input;
  int64_t params = 0;
  std::map<std::string, int64_t> macs;  // by op name
  int64_t macs_total = 0;
  size_t peak_live_bytes = 0, arena_bytes = 0;
};

ComponentReport inspect_component(const ModelConfigs& m, Component c, int size) {
  Graph g = build_component_for_image(m, c, size, size);
  ComponentReport r;
  r.name = std::string(component_name(c));
  r.first_input = g.tensor(g.inputs()[0]).shape;
  r.params = g.param_count();
  for (const Node& n : g.nodes())
    if (int64_t macs = node_macs(g, n)) {
      r.macs[std::string(op_name(n.op))] += macs;
      r.macs_total += macs;
    }
  // The MACs above are the model graph's; the arena is what an Executor (and estimate_memory)
  // allocates for it.
  const MemoryPlan plan = plan_execution(g, true).plan;
  r.peak_live_bytes = plan.peak_live_bytes;
  r.arena_bytes = plan.arena_bytes;
  return r;
}

std::string group_digits(int64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

// Bytes of the weights as stored, by "<dtype>" and by zoomrt format ("int4-g64", or "plain"
// for tensors no format describes). Companions count with their weight.
std::map<std::string, std::map<std::string, size_t>> stored_bytes_by_format(const std::string& model) {
  std::map<std::string, std::map<std::string, size_t>> out{{"dtype", {}}, {"format", {}}};
  if (!std::filesystem::is_directory(model)) return out;
  DiffusersDir dir = DiffusersDir::open(model);
  std::set<std::string> folders;
  for (Component c : kAllComponents) folders.insert(std::string(component_folder(c)));
  for (const std::string& folder : folders) {
    if (!dir.has_component(folder)) continue;
    const WeightSource ws = dir.weights(folder);
    for (const SafetensorsFile& f : ws.files())
      for (const TensorView& t : f.tensors()) {
        out["dtype"][std::string(dtype_name(t.dtype))] += t.nbytes;
        std::string base = t.name;
        for (const char* suffix : {".scales", ".codebook", ".positions"})
          if (base.size() > std::strlen(suffix) && base.ends_with(suffix) && f.metadata().count("zoomrt.format." + base.substr(0, base.size() - std::strlen(suffix))))
            base.resize(base.size() - std::strlen(suffix));
        auto it = f.metadata().find("zoomrt.format." + base);
        out["format"][it == f.metadata().end() ? "plain" : it->second] += t.nbytes;
      }
  }
  return out;
}

// Bytes of all weights (each distinct name once) if linear/conv weights took each format and
// everything else stayed f32; "f32" is the unconverted model.
std::map<std::string, size_t> bytes_per_format(const ModelConfigs& m, int size) {
  std::map<std::string, std::vector<int64_t>> packed, other;  // name -> shape
  for (Component c : kAllComponents) {
    Graph g = build_component_for_image(m, c, size, size);
    std::set<TensorId> conv_linear;
    for (const Node& n : g.nodes())
      if (n.op == Op::linear || n.op == Op::conv2d) conv_linear.insert(n.inputs[1]);
    for (TensorId w : g.weights()) {
      const TensorInfo& t = g.tensor(w);
      (conv_linear.count(w) ? packed : other)[t.name] = std::vector<int64_t>(t.shape.begin(), t.shape.end());
    }
  }
  auto numel = [](const std::vector<int64_t>& s) { return size_t(shape_numel(Shape(s.begin(), s.end()))); };
  size_t rest = 0, all_f32 = 0;
  for (auto& [name, s] : other) rest += 4 * numel(s);
  for (auto& [name, s] : packed) all_f32 += 4 * numel(s);
  std::map<std::string, size_t> out{{"f32", rest + all_f32}};
  for (const QuantSpec& spec : all_quant_specs()) {
    size_t b = rest;
    for (auto& [name, s] : packed) b += quant_spec_fits(s, spec) ? quantized_bytes(s, spec) : 4 * numel(s);
    out[quant_spec_name(spec)] = b;
  }
  return out;
}

// For a model directory: the weights its architecture needs that its files lack, as
// "<folder>: '<name>'" (names tried with their alternative spellings, as loading does).
// A component folder without weights counts every tensor of it as missing.
std::vector<std::string> missing_weights(const std::string& model, const ModelConfigs& m, int size);

// The report is printed either way; an incomplete model then ends in one line and exit 2.
void report_missing(const std::string& model, const ModelConfigs& m, int size) {
  const std::vector<std::string> missing = missing_weights(model, m, size);
  if (!missing.empty())
    fail_input("{}: the model is incomplete: {} tensors its architecture needs are missing (first {})", model,
               missing.size(), missing.front());
}

std::vector<std::string> missing_weights(const std::string& model, const ModelConfigs& m, int size) {
  std::vector<std::string> missing;
  if (!std::filesystem::is_directory(model)) return missing;
  DiffusersDir dir = DiffusersDir::open(model);
  for (Component c : kAllComponents) {
    const std::string folder(component_folder(c));
    std::optional<WeightSource> ws;
    if (dir.has_component(folder)) ws.emplace(dir.weights(folder));
    const WeightLookup lookup =
        with_name_alternatives([&ws](std::string_view n) { return ws ? ws->find(n) : nullptr; });
    const Graph g = build_component_for_image(m, c, size, size);
    for (TensorId w : g.weights())
      if (!lookup(g.tensor(w).name)) missing.push_back(fmt::format("{}: '{}'", folder, g.tensor(w).name));
  }
  return missing;
}

struct KeyframeReport {
  std::string dtype;
  MemoryNeed one_at_a_time, held;
};

KeyframeReport keyframe_report(const ModelConfigs& m, int size, const Precision& p, int cache_interval) {
  const KeyframeMemory km = plan_keyframe_memory(m, size, size, p, cache_interval);
  return {precision_name(p), km.peak(Residency::one_at_a_time), km.peak(Residency::held)};
}

nlohmann::json need_json(const MemoryNeed& n) {
  return {{"bytes", n.total()}, {"weight_bytes", n.weight_bytes}, {"activation_bytes", n.activation_bytes}};
}

}  // namespace

void setup_inspect(CLI::App& sub) {
  struct Opts {
    std::string model = "tiny";
    int size = 512;
    bool json = false;
    std::vector<std::string> dtypes{"f32", "f16", "int8-mix", "int4a8-mix"};
    int cache_interval = 1;
  };
  auto o = std::make_shared<Opts>();
  sub.add_option("--model", o->model, "diffusers directory or built-in name (sd2-inpainting, sd15-inpainting, tiny)");
  sub.add_option("--size", o->size, "image height and width in pixels (default 512)");
  sub.add_flag("--json", o->json, "print one JSON object");
  sub.add_option("--dtype", o->dtypes,
                 "keyframe peak planned for this --dtype of zoomrt zoom (repeatable; default f32, f16, int8-mix, "
                 "int4a8-mix): " + precision_names());
  sub.add_option("--cache-interval", o->cache_interval,
                 "keyframe peak planned for this --cache-interval of zoomrt zoom (step caching; default 1 = off)");
  sub.callback([o] {
    ModelConfigs m = load_model_configs(o->model);
    const int f = m.vae.downscale() * (1 << (m.unet.block_out_channels.size() - 1));
    if (o->size < f || o->size > 8192 || o->size % f)
      fail_input("--size: {} must be a multiple of {} between {} and 8192", o->size, f, f);
    if (o->cache_interval < 1 || o->cache_interval > 1000)
      fail_input("--cache-interval: {} must be in 1..1000 (zoom's --steps bounds it further)", o->cache_interval);
    std::vector<ComponentReport> reports;
    for (Component c : kAllComponents) reports.push_back(inspect_component(m, c, o->size));
    const auto stored = stored_bytes_by_format(o->model);
    const auto would_take = bytes_per_format(m, f);
    std::vector<KeyframeReport> keyframe;
    for (const std::string& d : o->dtypes)
      keyframe.push_back(keyframe_report(m, o->size, precision_from_name(d), o->cache_interval));
    if (o->json) {
      nlohmann::json j = {{"model", o->model}, {"size", o->size}, {"components", nlohmann::json::object()}};
      for (const auto& r : reports) {
        nlohmann::json share = nlohmann::json::object();
        for (auto& [op, v] : r.macs) share[op] = r.macs_total ? double(v) / double(r.macs_total) : 0.0;
        j["components"][r.name] = {{"params", r.params},           {"input_shape", r.first_input},
                                   {"macs", r.macs},               {"macs_total", r.macs_total},
                                   {"mac_share", share},           {"arena_peak_bytes", r.peak_live_bytes},
                                   {"arena_bytes", r.arena_bytes}};
      }
      j["vae_params"] = reports[2].params + reports[3].params;
      j["stored_bytes"] = stored;
      j["bytes_per_format"] = would_take;
      j["keyframe_peak"] = nlohmann::json::object();
      if (o->cache_interval != 1) j["cache_interval"] = o->cache_interval;  // absent: no step caching
      for (const KeyframeReport& k : keyframe)
        j["keyframe_peak"][k.dtype] = {{"one_at_a_time", need_json(k.one_at_a_time)}, {"held", need_json(k.held)}};
      fmt::print("{}\n", j.dump(2));
      report_missing(o->model, m, f);
      return;
    }
    fmt::print("model {}  image {}x{}\n", o->model, o->size, o->size);
    for (const auto& r : reports) {
      fmt::print("\n{:<13} {:>14} parameters  input {}\n", r.name, group_digits(r.params), shape_str(r.first_input));
      for (auto& [op, v] : r.macs)
        fmt::print("  {:<11} {:>12.3f} GMAC  {:5.1f} %\n", op, double(v) * 1e-9, 100.0 * double(v) / double(r.macs_total));
      fmt::print("  {:<11} {:>12.3f} GMAC\n", "total", double(r.macs_total) * 1e-9);
      fmt::print("  arena: peak live {:.1f} MiB, planned {:.1f} MiB\n", double(r.peak_live_bytes) / (1 << 20),
                 double(r.arena_bytes) / (1 << 20));
    }
    fmt::print("\nvae (encoder + decoder) {} parameters\n", group_digits(reports[2].params + reports[3].params));
    for (const auto& [what, bytes] : stored)
      for (const auto& [name, b] : bytes) fmt::print("stored {:<6} {:<12} {:>10.2f} MiB\n", what, name, double(b) / (1 << 20));
    fmt::print("weights per format (linear/conv converted, the rest f32):\n");
    for (const auto& [name, b] : would_take) fmt::print("  {:<12} {:>10.2f} MiB\n", name, double(b) / (1 << 20));
    fmt::print("keyframe {}x{}{}, planned peak (packed weights + arenas; zoom holds components one at a time, or\n"
               "the UNet and VAE weights held when --memory-budget fits them):\n",
               o->size, o->size,
               o->cache_interval == 1 ? "" : fmt::format(" with --cache-interval {}", o->cache_interval));
    for (const KeyframeReport& k : keyframe)
      fmt::print("  {:<12} one at a time {:>10.2f} MiB   held {:>10.2f} MiB\n", k.dtype,
                 double(k.one_at_a_time.total()) / (1 << 20), double(k.held.total()) / (1 << 20));
    report_missing(o->model, m, f);
  });
}

}  // namespace zoomrt::cli
