// The CPU side of `zoomrt zoom --trace` (see cpu_trace.h).
#include "runtime/trace/cpu_trace.h"

#include <algorithm>

#include <fmt/format.h>

namespace zoomrt {

std::string component_of(const Executor& e) {
  for (TensorId t : e.graph().inputs()) {
    const std::string& n = e.graph().tensor(t).name;
    if (n == "input_ids") return "text encoder";
    if (n == "image") return "VAE encoder";
    if (n == "latents") return "VAE decoder";
  }
  return "UNet";
}

TracingInpainter::TracingInpainter(Inpainter& inner, uint64_t seed, size_t node_budget_bytes)
    : inner_(inner), seed_(seed), budget_(node_budget_bytes) {
  Executor::set_run_observer([this](const Executor& e, auto start, auto end) { on_run(e, start, end); });
}

TracingInpainter::~TracingInpainter() { Executor::set_run_observer(nullptr); }

int64_t TracingInpainter::ns_since_origin(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
}

Image TracingInpainter::inpaint(const InpaintRequest& req, InpaintTimings* timings) {
  ++pid_;
  unet_step_ = 0;
  const uint64_t keyframe = req.seed - seed_;
  events_.process_name(pid_, fmt::format("keyframe {} (CPU)", keyframe));
  events_.thread_name(pid_, kCpuMainTid, "main thread (executor)");
  const auto start = std::chrono::steady_clock::now();
  Image out = inner_.inpaint(req, timings);
  const auto end = std::chrono::steady_clock::now();
  events_.complete(pid_, kCpuMainTid, fmt::format("keyframe {}", keyframe), ns_since_origin(start),
                   ns_since_origin(end) - ns_since_origin(start), {{"prompt", req.prompt}, {"seed", req.seed}});
  return out;
}

void TracingInpainter::on_run(const Executor& e, std::chrono::steady_clock::time_point start,
                              std::chrono::steady_clock::time_point end) {
  if (pid_ == 0) return;  // a run outside any keyframe (none in a zoom)
  const std::string component = component_of(e);
  const bool unet = component == "UNet";
  const int step = unet ? unet_step_++ : -1;
  const int64_t a = ns_since_origin(start), b = ns_since_origin(end);
  const bool list_nodes = !unet || step == 0 || events_.bytes() < budget_;
  const std::vector<double>& secs = e.node_seconds();
  const std::vector<double>& busy = e.node_thread_seconds();  // node-major, `threads` per node
  const size_t threads = busy.empty() ? 1 : size_t(e.threads());
  const auto busy_of = [&](int idx, size_t t) { return busy.empty() ? 0.0 : busy[size_t(idx) * threads + t]; };
  nlohmann::json args = {{"nodes", e.order().size()}};
  if (!list_nodes) {
    double total = 0;
    for (int idx : e.order()) total += secs[size_t(idx)];
    args["nodes_aggregated"] = e.order().size();
    args["nodes_total_s"] = total;
  }
  const std::string run_name = unet ? fmt::format("UNet step {}", step) : component;
  events_.complete(pid_, kCpuMainTid, run_name, a, b - a, args);
  // Each pool worker's lane: the run's span (its busy seconds in the run), then its share of
  // every listed node, from the node's start.
  for (size_t w = 1; w < threads; ++w) {
    const int tid = kCpuMainTid + int(w);
    if (named_workers_[pid_] < w) {
      events_.thread_name(pid_, tid, fmt::format("worker {} (thread pool)", w));
      named_workers_[pid_] = w;
    }
    double run_busy = 0;
    for (int idx : e.order()) run_busy += busy_of(idx, w);
    events_.complete(pid_, tid, run_name, a, b - a, {{"busy_s", run_busy}});
  }
  if (!list_nodes) return;
  int64_t at = a;
  for (int idx : e.order()) {
    const Node& n = e.graph().nodes()[size_t(idx)];
    const int64_t dur = std::min<int64_t>(int64_t(secs[size_t(idx)] * 1e9), b - at);
    nlohmann::json node_args = {{"op", std::string(op_name(n.op))}};
    if (!busy.empty()) {
      double cpu = 0;
      for (size_t t = 0; t < threads; ++t) cpu += busy_of(idx, t);
      node_args["pool_cpu_s"] = cpu;
    }
    events_.complete(pid_, kCpuMainTid, n.name, at, dur, node_args);
    for (size_t w = 1; w < threads; ++w)
      if (const int64_t worked = std::min<int64_t>(int64_t(busy_of(idx, w) * 1e9), dur); worked > 0)
        events_.complete(pid_, kCpuMainTid + int(w), n.name, at, worked, {{"op", std::string(op_name(n.op))}});
    at += dur;
  }
}

}  // namespace zoomrt
