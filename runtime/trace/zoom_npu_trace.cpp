// The simulated NPU side of `zoomrt zoom --trace` (see zoom_npu_trace.h).
#include "runtime/trace/zoom_npu_trace.h"

#include <fmt/format.h>

#include "runtime/trace/npu_trace.h"

namespace zoomrt {

void add_zoom_npu_timeline(TraceEvents& t, const ZoomSimRun& a) {
  const ZoomWorkload& w = a.workload;
  for (size_t f = 0; f < w.frame_groups.size(); ++f) {
    const int pid = kNpuFramePidBase + int(f);
    t.process_name(pid, fmt::format("frame {} (NPU, simulated)", f));
    name_npu_lanes(t, pid);
    double at = 0;
    for (size_t gi : w.frame_groups[f])
      for (size_t i = a.rows[gi].first; i < a.rows[gi].end; ++i)
        at = add_npu_row(t, pid, a.acc.layers()[i], a.run.layers[i], double(w.groups[gi].units), at);
    end_npu_counters(t, pid, at);
  }
}

}  // namespace zoomrt
