// Graph rewrites run before execution. Each returns a new graph computing the same outputs
// (same input, weight and output names and shapes); tensor ids change.
#pragma once
#include <vector>

#include "graph/graph.h"

namespace zoomrt {

// Fuses every group_norm whose only consumer is a silu into one group_norm_silu node (inputs
// and attributes of the group_norm, and its name, so per-node reports and the NPU accounting
// keep the module path; the fused op's vector cost covers both). A group_norm whose output is
// also read elsewhere, or is a graph output, is left alone.
Graph fuse_group_norm_silu(const Graph& g);

// How many group_norm -> silu pairs fuse_group_norm_silu would fuse.
int count_group_norm_silu_pairs(const Graph& g);

// Channels-last: the same outputs (names, shapes, values) with the image tensors inside held
// NHWC. conv2d (groups 1), group_norm(_silu), upsample_nearest2x and pad2d get
// Attrs::channels_last; elementwise ops, concat and slice follow their inputs' layout; the
// permutes around the transformers fold away; permutes remain only where the layout must
// change (graph inputs and outputs, ops without a channels-last form). Node names are kept;
// inserted conversions are named "<tensor>.to_nhwc" / "<tensor>.to_nchw". Rules in
// graph/layout_pass.cpp. Run it after fuse_group_norm_silu (it keeps group_norm_silu nodes).
// A graph that already has a channels-last node is returned as it is.
Graph to_channels_last(const Graph& g);

// Permute nodes with perm (0,2,3,1) or (0,3,1,2) (NCHW <-> NHWC moves) in `g`.
int count_layout_permutes(const Graph& g);

// A transformer feed-forward chain, linear (ff.net.0.proj, x[M,C] -> [M,2F]) -> geglu ([M,F])
// -> linear (ff.net.2, -> [M,C]), optionally followed by the residual add that reads its result
// (ff.residual, same shape, no broadcasting). Every op in it computes output row i from input
// row i alone, so the fast path runs the chain in row chunks and never holds the [M,2F] and
// [M,F] intermediates (runtime/exec/ff_chunk.h). Node indices are into g.nodes().
struct FeedForwardChain {
  int proj = -1, geglu = -1, out = -1;
  int residual = -1;  // the add folded into out's epilogue; -1 when out's result is used otherwise
  int last() const { return residual >= 0 ? residual : out; }  // the node whose output the chain gives
};

// Every chain of `g` whose intermediates (proj's and geglu's outputs; out's too when the add is
// folded) have exactly one reader and are not graph outputs, and whose linears take weights (input
// 1 a TensorRole::weight); in node order. A chain whose intermediate is also read elsewhere is
// left out (out's result read twice: the chain is kept without the add). This is an analysis,
// not a rewrite: the graph keeps its nodes (names, weights, per-node reports, NPU accounting).
std::vector<FeedForwardChain> find_feed_forward_chains(const Graph& g);

}  // namespace zoomrt
