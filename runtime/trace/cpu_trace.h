// `zoomrt zoom --trace`: the CPU side of the timeline (docs/zoom.md). TracingInpainter wraps the
// zoom's inpainter: every inpaint call (one inpainted keyframe) becomes one process (pid =
// keyframe + 1), and on its "main thread" lane the keyframe's span holds one span per executor
// run (text encoder, VAE encoder, UNet step i, VAE decoder), each holding one span per executed
// node in execution order (Executor::node_seconds, laid end to end from the run's start, so a
// node never leaves its run; args: op, pool_cpu_s = CPU seconds inside the thread pool's tasks
// on all threads). Each pool worker has its own lane (tid kCpuMainTid + w, "worker w (thread
// pool)"): the run's span (args busy_s), and per listed node a span from the node's start lasting
// the worker's busy time in it (Executor::node_thread_seconds). Size rule: while the trace is under `node_budget_bytes` (100 MB)
// every run lists its nodes; past it only a keyframe's first UNet step does, the other steps
// keep their own span with "nodes_aggregated" (the count left out) and their nodes' total.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "runtime/diffusion/inpainter.h"
#include "runtime/exec/executor.h"
#include "runtime/trace/trace_events.h"

namespace zoomrt {

constexpr int kCpuMainTid = 1;

class TracingInpainter : public Inpainter {
 public:
  // `seed`: the zoom's --seed (keyframe k is inpainted with seed + k). Sets the executors' run
  // observer until destroyed.
  TracingInpainter(Inpainter& inner, uint64_t seed, size_t node_budget_bytes = size_t(100) << 20);
  ~TracingInpainter() override;
  Image inpaint(const InpaintRequest& req, InpaintTimings* timings) override;

  TraceEvents& events() { return events_; }
  int64_t ns_since_origin(std::chrono::steady_clock::time_point t) const;

 private:
  void on_run(const Executor& e, std::chrono::steady_clock::time_point start,
              std::chrono::steady_clock::time_point end);

  Inpainter& inner_;
  uint64_t seed_;
  size_t budget_;
  TraceEvents events_;
  std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
  int pid_ = 0, unet_step_ = 0;
  std::map<int, size_t> named_workers_;  // by pid: worker lanes named so far
};

// What an executor run computes, from its graph's inputs: "text encoder", "VAE encoder",
// "VAE decoder" or "UNet".
std::string component_of(const Executor& e);

}  // namespace zoomrt
