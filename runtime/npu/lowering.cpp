// The NPU lowering rules (see npu_lowering.h).
#include "runtime/npu/lowering.h"

#include "runtime/exec/executor.h"

namespace zoomrt {

Graph npu_graph(const Graph& model) { return plan_execution(model, /*fast_kernels=*/true, 0).graph; }

namespace {

bool is_matrix(Op op) { return op == Op::conv2d || op == Op::linear || op == Op::attention; }
bool is_activation(Op op) { return op == Op::silu || op == Op::gelu || op == Op::quick_gelu; }
bool is_layout_permute(const Node& n) {
  return n.op == Op::permute &&
         (n.attrs.perm == std::vector<int>{0, 2, 3, 1} || n.attrs.perm == std::vector<int>{0, 3, 1, 2});
}

}  // namespace

std::vector<NpuNode> lower_for_npu(const Graph& g) {
  const auto& nodes = g.nodes();
  std::vector<int> producer(g.tensors().size(), -1), readers(g.tensors().size(), 0);
  std::vector<char> is_output(g.tensors().size(), 0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    producer[size_t(nodes[i].output)] = int(i);
    for (TensorId t : nodes[i].inputs) ++readers[size_t(t)];
  }
  for (TensorId t : g.outputs()) is_output[size_t(t)] = 1;

  std::vector<NpuNode> out(nodes.size());
  // The matrix node whose output stage produces tensor t (t is a matrix output or the output of
  // an op already fused into one), or -1.
  std::vector<int> stage_of(g.tensors().size(), -1);
  // Whether t may be consumed inside the output stage: one reader, not a graph output.
  const auto private_to_stage = [&](TensorId t) {
    return stage_of[size_t(t)] >= 0 && readers[size_t(t)] == 1 && !is_output[size_t(t)];
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    NpuNode& r = out[i];
    if (is_matrix(n.op)) {
      r.role = NpuRole::matrix;
      stage_of[size_t(n.output)] = int(i);
      continue;
    }
    if (n.op == Op::reshape || is_layout_permute(n)) {
      r.role = NpuRole::free;
      continue;
    }
    int stage = -1;
    TensorId other = -1;
    if (is_activation(n.op) && private_to_stage(n.inputs[0])) {
      stage = stage_of[size_t(n.inputs[0])];
    } else if (n.op == Op::add) {
      const Shape& out_shape = g.tensor(n.output).shape;
      for (int k = 0; k < 2 && stage < 0; ++k) {
        const TensorId mine = n.inputs[size_t(k)], theirs = n.inputs[size_t(1 - k)];
        if (private_to_stage(mine) && g.tensor(mine).shape == out_shape && g.tensor(theirs).shape == out_shape)
          stage = stage_of[size_t(mine)], other = theirs;
      }
    }
    if (stage < 0) continue;  // a vector op
    r.role = NpuRole::fused;
    r.fused_into = stage;
    out[size_t(stage)].epilogue_ops.push_back(n.op);
    if (other >= 0) out[size_t(stage)].epilogue_reads.push_back(other);
    stage_of[size_t(n.output)] = stage;
  }
  return out;
}

}  // namespace zoomrt
