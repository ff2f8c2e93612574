// The simulated NPU timeline of an accounted run as trace events (runtime/trace/trace_events.h),
// for `zoomrt sim --trace` and `zoomrt zoom --trace` (docs/sim_cli.md, docs/zoom.md).
// Each accounted layer row (runtime/npu/accounting.h) is one span on the "NPU compute" lane lasting
// the row's simulated latency (all its executions, or the share of one frame), laid end to end
// in run order, so the lane's spans add up to the run's sim_latency_s. Beside it the "NPU DRAM"
// lane holds the row's DRAM busy time from the same start (cut at the row's end; latency is
// max(compute, DRAM) with double buffering, so the two overlap), and counter tracks give the
// row's clock (MHz) and predicted NPU power (W) from its start on.
#pragma once
#include <cstdint>
#include <string>

#include "runtime/npu/accounting.h"
#include "runtime/trace/trace_events.h"
#include "sim/power.h"

namespace zoomrt {

constexpr int kNpuComputeTid = 101, kNpuDramTid = 102;

// Names the NPU lanes of process `pid`.
void name_npu_lanes(TraceEvents& t, int pid);
// Adds `row` (its result `lr`, every execution of it) divided by `units` (1: the whole row;
// a frame's share otherwise) to process `pid` from `start_s`; returns the row's end.
double add_npu_row(TraceEvents& t, int pid, const AccountedLayer& row, const sim::LayerResult& lr, double units,
                   double start_s);
// Sets both counters of `pid` to 0 at `at_s` (the end of its last row).
void end_npu_counters(TraceEvents& t, int pid, double at_s);

// The whole run of `acc` (`zoomrt sim --trace`): one process per phase in order of first
// appearance (pid 1, 2, ...), its rows on one simulated clock starting at 0.
TraceEvents npu_run_trace(const NpuAccountant& acc);

// Seconds on the simulated clock to trace nanoseconds (the same rounding for every edge, so
// consecutive spans meet exactly).
inline int64_t sim_ns(double s) { return int64_t(s * 1e9 + 0.5); }

}  // namespace zoomrt
