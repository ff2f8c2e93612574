// `zoomrt zoom --trace` and `zoomrt sim --trace` (runtime/trace/): the file is Chrome trace-event
// JSON with every event complete (ph, ts, pid, tid; dur on spans), the spans of each (pid, tid)
// lane nest (checked with a stack after sorting by start), the NPU counters carry numbers, the
// NPU compute spans of each frame add up to the simulated latency the same run reports
// (stats.json, sim --json), and every UNet step lists as many nodes as the executor runs of the
// UNet graph built here (plan_execution). A bad --trace path is one line and exit 2.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "runtime/exec/executor.h"
#include "runtime/model/embedded_model.h"
#include "runtime/model/model.h"

namespace {
using nlohmann::json;
using namespace zoomrt;

std::string scratch() {
  static const std::string d = [] {
    std::string p = "/tmp/zoomrt_cli_trace_" + std::to_string(::getpid());
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
  }();
  return d;
}

constexpr int kNpuComputeTid = 101;

// Every event's fields; spans of one lane nest; returns the events.
json check_structure(const std::string& path) {
  const json doc = json::parse(read_text(path));
  REQUIRE(doc.contains("traceEvents"));
  const json& ev = doc["traceEvents"];
  REQUIRE(ev.size() > 0);
  // In whole nanoseconds (the file's three decimals of a microsecond), so that a span starting
  // where another ends is not taken for an overlap by binary rounding of ts + dur.
  std::map<std::pair<int, int>, std::vector<std::pair<int64_t, int64_t>>> lanes;
  const auto ns = [](const json& v) { return int64_t(std::llround(v.get<double>() * 1000)); };
  int counters = 0;
  for (const json& e : ev) {
    INFO(e.dump());
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("ts"));
    REQUIRE(e.contains("pid"));
    REQUIRE(e.contains("tid"));
    REQUIRE(e["ts"].is_number());
    const std::string ph = e["ph"];
    CHECK((ph == "X" || ph == "C" || ph == "M"));
    if (ph == "X") {
      REQUIRE(e.contains("dur"));
      REQUIRE(e["dur"].is_number());
      CHECK(e["dur"].get<double>() >= 0);
      lanes[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back({ns(e["ts"]), ns(e["dur"])});
    }
    if (ph == "C") {
      ++counters;
      REQUIRE(e["args"].is_object());
      REQUIRE(e["args"].size() == 1);
      CHECK(e["args"].begin()->is_number());
    }
  }
  CHECK(counters > 0);
  for (auto& [lane, spans] : lanes) {
    // Parents first at equal starts (the longer span), then contained children.
    std::stable_sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<int64_t> open_ends;
    for (const auto& [ts, dur] : spans) {
      while (!open_ends.empty() && ts >= open_ends.back()) open_ends.pop_back();
      INFO("pid " << lane.first << " tid " << lane.second << " span at " << ts << " for " << dur);
      if (!open_ends.empty()) CHECK(ts + dur <= open_ends.back());  // inside its parent
      open_ends.push_back(ts + dur);
    }
  }
  return ev;
}

// Sum of the NPU compute spans per pid, in seconds.
std::map<int, double> npu_seconds(const json& ev) {
  std::map<int, double> s;
  for (const json& e : ev)
    if (e["ph"] == "X" && e["tid"] == kNpuComputeTid) s[e["pid"].get<int>()] += e["dur"].get<double>() * 1e-6;
  return s;
}

}  // namespace

