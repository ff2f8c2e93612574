// --unet-step: one full SD2-inpainting UNet step at 512x512, batch 2, per weight format.
// The architecture is built in memory with make-model's random values (no files); each format
// runs in a forked child (before any thread pool or OpenMP runtime exists in the parent) so the
// peak RSS it reports is that format's alone. Source weights are generated as F16 (what an
// fp16 model file holds; the executor converts or packs them per layer) and freed once the
// executor is built, then the kernel's peak-RSS mark is reset (/proc/self/clear_refs), so
// `peak_rss_bytes` is the peak while running the step with the packed model (what a mapped file
// costs once its pages are dropped); `peak_rss_build_bytes` includes the generated source.
#include <sys/wait.h>
#include <unistd.h>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/executor.h"
#include "runtime/make_model.h"
#include "runtime/model.h"
#include "runtime/process_stats.h"
#include "tools/bench/bench.h"

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

nlohmann::json one_step(const std::string& dtype, int threads) {
  Graph g = build_component_for_image(load_model_configs("sd2-inpainting"), Component::unet, 512, 512);
  std::deque<std::vector<uint16_t>> storage;
  std::vector<float> tmp;
  std::map<std::string, TensorView, std::less<>> views;
  for (TensorId w : g.weights()) {
    const TensorInfo& info = g.tensor(w);
    tmp.resize(size_t(shape_numel(info.shape)));
    random_tensor_values(kSeed, info.name, info.shape, tmp.data());
    auto& data = storage.emplace_back(tmp.size());
    for (size_t i = 0; i < tmp.size(); ++i) data[i] = float_to_half(tmp[i]);
    views[info.name] = TensorView{info.name, DType::F16, info.shape,
                                  reinterpret_cast<const uint8_t*>(data.data()), data.size() * sizeof(uint16_t)};
  }
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
  auto lookup = [&](std::string_view name) -> const TensorView* {
    auto it = views.find(name);
    return it == views.end() ? nullptr : &it->second;
  };
  Executor ex(std::move(g), lookup, "random sd2-inpainting unet", pool, opts);
  const int64_t build_peak = peak_rss_bytes();
  storage.clear();  // every weight is now packed or converted inside the executor
  storage.shrink_to_fit();
  tmp = {};
  // The generated weights stand in for a memory-mapped file, whose pages a real run drops once
  // packed; give their heap pages (and the packers' per-layer temporaries) back to the OS too, so
  // the step's peak counts what a run from files holds.
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";  // reset VmHWM to the current RSS
  const int64_t rss_before = vm_hwm_bytes();      // packed weights + runtime, before the arena is touched
  const auto t0 = std::chrono::steady_clock::now();
  ex.run(inputs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{"dtype", dtype}, {"seconds", seconds}, {"peak_rss_bytes", vm_hwm_bytes()},
          {"peak_rss_build_bytes", build_peak}, {"rss_before_step_bytes", rss_before},
          {"weight_bytes_packed", ex.weight_bytes_packed()}, {"threads", pool.threads()}};
}

}  // namespace

std::vector<std::string> run_unet_steps(int threads, const std::string& filter) {
  std::vector<std::string> lines;
  // --filter matches the whole name ("int4" also picks int4a8, int4-mix).
  for (const char* dtype : kUnetStepDtypes) {
    if (!filter.empty() && std::string(dtype).find(filter) == std::string::npos) continue;
    int fds[2];
    if (pipe(fds) != 0) return lines;
    const pid_t pid = fork();
    if (pid == 0) {  // child: one format, result as one JSON line on the pipe
      close(fds[0]);
      std::string line;
      try {
        line = one_step(dtype, threads).dump();
      } catch (const std::exception& e) {
        line = nlohmann::json{{"dtype", dtype}, {"error", e.what()}}.dump();
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
    if (line.empty()) line = nlohmann::json{{"dtype", dtype}, {"error", "child failed"}}.dump();
    std::fprintf(stderr, "unet-step %s\n", line.c_str());
    lines.push_back(line);
  }
  return lines;
}

}  // namespace zoomrt::bench
