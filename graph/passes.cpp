// Graph rewrites: rebuild the graph through its public API, walking tensors in id order (the
// order they were created in, so every node's inputs exist before it).
#include "graph/passes.h"

#include <vector>

namespace zoomrt {
namespace {

// fused[i]: node i is a silu whose input comes from a group_norm that only it reads.
std::vector<char> fusable_silus(const Graph& g, const std::vector<int>& producer) {
  const size_t nt = g.tensors().size();
  std::vector<int> consumers(nt, 0);
  std::vector<char> is_output(nt, 0);
  for (const Node& n : g.nodes())
    for (TensorId t : n.inputs) ++consumers[size_t(t)];
  for (TensorId t : g.outputs()) is_output[size_t(t)] = 1;
  std::vector<char> fused(g.nodes().size(), 0);
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& n = g.nodes()[i];
    if (n.op != Op::silu) continue;
    const TensorId x = n.inputs[0];
    const int p = producer[size_t(x)];
    fused[i] = p >= 0 && g.nodes()[size_t(p)].op == Op::group_norm && consumers[size_t(x)] == 1 &&
               !is_output[size_t(x)];
  }
  return fused;
}

}  // namespace

int count_group_norm_silu_pairs(const Graph& g) {
  int count = 0;
  for (char f : fusable_silus(g, node_producers(g))) count += f;
  return count;
}

Graph fuse_group_norm_silu(const Graph& g) {
  const std::vector<int> producer = node_producers(g);
  const std::vector<char> fused = fusable_silus(g, producer);
  const size_t nt = g.tensors().size();
  std::vector<char> skip(g.nodes().size(), 0);  // group norms folded into their silu
  for (size_t i = 0; i < fused.size(); ++i)
    if (fused[i]) skip[size_t(producer[size_t(g.nodes()[i].inputs[0])])] = 1;

  Graph out;
  std::vector<TensorId> map(nt, -1);
  auto mapped = [&](const std::vector<TensorId>& ids) {
    std::vector<TensorId> r;
    for (TensorId t : ids) r.push_back(map[size_t(t)]);
    return r;
  };
  for (size_t t = 0; t < nt; ++t) {
    const TensorInfo& info = g.tensor(TensorId(t));
    if (info.role == TensorRole::input) {
      map[t] = out.add_input(info.name, info.shape, info.dtype);
    } else if (info.role == TensorRole::weight) {
      map[t] = out.add_weight(info.name, info.shape);
    } else if (producer[t] >= 0 && !skip[size_t(producer[t])]) {
      const Node& n = g.nodes()[size_t(producer[t])];
      if (fused[size_t(producer[t])]) {
        const Node& gn = g.nodes()[size_t(producer[size_t(n.inputs[0])])];
        map[t] = out.add_node(Op::group_norm_silu, gn.name, mapped(gn.inputs), gn.attrs);
      } else {
        map[t] = out.add_node(n.op, n.name, mapped(n.inputs), n.attrs);
      }
    }
  }
  for (TensorId t : g.outputs()) out.mark_output(map[size_t(t)], g.tensor(t).name);
  return out;
}

}  // namespace zoomrt