TEST_CASE("zoom --trace: CPU nodes per UNet step and the NPU timeline of every frame") {
  const std::string dir = scratch() + "/zoom", trace = scratch() + "/zoom.json";
  const CliResult r = run_cli("zoom --out " + dir + " --prompt forest --keyframes 3 --frames-between 1 --width 64 "
                              "--height 64 --steps 3 --threads 2 --no-video --quiet --trace " + trace);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const json ev = check_structure(trace);

  // The UNet's executed nodes, counted from the graph the executor would run.
  const ModelConfigs m = load_model_configs(embedded_model_dir());
  const size_t unet_nodes =
      plan_execution(build_component_for_image(m, Component::unet, 64, 64), true).order.size();
  REQUIRE(unet_nodes > 0);
  // The CPU lane in file order: a UNet step's span, then its nodes, each within the step.
  const auto is_component = [](const std::string& n) {
    return n.rfind("UNet step ", 0) == 0 || n.rfind("keyframe ", 0) == 0 || n == "text encoder" ||
           n == "VAE encoder" || n == "VAE decoder";
  };
  int steps = 0;
  std::map<int, std::pair<int64_t, int64_t>> open_step;  // by pid: the step being counted
  std::map<int, size_t> nodes;
  const auto close = [&](int pid) {
    if (!open_step.count(pid)) return;
    INFO("UNet step of pid " << pid);
    CHECK(nodes[pid] == unet_nodes);
    open_step.erase(pid);
  };
  for (const json& e : ev) {
    if (e["ph"] != "X" || e["tid"] != 1) continue;
    const int pid = e["pid"];
    const std::string name = e["name"];
    const int64_t ts = std::llround(e["ts"].get<double>() * 1000), dur = std::llround(e["dur"].get<double>() * 1000);
    if (is_component(name)) {
      close(pid);
      if (name.rfind("UNet step ", 0) == 0) {
        ++steps;
        open_step[pid] = {ts, ts + dur};
        nodes[pid] = 0;
      }
    } else if (open_step.count(pid)) {
      ++nodes[pid];
      CHECK(ts >= open_step[pid].first);
      CHECK(ts + dur <= open_step[pid].second);
    }
  }
  for (int pid : {1, 2, 3}) close(pid);
  CHECK(steps == 3 * 4);  // 3 keyframes (keyframe 0 is generated too), PNDM: steps + 1 UNet calls

  // --threads 2: the pool's worker has its own lane (tid 2) per keyframe. Each of its spans sits
  // where a span of the same name sits on the executor's lane (tid 1), starting with it and no
  // longer: the run spans exactly, the node spans for the worker's busy time in that node.
  std::map<std::tuple<int, std::string, int64_t>, int64_t> main_spans;  // (pid, name, ts) -> dur
  const auto ns = [](const json& v) { return int64_t(std::llround(v.get<double>() * 1000)); };
  for (const json& e : ev)
    if (e["ph"] == "X" && e["tid"] == 1) main_spans[{e["pid"].get<int>(), e["name"], ns(e["ts"])}] = ns(e["dur"]);
  std::set<int> worker_named;
  size_t worker_runs = 0, worker_nodes = 0;
  for (const json& e : ev) {
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["tid"] == 2) {
      CHECK(e["args"]["name"] == "worker 1 (thread pool)");
      worker_named.insert(e["pid"].get<int>());
    }
    if (e["ph"] != "X" || e["tid"] != 2) continue;
    INFO(e.dump());
    const auto it = main_spans.find({e["pid"].get<int>(), e["name"], ns(e["ts"])});
    REQUIRE(it != main_spans.end());
    CHECK(ns(e["dur"]) <= it->second);
    if (e["args"].contains("busy_s")) {
      ++worker_runs;
      CHECK(ns(e["dur"]) == it->second);
      CHECK(e["args"]["busy_s"].get<double>() >= 0);
    } else {
      ++worker_nodes;
      CHECK(ns(e["dur"]) > 0);
    }
  }
  CHECK(worker_named == std::set<int>{1, 2, 3});
  size_t runs = 0;  // executor runs on the main lanes: components other than the keyframe spans
  for (const json& e : ev)
    runs += e["ph"] == "X" && e["tid"] == 1 && is_component(e["name"]) && e["name"].get<std::string>().rfind("keyframe ", 0) != 0;
  CHECK(runs >= 3 * 4);
  CHECK(worker_runs == runs);
  CHECK(worker_nodes > 0);  // the worker did part of the UNet's convolutions

  // Each frame's NPU compute spans add up to its stats.json figure.
  const json stats = json::parse(read_text(dir + "/stats.json"));
  const auto npu = npu_seconds(ev);
  REQUIRE(npu.size() == stats["frames"].size());
  size_t f = 0;
  for (const auto& [pid, s] : npu) {
    const double want = stats["frames"][f++]["sim"]["sim_latency_s"].get<double>();
    INFO("frame pid " << pid);
    CHECK(s == Approx(want).epsilon(1e-6).margin(1e-8));
  }
}

TEST_CASE("sim --trace: the NPU compute spans add up to sim_latency_s") {
  const std::string trace = scratch() + "/sim.json";
  const CliResult r = run_cli("sim --model tiny --width 64 --height 64 --steps 3 --json --no-layers --trace " + trace);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const json s = json::parse(r.out);
  const json ev = check_structure(trace);
  double total = 0;
  for (const auto& [pid, sec] : npu_seconds(ev)) total += sec;
  CHECK(total == Approx(s["sim_latency_s"].get<double>()).epsilon(1e-6));
  // One process per phase, named.
  int named = 0;
  for (const json& e : ev) named += e["ph"] == "M" && e["name"] == "process_name";
  CHECK(named == int(s["phases"].size()));
}

TEST_CASE("zoom and sim with a trace path in a missing folder: one line naming --trace, exit 2") {
  const std::string bad = scratch() + "/no/such/dir/t.json";
  for (const std::string& cmd :
       {"sim --model tiny --width 64 --height 64 --steps 3 --trace " + bad,
        "zoom --prompt x --out " + scratch() + "/bad --keyframes 2 --frames-between 0 --width 64 --height 64 --steps 1 "
        "--no-video --quiet --trace " + bad}) {
    const CliResult r = run_cli(cmd);
    INFO(cmd << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("--trace: ") != std::string::npos);
    CHECK(r.err.find("t.json") != std::string::npos);
    CHECK(!std::filesystem::exists(bad));
  }
}
