// runtime/trace/cpu_trace.h: TracingInpainter turns every executor run inside an inpaint call into
// a span holding one span per executed node, and past its size budget keeps only each
// keyframe's first UNet step in full (the others: their span, with the count of nodes left out).
// A fake inpainter runs a three-node chain (a "UNet": its input is neither input_ids, image nor
// latents) five times per call.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "graph/builder.h"
#include "runtime/exec/executor.h"
#include "runtime/trace/cpu_trace.h"

namespace {
using namespace zoomrt;
using nlohmann::json;

Graph chain() {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, 64});
  x = b.silu("a", x);
  x = b.silu("b", x);
  x = b.silu("c", x);
  g.mark_output(x, "y");
  return g;
}

struct ChainInpainter : Inpainter {
  Executor& ex;
  explicit ChainInpainter(Executor& e) : ex(e) {}
  Image inpaint(const InpaintRequest& req, InpaintTimings*) override {
    HostTensor x;
    x.shape = {1, 64};
    x.f32.assign(64, 0.5f);
    for (int i = 0; i < 5; ++i) ex.run({{"x", x}});
    return *req.image;
  }
};

// Per (pid, step name): the node spans that follow the step's span in file order, and its args.
struct Step {
  int nodes = 0;
  json args;
};
std::map<std::pair<int, std::string>, Step> steps_of(const std::string& path) {
  const json ev = json::parse(std::ifstream(path))["traceEvents"];
  std::map<std::pair<int, std::string>, Step> steps;
  std::map<int, std::string> current;
  for (const json& e : ev) {
    if (e["ph"] != "X") continue;
    const int pid = e["pid"];
    const std::string name = e["name"];
    if (name.rfind("UNet step ", 0) == 0) {
      current[pid] = name;
      steps[{pid, name}].args = e["args"];
    } else if (name.rfind("keyframe ", 0) == 0) {
      current.erase(pid);
    } else if (current.count(pid)) {
      ++steps[{pid, current[pid]}].nodes;
    }
  }
  return steps;
}

std::string run_traced(size_t budget, const std::string& file) {
  ThreadPool pool(1);
  Executor ex(chain(), [](std::string_view) -> const TensorView* { return nullptr; }, "test", pool);
  ChainInpainter inner(ex);
  const std::string path = "/tmp/zoomrt_runtime_trace_" + std::to_string(::getpid()) + "_" + file;
  {
    TracingInpainter t(inner, 100, budget);
    Image img;
    Mask mask;
    InpaintRequest req;
    req.image = &img;
    req.mask = &mask;
    for (uint64_t k = 0; k < 2; ++k) {
      req.seed = 100 + k;
      t.inpaint(req, nullptr);
    }
    t.events().write(path);
  }
  return path;
}

}  // namespace

TEST_CASE("TracingInpainter lists every node of every step under its budget") {
  const auto steps = steps_of(run_traced(size_t(100) << 20, "full.json"));
  REQUIRE(steps.size() == 2 * 5);
  for (const auto& [key, s] : steps) {
    INFO("pid " << key.first << " " << key.second);
    CHECK(s.nodes == 3);
    CHECK(s.args["nodes"] == 3);
    CHECK(!s.args.contains("nodes_aggregated"));
  }
}

TEST_CASE("TracingInpainter past its budget keeps each keyframe's first UNet step in full") {
  const auto steps = steps_of(run_traced(0, "aggregated.json"));
  REQUIRE(steps.size() == 2 * 5);
  for (const auto& [key, s] : steps) {
    INFO("pid " << key.first << " " << key.second);
    const bool first = key.second == "UNet step 0";
    CHECK(s.nodes == (first ? 3 : 0));
    CHECK(s.args.contains("nodes_aggregated") == !first);
    if (!first) CHECK(s.args["nodes_aggregated"] == 3);
  }
}
