// `zoomrt zoom --trace`: the simulated NPU side of the timeline (docs/zoom.md), drawn from the
// accounting stats.json's figures came from (ZoomResult::npu_run, runtime/npu/zoom_sim.h): every
// output frame becomes one process (pid kNpuFramePidBase + frame, zoom-out order) whose NPU lanes
// (runtime/trace/npu_trace.h) hold the rows of the groups that frame uses, each its share
// (latency / the group's units), on a simulated clock from 0: a frame's compute spans add up to
// its stats.json sim.sim_latency_s.
#pragma once
#include "runtime/trace/trace_events.h"
#include "runtime/npu/zoom_sim.h"

namespace zoomrt {

constexpr int kNpuFramePidBase = 10000;

void add_zoom_npu_timeline(TraceEvents& t, const ZoomSimRun& accounted);

}  // namespace zoomrt
