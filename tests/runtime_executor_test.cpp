// Executor and memory planner on small hand-built graphs: liveness arena (peak computed by
// hand, also with in-place nodes and the reordering that lets them write over their input),
// weights bound by name with precise errors, results equal to direct kernel calls; the
// channels-last rewrite (graph/passes.h) computing the NCHW graph's outputs on the fixture model.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "graph/builder.h"
#include "graph/passes.h"
#include "runtime/exec/executor.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"

using namespace zoomrt;

namespace {

// A chain x -> silu -> silu -> silu on [1, 64] floats: at most two tensors of 256 bytes are
// live at once (a node's input and output), so the peak is 512 bytes.
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

struct FakeWeights {
  std::vector<std::pair<std::string, std::vector<float>>> store;
  std::vector<TensorView> views;
  void add(const std::string& name, Shape shape, float value) {
    store.push_back({name, std::vector<float>(size_t(shape_numel(shape)), value)});
    TensorView v;
    v.name = name;
    v.dtype = DType::F32;
    v.shape = std::vector<int64_t>(shape.begin(), shape.end());
    v.data = reinterpret_cast<const uint8_t*>(store.back().second.data());
    v.nbytes = store.back().second.size() * 4;
    views.push_back(v);
  }
  WeightLookup lookup() const {
    return [this](std::string_view n) -> const TensorView* {
      for (const auto& v : views)
        if (v.name == n) return &v;
      return nullptr;
    };
  }
};

}  // namespace

TEST_CASE("liveness arena: a chain needs two buffers, and results are right") {
  Graph g = chain();
  MemoryPlan plan = plan_memory(g, topological_order(g));
  CHECK(plan.peak_live_bytes == 512);
  CHECK(plan.arena_bytes == 512);
  ThreadPool pool(1);
  FakeWeights none;
  Executor ex(chain(), none.lookup(), "test", pool);
  HostTensor x;
  x.shape = {1, 64};
  for (int i = 0; i < 64; ++i) x.f32.push_back(float(i) / 8 - 4);
  auto out = ex.run({{"x", x}});
  for (int i = 0; i < 64; ++i) {
    double v = x.f32[size_t(i)];
    for (int k = 0; k < 3; ++k) v = v / (1 + std::exp(-v));
    CHECK(out.at("y").f32[size_t(i)] == Approx(v).epsilon(1e-6));
  }
}

TEST_CASE("weights are bound by name, missing or misshapen tensors are named") {
  auto build = [] {
    Graph g;
    GraphBuilder b(g);
    TensorId x = g.add_input("x", {2, 3});
    g.mark_output(b.linear("proj", x, 4), "y");
    return g;
  };
  ThreadPool pool(1);
  FakeWeights w;
  w.add("proj.weight", {4, 3}, 0.5f);
  try {
    Executor ex(build(), w.lookup(), "model/unet", pool);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "model/unet: missing tensor 'proj.bias'");
  }
  FakeWeights bad;
  bad.add("proj.weight", {3, 4}, 0.5f);
  bad.add("proj.bias", {4}, 1.0f);
  try {
    Executor ex(build(), bad.lookup(), "model/unet", pool);
    FAIL("expected InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "model/unet: tensor 'proj.weight' has shape [3,4], expected [4,3]");
  }
  w.add("proj.bias", {4}, 1.0f);
  Executor ex(build(), w.lookup(), "model/unet", pool);
  HostTensor x;
  x.shape = {2, 3};
  x.f32 = {1, 2, 3, 4, 5, 6};
  auto y = ex.run({{"x", x}}).at("y").f32;
  CHECK(y == std::vector<float>{4, 4, 4, 4, 8.5f, 8.5f, 8.5f, 8.5f});  // 0.5 * row sum + 1
  HostTensor wrong;
  wrong.shape = {3, 2};
  wrong.f32 = x.f32;
  CHECK_THROWS_WITH(ex.run({{"x", wrong}}), "input 'x' has shape [3,2], expected [2,3]");
}

TEST_CASE("topological order keeps the builder order when it is valid") {
  Graph g = chain();
  auto order = topological_order(g);
  CHECK(order == std::vector<int>{0, 1, 2});
}

namespace {

// Runs `g` on the sd2_tiny fixture's weights and the inputs the reference script saved for `file`.
std::map<std::string, HostTensor> run_fixture(Graph g, Component c, const char* file, bool fast_kernels) {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/" + file + ".safetensors");
  std::map<std::string, HostTensor> inputs;
  for (TensorId t : g.inputs()) inputs[g.tensor(t).name] = HostTensor::from_view(io.at(g.tensor(t).name));
  DiffusersDir d = DiffusersDir::open(dir);
  WeightSource ws = d.weights(component_folder(c));
  ThreadPool pool(2);
  Executor ex(std::move(g), with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(),
              pool, ExecOptions{fast_kernels, Precision{}});
  return ex.run(inputs);
}

Graph fixture_graph(Component c, const char* file) {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/" + file + ".safetensors");
  std::map<std::string, Shape> shapes;
  for (const TensorView& t : io.tensors()) shapes[t.name] = Shape(t.shape.begin(), t.shape.end());
  return build_component(load_model_configs(dir), c, shapes);
}

// max |a - b| / max(1, max |a|) over all outputs (same names and sizes required).
double relative_difference(const std::map<std::string, HostTensor>& a, const std::map<std::string, HostTensor>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (const auto& [name, ta] : a) {
    const HostTensor& tb = b.at(name);
    REQUIRE(ta.shape == tb.shape);
    double max_a = 0, max_d = 0;
    for (size_t i = 0; i < ta.f32.size(); ++i) {
      max_a = std::max(max_a, std::abs(double(ta.f32[i])));
      max_d = std::max(max_d, std::abs(double(ta.f32[i]) - double(tb.f32[i])));
    }
    REQUIRE(max_a > 0.1);  // the fixture exercises the path
    worst = std::max(worst, max_d / std::max(1.0, max_a));
  }
  return worst;
}

}  // namespace

