// Which neighbouring matrix layers of an NPU-lowered graph (runtime/npu/lowering.h) the `fused`
// strategy may chain (scheduler/fusion.h), and through what:
//   direct      the producer's output (after its fused epilogue: activation, residual add) is
//               read only by the next matrix layer, as its input
//   group_norm  ... read only by a group_norm or group_norm_silu node whose output is read only by
//               the next matrix layer (resnet blocks: conv1 -> norm2 + SiLU -> conv2)
//   geglu       ... read only by a geglu node whose output is read only by the next matrix layer
//               (the transformer feed-forward: proj -> GEGLU -> out)
// A tensor that is also a graph output, or read twice (a skip connection), never links.
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

}  // namespace zoomrt
