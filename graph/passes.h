// Graph rewrites run before execution. Each returns a new graph computing the same outputs
// (same input, weight and output names and shapes); tensor ids change.
#pragma once
#include "graph/graph.h"

namespace zoomrt {

// Fuses every group_norm whose only consumer is a silu into one group_norm_silu node (inputs
// and attributes of the group_norm, and its name, so per-node reports and the NPU accounting
// keep the module path; the fused op's vector cost covers both). A group_norm whose output is
// also read elsewhere, or is a graph output, is left alone.
Graph fuse_group_norm_silu(const Graph& g);

// How many group_norm -> silu pairs fuse_group_norm_silu would fuse.
int count_group_norm_silu_pairs(const Graph& g);

}  // namespace zoomrt
