// Chrome trace-event JSON (the format https://ui.perfetto.dev and chrome://tracing open):
// {"traceEvents": [...], "displayTimeUnit": "ms"} with "X" complete events (ts, dur in
// microseconds), "C" counter events and "M" metadata events naming processes and threads.
// Events are kept as JSON text (one line each), so a trace of millions of events costs its
// size in memory, not a JSON tree; bytes() says how large the file will be.
// Times are given in integer nanoseconds and written as microseconds with three decimals, so
// a child whose [start, end) lies inside its parent's in nanoseconds stays inside in the file.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"

namespace zoomrt {

class TraceEvents {
 public:
  void process_name(int pid, const std::string& name);
  void thread_name(int pid, int tid, const std::string& name);
  // An "X" span [start_ns, start_ns + dur_ns) on lane (pid, tid); `args` an object or null.
  void complete(int pid, int tid, const std::string& name, int64_t start_ns, int64_t dur_ns,
                const nlohmann::json& args = nullptr);
  // A "C" counter sample: track `name` of process `pid` takes `value` from `at_ns` on.
  void counter(int pid, const std::string& name, int64_t at_ns, double value);

  size_t events() const { return events_; }
  size_t bytes() const { return text_.size() + 64; }
  // Writes the file atomically (base/atomic_file.h); InputError naming `path` on failure.
  void write(const std::string& path) const;
  // The same into a file opened earlier (a bad path refused before the work), then committed.
  void write(AtomicFile& f) const;

 private:
  void add(const nlohmann::json& e);
  std::string text_;  // the events, comma separated
  size_t events_ = 0;
};

}  // namespace zoomrt
