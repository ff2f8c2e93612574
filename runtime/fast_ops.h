// The fast CPU path of the executor: linear, conv2d and attention nodes run on the packed, blocked,
// vectorised kernels of kernels/gemm and kernels/conv instead of the reference loops. Weights
// are packed once when the executor binds them. Every other op (and grouped convolution)
// stays on the reference kernels. The fast kernels are deterministic for any thread count,
// like the reference ones, but round differently (tests hold both to the same budgets).
#pragma once
#include <functional>
#include <memory>

#include "graph/graph.h"
#include "kernels/attention/attention_f32.h"
#include "kernels/conv/conv.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt {

struct FastNode {
  PackedGemmB gemm;         // linear: w [n, k]
  PackedConvWeights conv;   // conv2d: w [k, c, r, s], groups 1
  bool attention = false;   // attention: kernels/attention (no weights to pack)
};

// Packs the node's weight when a fast kernel covers the node; nullptr otherwise.
std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n,
                                            const std::function<const float*(TensorId)>& weight);

// Runs a node prepared by prepare_fast_node.
void run_fast_node(const Graph& g, const Node& n, const FastNode& f, const std::function<void*(TensorId)>& ptr,
                   ThreadPool& pool);

}  // namespace zoomrt
