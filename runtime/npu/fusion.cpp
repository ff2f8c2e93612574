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
      r.links[li] = sched::LinkKind::direct;
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

}  // namespace zoomrt
