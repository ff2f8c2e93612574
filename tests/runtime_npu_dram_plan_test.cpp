// The NPU DRAM allocation (runtime/npu/dram_plan.h) on small hand graphs, checked independently:
// lifetimes recomputed here by brute force from the graph (first write .. last read, graph
// outputs to the end) and every pair of tensors live at the same step checked for disjoint
// bytes; a consumer's input operand placed at its producer's output; and the DRAMsim3 trace of
// two consecutive convolutions showing the second reading every burst the first wrote.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "runtime/npu/accounting.h"
#include "runtime/npu/dram_plan.h"
#include "runtime/npu/lowering.h"
#include "scheduler/fused_plan.h"
#include "scheduler/layer.h"
#include "sim/npu_config.h"

using namespace zoomrt;

namespace {

// x -> conv a (3x3) -> silu (fused) -> conv b (3x3, stride 2) -> group norm + silu (vector)
//   -> conv c (1x1) + residual of a reshaped copy ... kept small: every tensor int8.
Graph chain_graph() {
  Graph g;
  TensorId x = g.add_input("x", {1, 8, 16, 16});
  TensorId wa = g.add_weight("a.weight", {16, 8, 3, 3});
  TensorId wb = g.add_weight("b.weight", {16, 16, 3, 3});
  TensorId wc = g.add_weight("c.weight", {16, 16, 1, 1});
  Attrs pad1;
  pad1.pad = 1;
  Attrs s2 = pad1;
  s2.stride = 2;
  TensorId a = g.add_node(Op::conv2d, "a", {x, wa}, pad1);
  TensorId sa = g.add_node(Op::silu, "a_act", {a});
  TensorId b = g.add_node(Op::conv2d, "b", {sa, wb}, s2);
  TensorId sm = g.add_node(Op::softmax, "soft", {b});
  TensorId c = g.add_node(Op::conv2d, "c", {sm, wc});
  TensorId r = g.add_node(Op::add, "res", {c, b});  // b stays live across soft and c
  g.mark_output(r, "out");
  return g;
}

struct Planned {
  Graph g;
  std::vector<NpuNode> lowered;
  std::vector<sched::Layer> layers;
  std::vector<int> layer_of_node;
  NpuDramPlan plan;
};

Planned plan_for(const Graph& model, uint64_t align) {
  Planned p;
  p.g = npu_graph(model);
  p.lowered = lower_for_npu(p.g);
  p.layer_of_node.assign(p.g.nodes().size(), -1);
  const sched::OperandBits bits{8, 8, 8, 32};
  for (size_t i = 0; i < p.g.nodes().size(); ++i) {
    sched::Layer l;
    if (p.lowered[i].role == NpuRole::matrix && matrix_layer_for_node(p.g, p.g.nodes()[i], bits, l)) {
      p.layer_of_node[i] = int(p.layers.size());
      p.layers.push_back(l);
    }
  }
  p.plan = plan_npu_dram(p.g, p.lowered, p.layers, p.layer_of_node, 8, align);
  return p;
}

int node_named(const Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (g.nodes()[i].name == name) return int(i);
  return -1;
}

}  // namespace

TEST_CASE("place_by_liveness: overlapping lifetimes never share bytes, disjoint ones may") {
  // Brute force over every step: the items live at that step are pairwise disjoint.
  std::vector<LiveRange> items = {{5000, 0, 2}, {9000, 1, 3}, {100, 2, 2}, {12000, 3, 5}, {4096, 4, 6}, {1, 0, 6}};
  uint64_t arena = 0;
  const std::vector<uint64_t> off = place_by_liveness(items, 4096, arena);
  auto size = [](uint64_t b) { return (std::max<uint64_t>(b, 1) + 4095) / 4096 * 4096; };
  for (int step = 0; step <= 6; ++step)
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t j = i + 1; j < items.size(); ++j) {
        const bool live = items[i].first <= step && step <= items[i].last && items[j].first <= step && step <= items[j].last;
        if (!live) continue;
        INFO("step " << step << " items " << i << " " << j);
        CHECK((off[i] + items[i].bytes <= off[j] || off[j] + items[j].bytes <= off[i]));
      }
  for (size_t i = 0; i < items.size(); ++i) {
    CHECK(off[i] % 4096 == 0);
    CHECK(off[i] + size(items[i].bytes) <= arena);
  }
  // Items 0 (steps 0-2) and 3 (steps 3-5) never live together: the arena is smaller than the sum.
  uint64_t sum = 0;
  for (const LiveRange& r : items) sum += size(r.bytes);
  CHECK(arena < sum);
}