TEST_CASE("the channels-last graph gives the NCHW graph's outputs (UNet, VAE encoder and decoder)") {
  const std::pair<Component, const char*> cases[] = {
      {Component::unet, "unet"}, {Component::vae_encoder, "vae_encoder"}, {Component::vae_decoder, "vae_decoder"}};
  for (auto [c, file] : cases) {
    INFO(file);
    const Graph g = fixture_graph(c, file);
    const Graph cl = to_channels_last(fuse_group_norm_silu(g));
    REQUIRE(count_layout_permutes(cl) <= 3);  // edges only (tests/graph_passes_test.cpp)
    // Reference kernels on both (the flagged nodes run through their NCHW reference form).
    const auto want = run_fixture(g, c, file, false);
    const auto got = run_fixture(cl, c, file, false);
    CHECK(relative_difference(want, got) <= 1e-5);
    // The fast path rewrites the graph itself and runs NHWC kernels: held to the parity budget
    // (tests/runtime_parity_test.cpp) against the NCHW reference.
    CHECK(relative_difference(want, run_fixture(g, c, file, true)) <= 1e-4);
  }
}

TEST_CASE("in-place nodes take their input's bytes once a smaller later reader is moved ahead") {
  // x [1,16] -> cat = [x,x,x,x] -> h = silu(cat) -> a = silu(h); b = h[:, 0:16] (a later reader
  // of h), c = a[:, 16:32]; y = b + c. Sizes: 64 B for 16 floats, 256 B for 64.
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, 16});
  Attrs cat_axis;
  cat_axis.axis = 1;
  TensorId cat = b.op(Op::concat, "cat", {x, x, x, x}, cat_axis);
  TensorId h = b.silu("s1", cat);
  TensorId a = b.silu("s2", h);
  Attrs first, second;
  first.axis = second.axis = 1;
  first.len = second.len = 16;
  second.start = 16;
  TensorId lo = b.op(Op::slice, "lo", {h}, first);
  TensorId hi = b.op(Op::slice, "hi", {a}, second);
  g.mark_output(b.add("sum", lo, hi), "y");
  // Node by node in builder order, no sharing: h, a and lo live together at "lo": 576 B.
  CHECK(plan_memory(g, topological_order(g)).peak_live_bytes == 256 + 256 + 64);
  PlanHints hints;
  hints.in_place = {0, 1, 1, 0, 0, 0};  // the silus
  // In place but in builder order: s2 is not h's last reader ("lo" is), so only s1 shares.
  CHECK(plan_memory(g, topological_order(g), hints).peak_live_bytes == 256 + 256 + 64);
  // "lo" (64 B < h's 256 B, its input ready) moves ahead of s2; cat, h and a then share one
  // buffer; peak at "hi": that buffer + lo + hi.
  const std::vector<int> order = order_for_in_place(g, topological_order(g), hints.in_place);
  CHECK(order == std::vector<int>{0, 1, 3, 2, 4, 5});
  const MemoryPlan plan = plan_memory(g, order, hints);
  CHECK(plan.peak_live_bytes == 256 + 64 + 64);
  CHECK(plan.offset[size_t(h)] == plan.offset[size_t(cat)]);
  CHECK(plan.offset[size_t(a)] == plan.offset[size_t(cat)]);
  // The fast path plans this way (silu's kernel may write over its input) and still computes
  // y = silu(x) + silu(silu(x)).
  ThreadPool pool(1);
  FakeWeights none;
  Executor ex(g, none.lookup(), "test", pool);
  CHECK(ex.order() == order);
  CHECK(ex.memory_plan().peak_live_bytes == plan.peak_live_bytes);
  HostTensor in;
  in.shape = {1, 16};
  for (int i = 0; i < 16; ++i) in.f32.push_back(float(i) / 2 - 4);
  const std::vector<float> y = ex.run({{"x", in}}).at("y").f32;
  REQUIRE(y.size() == 16);
  for (int i = 0; i < 16; ++i) {
    const double v = in.f32[size_t(i)], s = v / (1 + std::exp(-v));
    CHECK(y[size_t(i)] == Approx(s + s / (1 + std::exp(-s))).epsilon(1e-6));
  }
}
