// zoomrt eval: run one component on named tensors from a safetensors file and write its
// outputs; the parity/debug tool against diffusers. `--compare REF.safetensors` prints, per
// output found in REF, cosine similarity, max |out - ref| and relative RMS error
// ||out - ref|| / ||ref|| (how the precision policies' accuracy is measured, docs/kernels.md).
// `--repeat N` runs it N times (each run's seconds printed; the peer harness, docs/performance.md,
// times with it; each run's process CPU seconds beside, the figure that a loaded machine
// disturbs least) and `--profile FILE.json` writes the last run's wall seconds per op class.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/exec/executor.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/model/model.h"
#include "runtime/exec/precision.h"
#include "runtime/exec/process_stats.h"
#include "runtime/model/weight_names.h"
#include "runtime/zoom/stats_json.h"
#include "tools/zoomrt/commands.h"
#include "base/atomic_file.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"

namespace zoomrt::cli {

namespace {

// One line per output of `out` that `ref_path` also holds (same element count; any float dtype).
void print_comparison(const std::map<std::string, HostTensor>& out, const std::string& ref_path) {
  SafetensorsFile ref = SafetensorsFile::open(ref_path);
  int compared = 0;
  for (const auto& [name, h] : out) {
    const TensorView* v = ref.find(name);
    if (!v) continue;
    const std::vector<float> r = to_f32(*v);
    if (r.size() != h.f32.size())
      fail_input("{}: tensor '{}' has {} values, the output has {}", ref_path, name, r.size(), h.f32.size());
    double ab = 0, aa = 0, bb = 0, dd = 0, max_abs = 0;
    for (size_t i = 0; i < r.size(); ++i) {
      const double a = h.f32[i], b = r[i];
      ab += a * b, aa += a * a, bb += b * b, dd += (a - b) * (a - b), max_abs = std::max(max_abs, std::fabs(a - b));
    }
    fmt::print("{}: cosine {:.7f}  max_abs {:.4g}  rel_rms {:.4g}  (vs {})\n", name, ab / std::sqrt(aa * bb), max_abs,
               std::sqrt(dd / bb), ref_path);
    ++compared;
  }
  if (!compared) fail_input("{}: holds none of the outputs", ref_path);
}

// The op class of a node for --profile: its op, and for linear / conv2d the precision class of
// its weight ("conv2d/resnet", "linear/qkv", "attention", "group_norm", ...).
std::string profile_class(const Graph& g, const Node& n) {
  std::string c(op_name(n.op));
  if ((n.op == Op::linear || n.op == Op::conv2d) && n.inputs.size() > 1)
    c += std::string("/") + op_class_name(op_class_of_weight(g.tensor(n.inputs[1]).name));
  return c;
}

// Wall seconds and node counts per op class of the executor's last run, as JSON, written atomically.
// A chunked feed-forward chain (linear/ff, geglu, linear/ff, residual add) runs as one step timed
// at its last node: its seconds go to "ff_chain" (nodes: the number of chains), while each of its
// nodes is still counted, with 0 s, under its own class.
void write_profile(const std::string& path, const Executor& ex, const std::vector<double>& run_seconds,
                   const std::vector<double>& run_cpu_seconds) {
  std::map<std::string, std::pair<double, int>> by_class;
  std::vector<char> chain_last(ex.graph().nodes().size(), 0);
  for (const FeedForwardChain& c : ex.feed_forward_chains()) chain_last[size_t(c.last())] = 1;
  double total = 0;
  for (size_t i = 0; i < ex.graph().nodes().size(); ++i) {
    by_class[profile_class(ex.graph(), ex.graph().nodes()[i])].second += 1;
    auto& [s, count] = by_class[chain_last[i] ? std::string("ff_chain") : profile_class(ex.graph(), ex.graph().nodes()[i])];
    if (chain_last[i]) count += 1;
    s += ex.node_seconds()[i], total += ex.node_seconds()[i];
  }
  nlohmann::json j = {{"run_seconds", run_seconds},
                      {"run_cpu_seconds", run_cpu_seconds},
                      {"node_seconds_total", total},
                      {"by_class", nlohmann::json::object()}};
  for (const auto& [c, v] : by_class) j["by_class"][c] = {{"seconds", v.first}, {"nodes", v.second}};
  AtomicFile f(path);
  f.write(j.dump(2) + "\n");
  f.commit();
}

}  // namespace

void setup_eval(CLI::App& sub) {
  struct Opts {
    std::string model, component, inputs, output, compare, variant, dtype = "f32", memory_budget;
    std::string profile;
    int threads = 0, repeat = 1;
  };
  auto o = std::make_shared<Opts>();
  sub.add_option("--model", o->model, "diffusers model directory")->required();
  sub.add_option("--component", o->component, "text_encoder | unet | vae_encoder | vae_decoder")->required();
  sub.add_option("--inputs", o->inputs, "safetensors file with the input tensors")->required();
  sub.add_option("--output", o->output, "safetensors file to write the outputs to");
  sub.add_option("--compare", o->compare,
                 "safetensors file with reference outputs: print cosine, max abs and relative RMS error");
  sub.add_option("--variant", o->variant, "weights variant: fp16 (default: plain, else fp16)");
  sub.add_option("--threads", o->threads, "threads (default: all cores)");
  sub.add_option("--dtype", o->dtype, "linear/conv weight format: " + precision_names() + " (default f32)");
  sub.add_option("--repeat", o->repeat, "run the component this many times, printing each run's seconds (default 1)");
  sub.add_option("--profile", o->profile, "write the last run's wall seconds per op class to this JSON file");
  sub.add_option("--memory-budget", o->memory_budget,
                 "refuse a run whose weights and activations need more (512M, 8G; default: physical memory)");
  sub.callback([o] {
    const Component c = component_from_name(o->component);
    const Precision precision = precision_from_name(o->dtype);
    if (o->output.empty() && o->compare.empty()) fail_input("eval: give --output, --compare or both");
    if (o->threads < 0 || o->threads > 1024) fail_input("--threads: {} is out of range", o->threads);
    if (o->repeat < 1 || o->repeat > 1000) fail_input("--repeat: {} is not between 1 and 1000", o->repeat);
    if (!o->variant.empty() && o->variant != "fp16") fail_input("--variant: '{}' is not fp16", o->variant);
    SafetensorsFile in = SafetensorsFile::open(o->inputs);
    std::map<std::string, Shape> shapes;
    for (const TensorView& t : in.tensors()) shapes[t.name] = Shape(t.shape.begin(), t.shape.end());
    ModelConfigs m = load_model_configs(o->model);
    if (m.builtin) fail_input("--model: eval needs a model directory with weights (try make-model first)");
    Graph g = build_component(m, c, shapes);
    const size_t budget = o->memory_budget.empty() ? 0 : parse_bytes(o->memory_budget);
    check_memory_budget(fmt::format("{}/{} with --dtype {}", o->model, o->component, precision_name(precision)),
                        estimate_memory(g, precision), budget);
    std::map<std::string, HostTensor> inputs;
    for (TensorId t : g.inputs()) inputs[g.tensor(t).name] = HostTensor::from_view(in.at(g.tensor(t).name));

    DiffusersDir dir = DiffusersDir::open(o->model);
    WeightSource ws = dir.weights(component_folder(c), o->variant);
    ThreadPool pool(o->threads);
    auto t0 = std::chrono::steady_clock::now();
    Executor ex(std::move(g), with_name_alternatives([&ws](std::string_view n) { return ws.find(n); }),
                ws.describe(), pool, ExecOptions{true, precision});
    auto t1 = std::chrono::steady_clock::now();
    std::map<std::string, HostTensor> out;
    std::vector<double> run_seconds, run_cpu_seconds;
    for (int r = 0; r < o->repeat; ++r) {
      auto r0 = std::chrono::steady_clock::now();
      const double c0 = process_cpu_seconds();
      out = ex.run(inputs);
      run_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count());
      run_cpu_seconds.push_back(process_cpu_seconds() - c0);
      if (o->repeat > 1)
        fmt::print(stderr, "{}: run {} of {}: {:.3f} s (cpu {:.3f} s)\n", o->component, r + 1, o->repeat,
                   run_seconds.back(), run_cpu_seconds.back());
    }

    std::vector<TensorToWrite> tensors;
    for (auto& [name, h] : out)
      tensors.push_back({name, DType::F32, h.shape, [&h = h](uint8_t* dst) {
                           std::memcpy(dst, h.f32.data(), h.f32.size() * sizeof(float));
                         }});
    if (!o->output.empty()) write_safetensors(o->output, tensors);
    if (!o->profile.empty()) write_profile(o->profile, ex, run_seconds, run_cpu_seconds);
    fmt::print(stderr, "{}: {} weights {:.1f} MiB, load {:.2f} s, run {:.2f} s, {} threads, arena {:.1f} MiB, peak RSS {:.1f} MiB\n",
               o->component, precision_name(precision), double(ex.weight_bytes_packed() + ex.weight_bytes_converted()) / (1 << 20),
               std::chrono::duration<double>(t1 - t0).count(),
               *std::min_element(run_seconds.begin(), run_seconds.end()), pool.threads(),
               double(ex.memory_plan().arena_bytes) / (1 << 20), double(peak_rss_bytes()) / (1 << 20));
    if (!o->compare.empty()) print_comparison(out, o->compare);
  });
}

}  // namespace zoomrt::cli