TEST_CASE("the NPU DRAM allocation: live tensors disjoint, inputs where producers wrote, weights after") {
  const uint64_t align = 4096;
  const Planned p = plan_for(chain_graph(), align);
  const Graph& g = p.g;
  const NpuDramPlan& d = p.plan;
  // Lifetimes by brute force over the lowered graph: a stored tensor is written by the node that
  // makes it and read by every node reading it or (views, fused in-place stages) an alias of it.
  const size_t nn = g.nodes().size();
  std::vector<std::set<int>> live_steps(g.tensors().size());
  for (size_t t = 0; t < g.tensors().size(); ++t) {
    if (d.tensor_addr[t] < 0 || g.tensors()[t].role == TensorRole::weight) continue;
    std::vector<int> touch;
    for (size_t u = 0; u < g.tensors().size(); ++u) {
      if (d.tensor_addr[u] != d.tensor_addr[t] || g.tensors()[u].role == TensorRole::weight) continue;
      for (TensorId in : g.inputs())
        if (size_t(in) == u) touch.push_back(0);
      for (TensorId out : g.outputs())
        if (size_t(out) == u) touch.push_back(int(nn));
      for (size_t i = 0; i < nn; ++i) {
        if (p.lowered[i].role == NpuRole::free) continue;
        const Node& n = g.nodes()[i];
        if (size_t(n.output) == u || std::count(n.inputs.begin(), n.inputs.end(), TensorId(u))) touch.push_back(int(i));
      }
    }
    REQUIRE(!touch.empty());
    const auto [lo, hi] = std::minmax_element(touch.begin(), touch.end());
    for (int s = *lo; s <= *hi; ++s) live_steps[t].insert(s);
  }
  // (Two tensors at the same address are aliases only when checked above: the lifetime covers
  // them all, so an alias pair at one address is not a conflict.)
  size_t pairs = 0;
  for (size_t t = 0; t < g.tensors().size(); ++t)
    for (size_t u = t + 1; u < g.tensors().size(); ++u) {
      if (live_steps[t].empty() || live_steps[u].empty() || d.tensor_addr[t] == d.tensor_addr[u]) continue;
      bool together = false;
      for (int s : live_steps[t]) together = together || live_steps[u].count(s);
      if (!together) continue;
      ++pairs;
      INFO(g.tensors()[t].name << " / " << g.tensors()[u].name);
      const uint64_t at = uint64_t(d.tensor_addr[t]), au = uint64_t(d.tensor_addr[u]);
      CHECK((at + d.tensor_bytes[t] <= au || au + d.tensor_bytes[u] <= at));
    }
  CHECK(pairs >= 4);
  // Matrix nodes' spill regions are live during their node only; they never meet a tensor live then.
  for (size_t i = 0; i < nn; ++i) {
    if (d.spill_addr[i] < 0) continue;
    for (size_t t = 0; t < g.tensors().size(); ++t) {
      if (!live_steps[t].count(int(i))) continue;
      const uint64_t at = uint64_t(d.tensor_addr[t]), as = uint64_t(d.spill_addr[i]);
      CHECK((at + d.tensor_bytes[t] <= as || as + d.spill_bytes[i] <= at));
    }
  }
  // The consumer's input operand base is the producer's output operand base (conv a -> fused silu
  // -> conv b: b's input is where a's output stage wrote).
  const int a = node_named(g, "a"), b = node_named(g, "b"), c = node_named(g, "c");
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  REQUIRE(c >= 0);
  const sched::OperandPlacement &pa = d.operands[size_t(a)], &pb = d.operands[size_t(b)];
  REQUIRE(pa.base.size() == 3);
  REQUIRE(pb.base.size() == 3);
  CHECK(pb.base[0] == pa.base[2]);
  // The vector op between b and c: reads b's output, writes c's input.
  const int soft = node_named(g, "soft");
  REQUIRE(soft >= 0);
  CHECK(uint64_t(d.tensor_addr[size_t(g.nodes()[size_t(soft)].inputs[0])]) == pb.base[2]);
  CHECK(uint64_t(d.tensor_addr[size_t(g.nodes()[size_t(soft)].output)]) == d.operands[size_t(c)].base[0]);
  // Weights after the arena, disjoint, aligned; every base aligned.
  CHECK(d.weight_base >= d.arena_bytes);
  for (int n : {a, b, c}) {
    CHECK(d.operands[size_t(n)].base[1] >= d.weight_base);
    CHECK(d.operands[size_t(n)].base[1] + d.tensor_bytes[size_t(g.nodes()[size_t(n)].inputs[1])] <= d.end);
    for (uint64_t base : d.operands[size_t(n)].base) CHECK(base % align == 0);
  }
  CHECK(d.operands[size_t(a)].base[1] != d.operands[size_t(b)].base[1]);
  // Sizes at the NPU width (int8): conv a's output 16 x 16 x 16 bytes.
  CHECK(d.tensor_bytes[size_t(g.nodes()[size_t(a)].output)] == 16 * 16 * 16);
}

