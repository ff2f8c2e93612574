#include "graph/graph.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace zoomrt {

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) { return fmt::format("[{}]", fmt::join(s, ",")); }

TensorId Graph::add_input(std::string name, Shape shape, DType dtype) {
  tensors_.push_back({std::move(name), std::move(shape), dtype, TensorRole::input});
  inputs_.push_back(TensorId(tensors_.size() - 1));
  return inputs_.back();
}

TensorId Graph::add_weight(std::string name, Shape shape) {
  tensors_.push_back({std::move(name), std::move(shape), DType::F32, TensorRole::weight});
  weights_.push_back(TensorId(tensors_.size() - 1));
  return weights_.back();
}

TensorId Graph::add_node(Op op, std::string name, std::vector<TensorId> inputs, Attrs attrs) {
  std::vector<Shape> in_shapes;
  for (TensorId t : inputs) {
    if (t < 0 || size_t(t) >= tensors_.size())
      throw std::logic_error(fmt::format("node {}: input id {} does not exist", name, t));
    in_shapes.push_back(tensors_[size_t(t)].shape);
  }
  int arity = op_arity(op);
  if (arity >= 0 && int(inputs.size()) != arity)
    throw std::logic_error(fmt::format("node {} ({}): {} inputs, expected {}", name, op_name(op),
                                       inputs.size(), arity));
  Shape out = infer_shape(op, name, in_shapes, attrs);
  tensors_.push_back({name + ":out", std::move(out), DType::F32, TensorRole::activation});
  TensorId id = TensorId(tensors_.size() - 1);
  nodes_.push_back({op, std::move(name), std::move(inputs), id, std::move(attrs)});
  return id;
}

void Graph::mark_output(TensorId t, std::string name) {
  tensors_[size_t(t)].name = std::move(name);
  outputs_.push_back(t);
}

int64_t Graph::param_count() const {
  int64_t n = 0;
  for (TensorId w : weights_) n += shape_numel(tensors_[size_t(w)].shape);
  return n;
}

std::vector<int> node_producers(const Graph& g) {
  std::vector<int> producer(g.tensors().size(), -1);
  for (size_t i = 0; i < g.nodes().size(); ++i) producer[size_t(g.nodes()[i].output)] = int(i);
  return producer;
}

int64_t node_macs(const Graph& g, const Node& n) {
  const Shape& out = g.tensor(n.output).shape;
  switch (n.op) {
    case Op::conv2d: {
      const Shape& w = g.tensor(n.inputs[1]).shape;  // [k, c/g, r, s]
      return shape_numel(out) * w[1] * w[2] * w[3];
    }
    case Op::linear:
      return shape_numel(out) * g.tensor(n.inputs[1]).shape[1];
    case Op::attention: {
      const Shape& q = g.tensor(n.inputs[0]).shape;  // [b, lq, h*d]
      const Shape& k = g.tensor(n.inputs[1]).shape;
      return 2 * q[0] * q[1] * k[1] * q[2];  // QK^T and PV
    }
    default:
      return 0;
  }
}

}  // namespace zoomrt
