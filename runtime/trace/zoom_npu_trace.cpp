// The simulated NPU side of `zoomrt zoom --trace` (see zoom_npu_trace.h).
#include "runtime/trace/zoom_npu_trace.h"

#include <fmt/format.h>

#include "runtime/npu/accounting.h"
#include "runtime/npu/workload.h"
#include "runtime/npu/zoom_sim.h"
#include "runtime/trace/npu_trace.h"

namespace zoomrt {

void add_zoom_npu_timeline(TraceEvents& t, const ZoomOptions& opts, const ZoomGeometry& g) {
  if (!opts.sim.enabled) return;
  // The accounting of simulate_zoom (runtime/npu/zoom_sim.cpp), option for option.
  const ZoomSimOptions o = sim_options_of(opts);
  const AccountingOptions ao = accounting_options_of(o);
  NpuAccountant acc(o.npu ? *o.npu : sim::load_npu("phone-npu"), ao);
  const ZoomWorkload w = zoom_workload({opts.model.model_dir, opts.model.scheduler, opts.model.steps}, g,
                                       zoom_frame_work(opts, g), sim_operand_bits(ao.dtype).input);
  const std::vector<RowRange> rows = account_workload(acc, w);
  const sim::RunResult run = acc.run();
  for (size_t f = 0; f < w.frame_groups.size(); ++f) {
    const int pid = kNpuFramePidBase + int(f);
    t.process_name(pid, fmt::format("frame {} (NPU, simulated)", f));
    name_npu_lanes(t, pid);
    double at = 0;
    for (size_t gi : w.frame_groups[f])
      for (size_t i = rows[gi].first; i < rows[gi].end; ++i)
        at = add_npu_row(t, pid, acc.layers()[i], run.layers[i], double(w.groups[gi].units), at);
    end_npu_counters(t, pid, at);
  }
}

}  // namespace zoomrt
