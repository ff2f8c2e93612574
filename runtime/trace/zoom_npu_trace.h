// `zoomrt zoom --trace`: the simulated NPU side of the timeline (docs/zoom.md). The zoom's run
// is accounted again exactly as runtime/npu/zoom_sim.cpp accounts it for stats.json (same
// options, workload and rows), and every output frame becomes one process (pid
// kNpuFramePidBase + frame, zoom-out order) whose NPU lanes (runtime/trace/npu_trace.h) hold the
// rows of the groups that frame uses, each its share (latency / the group's units), on a
// simulated clock from 0: a frame's compute spans add up to its stats.json sim.sim_latency_s.
#pragma once
#include "runtime/trace/trace_events.h"
#include "runtime/zoom/zoom.h"

namespace zoomrt {

constexpr int kNpuFramePidBase = 10000;

// Nothing when opts.sim is off.
void add_zoom_npu_timeline(TraceEvents& t, const ZoomOptions& opts, const ZoomGeometry& g);

}  // namespace zoomrt
