// The graph IR: tensors (shape, dtype, role) and ops with typed attributes. Building a node
// only links its inputs and infers its output shape; nothing is computed until a runtime runs
// the graph. Nodes are appended in a valid topological order (inputs exist before use).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/ops.h"
#include "kernels/dtype.h"

namespace zoomrt {

using Shape = std::vector<int64_t>;
using TensorId = int;

int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[2,4,64,64]"

enum class TensorRole { input, weight, activation };

struct TensorInfo {
  std::string name;  // weights: the diffusers/transformers state-dict name
  Shape shape;
  DType dtype = DType::F32;
  TensorRole role = TensorRole::activation;
};

// One struct for all ops' attributes; each op reads only the fields its line in ops.h names.
struct Attrs {
  int stride = 1, pad = 0, groups = 1;  // conv2d
  // conv2d (groups 1), group_norm(_silu), upsample_nearest2x, pad2d: the image tensor x and the
  // output are NHWC [n,h,w,c] instead of NCHW (graph/layout_pass.cpp sets it; weights unchanged).
  bool channels_last = false;
  int pads[4] = {0, 0, 0, 0};           // pad2d: top, bottom, left, right
  int heads = 1;                        // attention
  bool causal = false;
  float scale = 1.0f, shift = 0.0f;     // attention (scale), scale_shift
  float eps = 1e-5f;                    // norms
  float lo = 0.0f, hi = 0.0f;           // clamp
  int axis = 0;                         // concat, slice
  int64_t start = 0, len = 0;           // slice
  std::vector<int> perm;                // permute
  Shape shape;                          // reshape
  int dim = 0;                          // timestep_embedding
  bool flip_sin_to_cos = false;
  float freq_shift = 0.0f;
};

struct Node {
  Op op;
  std::string name;  // the module path it comes from, e.g. "down_blocks.0.resnets.1.conv1"
  std::vector<TensorId> inputs;
  TensorId output = -1;
  Attrs attrs;
};

class Graph {
 public:
  TensorId add_input(std::string name, Shape shape, DType dtype = DType::F32);
  TensorId add_weight(std::string name, Shape shape);
  // Appends a node; infers and records its output's shape (throws std::logic_error on a
  // builder bug such as mismatched shapes: graphs built from validated configs never do).
  TensorId add_node(Op op, std::string name, std::vector<TensorId> inputs, Attrs attrs = {});
  void mark_output(TensorId t, std::string name);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo& tensor(TensorId t) const { return tensors_[size_t(t)]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<TensorId>& inputs() const { return inputs_; }
  const std::vector<TensorId>& weights() const { return weights_; }
  const std::vector<TensorId>& outputs() const { return outputs_; }
  int64_t param_count() const;

 private:
  std::vector<TensorInfo> tensors_;
  std::vector<Node> nodes_;
  std::vector<TensorId> inputs_, weights_, outputs_;
};

// Output shape of `op` on inputs of the given shapes; std::logic_error naming the node if they
// do not fit.
Shape infer_shape(Op op, const std::string& node_name, const std::vector<Shape>& in, const Attrs& a);

// producer[t]: index in g.nodes() of the node whose output is tensor t; -1 for inputs and weights.
std::vector<int> node_producers(const Graph& g);

// Multiply-accumulates the node performs (0 for ops without MACs).
int64_t node_macs(const Graph& g, const Node& n);

}  // namespace zoomrt
