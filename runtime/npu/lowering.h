// NPU lowering: what an NPU compiler would make of the graph the executor runs. The accountant
// (runtime/npu/accounting.h) costs this, not the model as built from config.json.
//
// Start: the graph the executor runs, npu_graph(model) = plan_execution(model, fast_kernels).graph
// without row chunking (a CPU cache schedule that keeps the nodes): its fusion passes
// (group_norm -> silu as one group_norm_silu op) and its channels-last layout (the transformers'
// own NCHW <-> NHWC permutes folded away, as an NPU compiler choosing its layouts would). The
// layout conversions the CPU kernels still need (NCHW <-> NHWC permutes at the graph's edges)
// are undone: free, since an NPU's tensors are in whatever layout its compiler chose.
// tests/runtime_npu_lowering_test.cpp checks the ops against the reference path's graph.
// Then, per node (lower_for_npu):
//   conv2d, linear, attention  matrix ops on the array (bias is an input of the op: free);
//   silu, gelu, quick_gelu     fused into the output stage of the matrix op that produces their
//                              input, when it is that output's only reader and not a graph output;
//   add                        a residual fused into the same output stage when one input is a
//                              matrix op's (or its fused activation's) output read by nothing else,
//                              with the same shape (no broadcasting): the other input is streamed
//                              in from DRAM by the output stage (an epilogue read of the op);
//   reshape                    free (a view); so is a NCHW <-> NHWC permute (a CPU layout);
//   everything else            one vector-unit op (group_norm_silu, layer_norm, softmax, geglu,
//                              concat, upsample, ...): every input read once, the output written.
// Fused ops cost no extra cycles (the post-array activation unit is pipelined with the array: an
// assumption) and no DRAM round trip; the matrix op's row is named after it and its op reads e.g.
// "conv2d+silu+add".
#pragma once
#include <vector>

#include "graph/graph.h"

namespace zoomrt {

Graph npu_graph(const Graph& model);

enum class NpuRole { matrix, vector, fused, free };

struct NpuNode {
  NpuRole role = NpuRole::vector;
  int fused_into = -1;                   // fused: the matrix node's index
  std::vector<Op> epilogue_ops;          // matrix: the fused activations and adds, in order
  std::vector<TensorId> epilogue_reads;  // matrix: residual tensors its output stage reads
};

// One entry per node of g (indexed like g.nodes()).
std::vector<NpuNode> lower_for_npu(const Graph& g);

}  // namespace zoomrt
