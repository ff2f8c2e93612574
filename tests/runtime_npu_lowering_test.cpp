// The NPU lowering (runtime/npu/lowering.h): the graph the executor runs, less its CPU-only
// layout rewrites; activations and residual adds fused into the producing matrix op's output
// stage only when nothing else reads the intermediate; and the accountant costing exactly that
// (one row per matrix op with its epilogue, the residual streamed in once).
#include <catch2/catch.hpp>

#include <map>

#include "graph/passes.h"
#include "runtime/exec/executor.h"
#include "runtime/model/model.h"
#include "runtime/npu/accounting.h"
#include "runtime/npu/lowering.h"
#include "sim/npu_config.h"

using namespace zoomrt;

namespace {

// x -> conv -> silu -> add(skip) -> group_norm; and x -> conv2 whose output is read twice.
Graph residual_graph() {
  Graph g;
  const TensorId x = g.add_input("x", {1, 8, 16, 16});
  const TensorId skip = g.add_input("skip", {1, 16, 16, 16});
  const TensorId w = g.add_weight("conv.weight", {16, 8, 3, 3});
  const TensorId gamma = g.add_weight("norm.weight", {16}), beta = g.add_weight("norm.bias", {16});
  Attrs a;
  a.pad = 1;
  const TensorId y = g.add_node(Op::conv2d, "conv", {x, w}, a);
  const TensorId z = g.add_node(Op::silu, "act", {y});
  const TensorId r = g.add_node(Op::add, "residual", {z, skip});
  Attrs gn;
  gn.groups = 4;
  g.mark_output(g.add_node(Op::group_norm, "norm", {r, gamma, beta}, gn), "out");
  const TensorId w2 = g.add_weight("conv2.weight", {16, 8, 3, 3});
  const TensorId y2 = g.add_node(Op::conv2d, "conv2", {x, w2}, a);
  const TensorId s2 = g.add_node(Op::silu, "act2", {y2});
  g.mark_output(g.add_node(Op::add, "twice", {y2, s2}), "out2");  // y2 read twice: nothing fuses
  return g;
}

std::map<Op, int> op_counts(const Graph& g) {
  std::map<Op, int> m;
  for (const Node& n : g.nodes()) ++m[n.op];
  return m;
}

}  // namespace

TEST_CASE("lowering: activation and residual fuse into the conv only when private", "[lowering]") {
  const Graph g = residual_graph();
  const std::vector<NpuNode> l = lower_for_npu(g);
  REQUIRE(l.size() == g.nodes().size());
  CHECK(l[0].role == NpuRole::matrix);
  CHECK(l[0].epilogue_ops == std::vector<Op>{Op::silu, Op::add});
  CHECK(l[0].epilogue_reads == std::vector<TensorId>{1});  // "skip"
  CHECK(l[1].role == NpuRole::fused);
  CHECK(l[1].fused_into == 0);
  CHECK(l[2].role == NpuRole::fused);
  CHECK(l[3].role == NpuRole::vector);  // group_norm
  CHECK(l[4].role == NpuRole::matrix);  // conv2: its output has two readers
  CHECK(l[4].epilogue_ops.empty());
  CHECK(l[5].role == NpuRole::vector);
  CHECK(l[6].role == NpuRole::vector);
}

TEST_CASE("the accountant costs the lowering: one row per matrix op, the residual read once", "[lowering]") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  AccountingOptions o;
  o.strategy = sched::Strategy::weight_stationary;
  o.objective = sched::Objective::bytes;
  NpuAccountant acc(npu, o);
  acc.account_graph(residual_graph(), 1, "p");
  std::vector<std::string> ops;
  for (const AccountedLayer& r : acc.layers()) ops.push_back(r.op);
  CHECK(ops == std::vector<std::string>{"conv2d+silu+add", "group_norm", "conv2d", "silu", "add"});
  // conv: input 8x16x16 + weights 16x8x3x3 (int8) read once + the 16x16x16 residual; output once.
  const AccountedLayer& conv = acc.layers()[0];
  CHECK(conv.cost.dram.bytes_read == 8 * 16 * 16 + 16 * 8 * 9 + 16 * 16 * 16);
  CHECK(conv.cost.dram.bytes_written == 16 * 16 * 16);
}

TEST_CASE("the NPU graph is the executor's graph: same ops as the reference path, layout permutes free",
          "[lowering]") {
  const ModelConfigs m = load_model_configs("tiny");
  for (Component c : {Component::unet, Component::vae_decoder}) {
    const Graph model = build_component_for_image(m, c, 64, 64);
    const Graph g = npu_graph(model);
    const Graph ref = plan_execution(model, /*fast_kernels=*/false).graph;
    INFO(component_name(c));
    std::map<Op, int> a = op_counts(g), b = op_counts(ref);
    CHECK(a[Op::group_norm_silu] == count_group_norm_silu_pairs(model));
    CHECK(a[Op::group_norm_silu] > 0);
    CHECK(count_layout_permutes(g) > 0);  // the CPU kernels' NHWC conversions at the edges
    for (Op free : {Op::permute, Op::reshape}) a.erase(free), b.erase(free);  // views and layouts
    CHECK(a == b);
    // Every layout permute lowers to nothing; the matrix layers are the reference graph's.
    const std::vector<NpuNode> l = lower_for_npu(g);
    for (size_t i = 0; i < g.nodes().size(); ++i)
      if (g.nodes()[i].op == Op::permute) CHECK(l[i].role == NpuRole::free);
    std::vector<std::string> la, lb;
    for (const Graph* gr : {&g, &ref})
      for (const Node& n : gr->nodes()) {
        sched::Layer layer;
        if (matrix_layer_for_node(*gr, n, {}, layer)) (gr == &g ? la : lb).push_back(layer.shape_key());
      }
    CHECK(la == lb);
  }
}
