// graph/passes.h: group_norm -> silu fusion on a ResNet block (both pairs fused, names and the
// output kept) and the cases it must leave alone (norm output read twice, or a graph output).
#include <catch2/catch.hpp>

#include "graph/builder.h"
#include "graph/models.h"
#include "graph/passes.h"

using namespace zoomrt;

namespace {

int count_op(const Graph& g, Op op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

}  // namespace

TEST_CASE("group norm + silu pairs of a ResNet block are fused, names and outputs kept") {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {2, 64, 8, 8});
  TensorId t = g.add_input("temb", {2, 128});
  TensorId y = resnet_block(b, "blk", x, t, 32, 32, 1e-5f);
  g.mark_output(y, "out");
  REQUIRE(count_group_norm_silu_pairs(g) == 2);  // norm1 -> act1, norm2 -> act2 (time_act reads temb)

  const Graph f = fuse_group_norm_silu(g);
  CHECK(f.nodes().size() == g.nodes().size() - 2);
  CHECK(count_op(f, Op::group_norm) == 0);
  CHECK(count_op(f, Op::group_norm_silu) == 2);
  CHECK(count_op(f, Op::silu) == 1);  // the time embedding's
  for (const Node& n : f.nodes())
    if (n.op == Op::group_norm_silu) CHECK((n.name == "blk.norm1" || n.name == "blk.norm2"));
  REQUIRE(f.outputs().size() == 1);
  CHECK(f.tensor(f.outputs()[0]).name == "out");
  CHECK(f.tensor(f.outputs()[0]).shape == Shape{2, 32, 8, 8});
  CHECK(f.weights().size() == g.weights().size());
  CHECK(f.param_count() == g.param_count());
  CHECK(count_group_norm_silu_pairs(f) == 0);
}

TEST_CASE("a group norm read by more than the silu, or marked as output, is not fused") {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, 8, 4, 4});
  TensorId n1 = b.group_norm("n1", x, 4, 1e-5f);
  TensorId s1 = b.silu("s1", n1);
  g.mark_output(b.add("sum", n1, s1), "sum");  // n1 has two readers
  TensorId n2 = b.group_norm("n2", x, 4, 1e-5f);
  g.mark_output(b.silu("s2", n2), "s2");
  g.mark_output(n2, "n2_out");  // n2 is itself an output
  CHECK(count_group_norm_silu_pairs(g) == 0);
  const Graph f = fuse_group_norm_silu(g);
  CHECK(f.nodes().size() == g.nodes().size());
  CHECK(count_op(f, Op::group_norm_silu) == 0);
  CHECK(f.outputs().size() == 3);
}
