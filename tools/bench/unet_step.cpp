// --unet-step: one full SD2-inpainting UNet step at 512x512, batch 2, per weight format.
// The parent writes the architecture's weights once, with make-model's random values, to an
// fp16 safetensors file in a temporary directory (what an fp16 model file holds); each format
// runs in a forked child (before any thread pool or OpenMP runtime exists in the parent) that
// maps that file and builds its executor from it exactly as `zoomrt eval` does (each weight
// packed from its mapped view, the view's pages dropped once packed). So the peak RSS it
// reports is that format's alone, as a run from a file costs it. `peak_rss_build_bytes` is the
// peak while packing; then the kernel's peak-RSS mark is reset (/proc/self/clear_refs) and
// `peak_rss_bytes` is the peak while running the step.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/exec/executor.h"
#include "runtime/model/make_model.h"
#include "runtime/model/model.h"
#include "runtime/exec/process_stats.h"
#include "tools/bench/bench.h"
#include "weights/safetensors.h"

namespace zoomrt::bench {
namespace {

constexpr uint64_t kSeed = 7;

// VmHWM of /proc/self/status in bytes (peak RSS since the last clear_refs reset); -1 if absent.
int64_t vm_hwm_bytes() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}

// Writes the UNet's weights (graph names, F16) to `path`: about 1.7 GB.
void write_unet_weights(const std::string& path) {
  const Graph g = build_component_for_image(load_model_configs("sd2-inpainting"), Component::unet, 512, 512);
  std::vector<TensorToWrite> tensors;
  for (TensorId w : g.weights()) {
    const TensorInfo& info = g.tensor(w);
    TensorToWrite t{info.name, DType::F16, std::vector<int64_t>(info.shape.begin(), info.shape.end()), nullptr};
    t.fill = [name = info.name, shape = info.shape](uint8_t* dst) {
      std::vector<float> v(size_t(shape_numel(shape)));
      random_tensor_values(kSeed, name, shape, v.data());
      for (size_t i = 0; i < v.size(); ++i) {
        const uint16_t h = float_to_half(v[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
    };
    tensors.push_back(std::move(t));
  }
  write_safetensors(path, tensors, {{"format", "pt"}});
}

nlohmann::json one_step(const std::string& dtype, const std::string& weights_path, int threads) {
  Graph g = build_component_for_image(load_model_configs("sd2-inpainting"), Component::unet, 512, 512);
  const SafetensorsFile file = SafetensorsFile::open(weights_path);
  std::map<std::string, HostTensor> inputs;
  for (TensorId t : g.inputs()) {
    const TensorInfo& info = g.tensor(t);
    HostTensor h;
    h.shape = info.shape;
    h.f32 = random_floats(size_t(shape_numel(info.shape)), uint32_t(t) + 1);
    if (info.name.find("timestep") != std::string::npos)
      for (float& v : h.f32) v = 500.0f;  // a mid-schedule step
    inputs[info.name] = std::move(h);
  }
  ThreadPool pool(threads);
  ExecOptions opts;
  opts.precision = precision_from_name(dtype);
  auto lookup = [&](std::string_view name) { return file.find(name); };
  Executor ex(std::move(g), lookup, weights_path, pool, opts);
  const int64_t build_peak = peak_rss_bytes();
  std::ofstream("/proc/self/clear_refs") << "5";  // reset VmHWM to the current RSS
  const int64_t rss_before = vm_hwm_bytes();      // packed weights + runtime, before the arena is touched
  const auto t0 = std::chrono::steady_clock::now();
  ex.run(inputs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{"dtype", dtype}, {"seconds", seconds}, {"peak_rss_bytes", vm_hwm_bytes()},
          {"peak_rss_build_bytes", build_peak}, {"rss_before_step_bytes", rss_before},
          {"weight_bytes_packed", ex.weight_bytes_packed()}, {"threads", pool.threads()}};
}

// Runs fn in a forked child and returns what it returned (an exception's message instead, or
// "child failed" when it died without a word).
template <class Fn>
std::string in_child(Fn fn) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]), close(fds[1]);
    return "fork failed";
  }
  if (pid == 0) {
    close(fds[0]);
    std::string line;
    try {
      line = fn();
    } catch (const std::exception& e) {
      line = e.what();
    }
    if (write(fds[1], line.data(), line.size()) < 0) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  std::string line;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) line.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return line.empty() ? "child failed" : line;
}

}  // namespace

std::vector<std::string> run_unet_steps(int threads, const std::string& filter) {
  std::vector<std::string> dtypes, lines;
  // --filter matches the whole name ("int4" also picks int4a8, int4-mix).
  for (const char* dtype : kUnetStepDtypes)
    if (filter.empty() || std::string(dtype).find(filter) != std::string::npos) dtypes.push_back(dtype);
  if (dtypes.empty()) return lines;
  std::string tmpl = (std::filesystem::temp_directory_path() / "zoomrt-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    for (const std::string& d : dtypes)
      lines.push_back(nlohmann::json{{"dtype", d}, {"error", "cannot create a temporary directory " + tmpl}}.dump());
    return lines;
  }
  struct RemoveDir {  // the 1.7 GB file goes on every return and exception
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{tmpl};
  const std::string weights_path = tmpl + "/unet.fp16.safetensors";
  // Written in a child too, so the parent's heap (inherited by every step's child) stays small.
  const std::string written = in_child([&] {
    write_unet_weights(weights_path);
    return std::string("ok");
  });
  for (const std::string& dtype : dtypes) {
    std::string line = written == "ok" ? in_child([&] { return one_step(dtype, weights_path, threads).dump(); })
                                       : "writing " + weights_path + ": " + written;
    if (line.empty() || line.front() != '{') line = nlohmann::json{{"dtype", dtype}, {"error", line}}.dump();
    std::fprintf(stderr, "unet-step %s\n", line.c_str());
    lines.push_back(line);
  }
  return lines;
}

}  // namespace zoomrt::bench
