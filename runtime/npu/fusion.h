// Which neighbouring matrix layers of an NPU-lowered graph (runtime/npu/lowering.h) the `fused`
// strategy may chain (scheduler/fusion.h), and through what:
//   direct      the producer's output (after its fused epilogue: activation, residual add) is
//               read only by the next matrix layer, as its input
//   group_norm  ... read only by a group_norm or group_norm_silu node whose output is read only by
//               the next matrix layer (resnet blocks: conv1 -> norm2 + SiLU -> conv2)
//   geglu       ... read only by a geglu node whose output is read only by the next matrix layer
//               (the transformer feed-forward: proj -> GEGLU -> out)
//   attention   a linear's output read only by an attention node, as its queries (input 0), or an
//               attention's output read only by the next linear (Q projection -> attention ->
//               output projection; see scheduler/fusion.h)
// A tensor that is also a graph output, or read twice (a skip connection), never links.
// The graphs run to_q, to_k, to_v, attention, to_out: the query projection is not the attention's
// neighbour. npu_fusion_order gives the order the fused strategy plans them in: each such query
// projection moved to just before its attention (legal: nothing between reads its output), so K and
// V are projected first over the whole sequence and the chain to_q -> attention -> to_out is
// contiguous.
#pragma once
#include <vector>

#include "graph/graph.h"
#include "runtime/npu/lowering.h"
#include "scheduler/fusion.h"

namespace zoomrt {

struct NpuFusionLinks {
  std::vector<sched::LinkKind> links;  // per layer: the link from the previous layer (links[0] none)
  std::vector<int> between;            // per layer: the vector node on that link, or -1
};

// layer_nodes: the graph node of each matrix layer, in order.
NpuFusionLinks npu_fusion_links(const Graph& g, const std::vector<NpuNode>& lowered, const std::vector<int>& layer_nodes);

// A permutation of 0..layer_nodes.size()-1 (position -> layer index): graph order with each linear
// whose output is read only by an attention node, as its queries, moved to just before it.
std::vector<int> npu_fusion_order(const Graph& g, const std::vector<NpuNode>& lowered,
                                  const std::vector<int>& layer_nodes);

}  // namespace zoomrt
