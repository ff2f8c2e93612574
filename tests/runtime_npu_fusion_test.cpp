// The fused strategy on a lowered graph (runtime/npu/fusion.h): the attention chain
// to_q -> attention -> to_out is found although to_k and to_v sit between to_q and the attention
// in graph order, planned with K and V projected first, and costed without the Q and attention
// output round trips (hand counts), while the rows stay in graph order.
#include <catch2/catch.hpp>

#include <map>

#include "graph/builder.h"
#include "runtime/npu/accounting.h"
#include "runtime/npu/fusion.h"
#include "runtime/npu/lowering.h"
#include "sim/npu_config.h"

using namespace zoomrt;

namespace {

// x [2, 64, 32] -> to_q, to_k, to_v -> attention (2 heads of 16) -> to_out (+ x) -> out.
Graph attention_block() {
  Graph g;
  GraphBuilder b(g);
  const TensorId x = g.add_input("x", {2, 64, 32});
  const TensorId q = b.linear("to_q", x, 32, false);
  const TensorId k = b.linear("to_k", x, 32, false);
  const TensorId v = b.linear("to_v", x, 32, false);
  const TensorId o = b.attention("attn", q, k, v, 2);
  g.mark_output(b.add("residual", x, b.linear("to_out", o, 32, false)), "out");
  return g;
}

}  // namespace

TEST_CASE("the attention chain is found in the lowered graph and planned K and V first", "[npu_fusion]") {
  const Graph g = npu_graph(attention_block());
  const std::vector<NpuNode> lowered = lower_for_npu(g);
  std::vector<int> layer_nodes;
  std::vector<std::string> names;
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (lowered[i].role == NpuRole::matrix) layer_nodes.push_back(int(i)), names.push_back(g.nodes()[i].name);
  REQUIRE(names == std::vector<std::string>{"to_q", "to_k", "to_v", "attn", "to_out"});
  const std::vector<int> order = npu_fusion_order(g, lowered, layer_nodes);
  CHECK(order == std::vector<int>{1, 2, 0, 3, 4});
  std::vector<int> ordered;
  for (int i : order) ordered.push_back(layer_nodes[size_t(i)]);
  const NpuFusionLinks links = npu_fusion_links(g, lowered, ordered);
  using sched::LinkKind;
  CHECK(links.links == std::vector<LinkKind>{LinkKind::none, LinkKind::none, LinkKind::none, LinkKind::attention,
                                             LinkKind::attention});
  // In graph order nothing links to the attention (to_v's output is its third input).
  CHECK(npu_fusion_links(g, lowered, layer_nodes).links[3] == LinkKind::none);
}

TEST_CASE("fused attention chain: Q and the attention output never reach DRAM", "[npu_fusion]") {
  AccountingOptions o;
  o.strategy = sched::Strategy::fused;
  o.objective = sched::Objective::bytes;
  NpuAccountant acc(sim::load_npu("edgetpu-like"), o);
  acc.account_graph(attention_block(), 1, "p");
  std::map<std::string, const AccountedLayer*> row;
  std::vector<std::string> names;
  for (const AccountedLayer& r : acc.layers()) row[r.name] = &r, names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"to_q", "to_k", "to_v", "attn", "to_out"});  // graph order
  for (const char* n : {"to_q", "attn", "to_out"}) CHECK(row[n]->tile.rfind("fused", 0) == 0);
  for (const char* n : {"to_k", "to_v"}) CHECK(row[n]->tile.rfind("fused", 0) != 0);
  // int8: to_q reads x (2 x 64 x 32) and W_q (32 x 32), writes nothing; the attention reads K and V
  // (2 x 64 x 32 each) once, writes nothing; to_out writes the 2 x 64 x 32 output.
  CHECK(row["to_q"]->cost.dram.bytes_read == 2 * 64 * 32 + 32 * 32);
  CHECK(row["to_q"]->cost.dram.bytes_written == 0);
  CHECK(row["attn"]->cost.dram.bytes_read == 2 * 2 * 64 * 32);
  CHECK(row["attn"]->cost.dram.bytes_written == 0);
  CHECK(row["to_out"]->cost.dram.bytes_written == 2 * 64 * 32);
}
