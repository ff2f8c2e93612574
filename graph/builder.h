// Layer helpers shared by the model builders. Each helper creates its weights under the
// module path it is given, with the exact state-dict names diffusers/transformers use
// ("<path>.weight", "<path>.bias"), and returns the output tensor.
#pragma once
#include <string>

#include "graph/graph.h"

namespace zoomrt {

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& g) : g_(g) {}
  Graph& graph() { return g_; }
  const Shape& shape(TensorId t) const { return g_.tensor(t).shape; }

  // nn.Conv2d(cin, cout, k, stride, padding) with bias.
  TensorId conv(const std::string& path, TensorId x, int cout, int k, int stride = 1, int pad = 0);
  // nn.Linear(in, out) applied to the last dim.
  TensorId linear(const std::string& path, TensorId x, int out, bool bias = true);
  TensorId group_norm(const std::string& path, TensorId x, int groups, float eps);
  TensorId layer_norm(const std::string& path, TensorId x, float eps);

  TensorId op(Op op, const std::string& name, std::vector<TensorId> in, Attrs a = {}) {
    return g_.add_node(op, name, std::move(in), std::move(a));
  }
  TensorId silu(const std::string& name, TensorId x) { return op(Op::silu, name, {x}); }
  TensorId add(const std::string& name, TensorId a, TensorId b) { return op(Op::add, name, {a, b}); }
  TensorId reshape(const std::string& name, TensorId x, Shape s);
  TensorId permute(const std::string& name, TensorId x, std::vector<int> perm);
  TensorId attention(const std::string& name, TensorId q, TensorId k, TensorId v, int heads, bool causal = false);

  // [n,c,h,w] <-> [n,h*w,c]
  TensorId nchw_to_tokens(const std::string& name, TensorId x);
  TensorId tokens_to_nchw(const std::string& name, TensorId x, int64_t h, int64_t w);

 private:
  Graph& g_;
};

}  // namespace zoomrt
