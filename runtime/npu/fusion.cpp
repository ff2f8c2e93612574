#include "runtime/npu/fusion.h"

namespace zoomrt {

NpuFusionLinks npu_fusion_links(const Graph& g, const std::vector<NpuNode>& lowered, const std::vector<int>& layer_nodes) {
  const size_t nt = g.tensors().size(), nn = g.nodes().size();
  std::vector<int> readers(nt, 0), reader(nt, -1);
  for (size_t i = 0; i < nn; ++i)
    for (TensorId t : g.nodes()[i].inputs) ++readers[size_t(t)], reader[size_t(t)] = int(i);
  for (TensorId t : g.outputs()) readers[size_t(t)] += 2;  // never on chip only
  // A matrix node's final output: that of the last node fused into its output stage.
  std::vector<TensorId> final_out(nn, -1);
  for (size_t i = 0; i < nn; ++i) {
    if (lowered[i].role == NpuRole::matrix) final_out[i] = g.nodes()[i].output;
    if (lowered[i].role == NpuRole::fused && lowered[i].fused_into >= 0)
      final_out[size_t(lowered[i].fused_into)] = g.nodes()[i].output;
  }
  auto only_reader = [&](TensorId t) { return readers[size_t(t)] == 1 ? reader[size_t(t)] : -1; };
  NpuFusionLinks r;
  r.links.assign(layer_nodes.size(), sched::LinkKind::none);
  r.between.assign(layer_nodes.size(), -1);
  for (size_t li = 1; li < layer_nodes.size(); ++li) {
    const int prev = layer_nodes[li - 1], next = layer_nodes[li];
    const Node& nx = g.nodes()[size_t(next)];
    if (nx.inputs.empty()) continue;
    const int c = only_reader(final_out[size_t(prev)]);
    if (c < 0) continue;
    if (c == next && nx.inputs[0] == final_out[size_t(prev)]) {
      const bool attn = nx.op == Op::attention || g.nodes()[size_t(prev)].op == Op::attention;
      r.links[li] = attn ? sched::LinkKind::attention : sched::LinkKind::direct;
      continue;
    }
    const Node& v = g.nodes()[size_t(c)];
    if (lowered[size_t(c)].role != NpuRole::vector || only_reader(v.output) != next || nx.inputs[0] != v.output) continue;
    if (v.op == Op::group_norm || v.op == Op::group_norm_silu) r.links[li] = sched::LinkKind::group_norm;
    else if (v.op == Op::geglu) r.links[li] = sched::LinkKind::geglu;
    else continue;
    r.between[li] = c;
  }
  return r;
}

std::vector<int> npu_fusion_order(const Graph& g, const std::vector<NpuNode>& lowered,
                                  const std::vector<int>& layer_nodes) {
  const size_t nt = g.tensors().size();
  std::vector<int> readers(nt, 0), producer(nt, -1);
  for (const Node& n : g.nodes())
    for (TensorId t : n.inputs) ++readers[size_t(t)];
  for (TensorId t : g.outputs()) readers[size_t(t)] += 2;
  std::vector<int> pos_of_node(g.nodes().size(), -1);
  for (size_t i = 0; i < layer_nodes.size(); ++i) {
    pos_of_node[size_t(layer_nodes[i])] = int(i);
    if (lowered[size_t(layer_nodes[i])].role == NpuRole::matrix)
      producer[size_t(g.nodes()[size_t(layer_nodes[i])].output)] = int(i);
  }
  // moved_to[i]: the attention layer that layer i (its query projection) now runs just before.
  std::vector<int> moved_to(layer_nodes.size(), -1);
  std::vector<bool> moved(layer_nodes.size(), false);
  for (size_t i = 0; i < layer_nodes.size(); ++i) {
    const Node& a = g.nodes()[size_t(layer_nodes[i])];
    if (a.op != Op::attention || a.inputs.empty()) continue;
    const TensorId q = a.inputs[0];
    const int p = producer[size_t(q)];
    if (p < 0 || size_t(p) + 1 == i || size_t(p) > i || readers[size_t(q)] != 1) continue;
    if (g.nodes()[size_t(layer_nodes[size_t(p)])].op != Op::linear) continue;
    moved[size_t(p)] = true;
    moved_to[i] = p;
  }
  std::vector<int> order;
  for (size_t i = 0; i < layer_nodes.size(); ++i) {
    if (moved[i]) continue;
    if (moved_to[i] >= 0) order.push_back(moved_to[i]);
    order.push_back(int(i));
  }
  return order;
}

}  // namespace zoomrt