TEST_CASE("the DRAM trace shows the second of two convolutions reading what the first wrote") {
  Graph m;
  TensorId x = m.add_input("x", {1, 8, 16, 16});
  TensorId w1 = m.add_weight("one.weight", {16, 8, 3, 3});
  TensorId w2 = m.add_weight("two.weight", {8, 16, 3, 3});
  Attrs pad1;
  pad1.pad = 1;
  TensorId y = m.add_node(Op::conv2d, "one", {x, w1}, pad1);
  TensorId z = m.add_node(Op::conv2d, "two", {y, w2}, pad1);
  m.mark_output(z, "out");
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  AccountingOptions o;
  o.dtype = SimDtype::int8;
  o.strategy = sched::Strategy::weight_stationary;
  o.max_ranges_per_layer = 0;
  NpuAccountant acc(npu, o);
  std::ostringstream trace;
  acc.set_dram_trace(&trace, 1u << 20);
  acc.account_graph(m, 1, "t");
  REQUIRE(acc.layers().size() == 2);
  const uint64_t n0 = acc.layers()[0].cost.dram.accesses;
  std::istringstream in(trace.str());
  std::string addr, op;
  uint64_t cycle = 0, line = 0;
  std::set<uint64_t> written, read_by_two;
  while (in >> addr >> op >> cycle) {
    const uint64_t a = std::stoull(addr, nullptr, 16);
    if (line < n0 && op == "WRITE") written.insert(a);
    if (line >= n0 && op == "READ") read_by_two.insert(a);
    ++line;
  }
  REQUIRE(line == n0 + acc.layers()[1].cost.dram.accesses);
  // Layer one wrote its int8 output, 16 x 16 x 16 bytes, in whole bursts: one contiguous run.
  const uint64_t burst = uint64_t(npu.dram.burst_bytes), out_bytes = 16 * 16 * 16;
  REQUIRE(written.size() == out_bytes / burst);
  CHECK(*written.rbegin() - *written.begin() == out_bytes - burst);
  // Layer two read every one of those bursts (its input is where layer one wrote it).
  for (uint64_t a : written) CHECK(read_by_two.count(a) == 1);
  // ... and the graph input was not at that address (distinct tensors, distinct bytes).
  std::set<uint64_t> read_by_one;
  std::istringstream again(trace.str());
  for (line = 0; again >> addr >> op >> cycle && line < n0; ++line)
    if (op == "READ") read_by_one.insert(std::stoull(addr, nullptr, 16));
  for (uint64_t a : written) CHECK(read_by_one.count(a) == 0);
}

TEST_CASE("a fused chain layer reads its chain's input and writes its output at the placed addresses") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  const sched::CostContext ctx = sched::cost_context(npu, sim::MacDtype::int8, sched::Objective::energy, false, 0);
  sched::ConvShape a, b;
  a.n = 1, a.c = 8, a.h = 16, a.w = 16, a.k = 16, a.r = 3, a.s = 3, a.pad = 1;
  b.n = 1, b.c = 16, b.h = 16, b.w = 16, b.k = 8, b.r = 3, b.s = 3, b.pad = 1;
  sched::FusedChain chain;
  chain.layers = {sched::make_conv("a", a, {8, 8, 8, 32}), sched::make_conv("b", b, {8, 8, 8, 32})};
  chain.links = {sched::LinkKind::direct};
  const std::optional<sched::FusedChainPlan> plan = sched::best_fused(chain, ctx);
  REQUIRE(plan);
  sched::FusedPlacement at;
  at.input = 0x40000, at.output = 0x80000, at.weights = {0x340000, 0x5c0000};  // none where the own regions would be
  const auto touched = [&](int layer, const sched::FusedPlacement* place) {
    sim::DramModel dram(npu.dram);
    std::ostringstream trace;
    dram.set_trace(&trace, 0, 1.0);
    sched::cost_fused_layer(*plan, layer, ctx, &dram, place);
    dram.set_trace(nullptr, 0, 0);
    std::map<std::string, std::set<uint64_t>> by_op;
    std::istringstream in(trace.str());
    std::string addr, op;
    uint64_t cycle = 0;
    while (in >> addr >> op >> cycle) by_op[op].insert(std::stoull(addr, nullptr, 16));
    return by_op;
  };
  // Layer a reads the input (8 x 16 x 16 bytes) from at.input and its weights from at.weights[0].
  auto ra = touched(0, &at);
  const uint64_t burst = uint64_t(npu.dram.burst_bytes);
  for (uint64_t x = at.input; x < at.input + 8 * 16 * 16; x += burst) CHECK(ra["READ"].count(x) == 1);
  for (uint64_t x = at.weights[0]; x < at.weights[0] + 16 * 8 * 9; x += burst) CHECK(ra["READ"].count(x) == 1);
  CHECK(ra["WRITE"].empty());  // the intermediate stays on chip
  // Layer b: its weights at at.weights[1], its output (8 x 16 x 16 bytes) written at at.output.
  auto rb = touched(1, &at);
  for (uint64_t x = at.weights[1]; x < at.weights[1] + 8 * 16 * 9; x += burst) CHECK(rb["READ"].count(x) == 1);
  REQUIRE(rb["WRITE"].size() == 8 * 16 * 16 / burst);
  CHECK(*rb["WRITE"].begin() == at.output);
  CHECK(*rb["WRITE"].rbegin() == at.output + 8 * 16 * 16 - burst);
  // Without a placement, the chain's own regions from 0: the input at address 0.
  CHECK(touched(0, nullptr)["READ"].count(0) == 1);
}
