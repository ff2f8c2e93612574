// Chrome trace-event JSON, built as text (see trace_events.h).
#include "runtime/trace/trace_events.h"

#include <fmt/format.h>

#include "base/atomic_file.h"

namespace zoomrt {
namespace {

// Nanoseconds as microseconds with three decimals, exactly (no binary rounding).
std::string micros(int64_t ns) {
  const uint64_t a = ns < 0 ? uint64_t(-ns) : uint64_t(ns);
  return fmt::format("{}{}.{:03}", ns < 0 ? "-" : "", a / 1000, a % 1000);
}

}  // namespace

void TraceEvents::add(const nlohmann::json& e) {
  if (events_ > 0) text_ += ",\n";
  text_ += e.dump();
  ++events_;
}

void TraceEvents::process_name(int pid, const std::string& name) {
  add({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0}, {"ts", 0}, {"args", {{"name", name}}}});
  add({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"tid", 0}, {"ts", 0},
       {"args", {{"sort_index", pid}}}});
}

void TraceEvents::thread_name(int pid, int tid, const std::string& name) {
  add({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid}, {"ts", 0}, {"args", {{"name", name}}}});
}

void TraceEvents::complete(int pid, int tid, const std::string& name, int64_t start_ns, int64_t dur_ns,
                           const nlohmann::json& args) {
  // ts and dur are spliced in as text so that they keep their three exact decimals.
  nlohmann::json e = {{"ph", "X"}, {"name", name}, {"pid", pid}, {"tid", tid}};
  if (!args.is_null()) e["args"] = args;
  std::string s = e.dump();
  s.pop_back();  // the closing brace
  s += ",\"ts\":" + micros(start_ns) + ",\"dur\":" + micros(dur_ns < 0 ? 0 : dur_ns) + "}";
  if (events_ > 0) text_ += ",\n";
  text_ += s;
  ++events_;
}

void TraceEvents::counter(int pid, const std::string& name, int64_t at_ns, double value) {
  nlohmann::json e = {{"ph", "C"}, {"name", name}, {"pid", pid}, {"tid", 0}, {"args", {{name, value}}}};
  std::string s = e.dump();
  s.pop_back();
  s += ",\"ts\":" + micros(at_ns) + "}";
  if (events_ > 0) text_ += ",\n";
  text_ += s;
  ++events_;
}

void TraceEvents::write(const std::string& path) const {
  AtomicFile f(path);
  write(f);
}

void TraceEvents::write(AtomicFile& f) const {
  f.write("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
  f.write(text_);
  f.write("\n]}\n");
  f.commit();
}

}  // namespace zoomrt
