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

}  // namespace zoomrt
