// The simulated NPU timeline as trace events (see npu_trace.h).
#include "runtime/trace/npu_trace.h"

#include <algorithm>
#include <map>

namespace zoomrt {

void name_npu_lanes(TraceEvents& t, int pid) {
  t.thread_name(pid, kNpuComputeTid, "NPU compute (simulated, per layer)");
  t.thread_name(pid, kNpuDramTid, "NPU DRAM (simulated busy time)");
}

double add_npu_row(TraceEvents& t, int pid, const AccountedLayer& row, const sim::LayerResult& lr, double units,
                   double start_s) {
  const double execs = double(row.repeats) / units;
  const double latency_s = lr.latency_s / units;
  const double end_s = start_s + latency_s;
  const int64_t a = sim_ns(start_s), b = sim_ns(end_s);
  const double compute_s = lr.freq_mhz > 0 ? double(row.cost.cycles) * execs / (lr.freq_mhz * 1e6) : 0.0;
  const double dram_s = row.cost.dram_ns * 1e-9 * execs;
  t.complete(pid, kNpuComputeTid, row.name, a, b - a,
             {{"op", row.op},
              {"phase", row.phase},
              {"executions", execs},
              {"latency_s", latency_s},
              {"compute_s", compute_s},
              {"dram_busy_s", dram_s},
              {"strategy", row.strategy},
              {"tile", row.tile}});
  const int64_t dram_ns = std::min<int64_t>(b - a, sim_ns(dram_s));
  if (dram_ns > 0)
    t.complete(pid, kNpuDramTid, row.name, a, dram_ns,
               {{"bytes_read", row.cost.dram.bytes_read * execs}, {"bytes_written", row.cost.dram.bytes_written * execs},
                {"dram_busy_s", dram_s}});
  t.counter(pid, "NPU clock (MHz)", a, lr.freq_mhz);
  t.counter(pid, "NPU power (W)", a, lr.power_w);
  return end_s;
}

void end_npu_counters(TraceEvents& t, int pid, double at_s) {
  t.counter(pid, "NPU clock (MHz)", sim_ns(at_s), 0);
  t.counter(pid, "NPU power (W)", sim_ns(at_s), 0);
}

TraceEvents npu_run_trace(const NpuAccountant& acc) {
  TraceEvents t;
  const sim::RunResult run = acc.run();
  std::map<std::string, int> pid_of;
  std::map<int, double> last_end;
  double at = 0;
  for (size_t i = 0; i < acc.layers().size() && i < run.layers.size(); ++i) {
    const AccountedLayer& row = acc.layers()[i];
    auto [it, fresh] = pid_of.try_emplace(row.phase, int(pid_of.size()) + 1);
    if (fresh) {
      t.process_name(it->second, "NPU " + row.phase);
      name_npu_lanes(t, it->second);
    }
    at = add_npu_row(t, it->second, row, run.layers[i], 1.0, at);
    last_end[it->second] = at;
  }
  for (const auto& [pid, end] : last_end) end_npu_counters(t, pid, end);
  return t;
}

}  // namespace zoomrt
