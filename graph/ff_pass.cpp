// find_feed_forward_chains (graph/passes.h): match linear -> geglu -> linear [-> add] where each
// link is the only reader of the tensor before it.
#include <vector>

#include "graph/passes.h"

namespace zoomrt {

std::vector<FeedForwardChain> find_feed_forward_chains(const Graph& g) {
  const size_t nt = g.tensors().size();
  // readers[t]: number of node inputs reading t (a node reading t twice counts twice); a graph
  // output counts as one more reader, so it is never an intermediate.
  std::vector<int> readers(nt, 0), reader(nt, -1);
  for (size_t i = 0; i < g.nodes().size(); ++i)
    for (TensorId t : g.nodes()[i].inputs) ++readers[size_t(t)], reader[size_t(t)] = int(i);
  for (TensorId t : g.outputs()) ++readers[size_t(t)];
  // The node that alone reads node i's output, if it is of `op`; -1 otherwise.
  auto only_reader = [&](int i, Op op) {
    const TensorId t = g.nodes()[size_t(i)].output;
    const int r = readers[size_t(t)] == 1 ? reader[size_t(t)] : -1;
    return r >= 0 && g.nodes()[size_t(r)].op == op ? r : -1;
  };
  auto takes_weight = [&](int i) {
    const Node& n = g.nodes()[size_t(i)];
    return n.inputs.size() >= 2 && g.tensor(n.inputs[1]).role == TensorRole::weight;
  };

  std::vector<FeedForwardChain> chains;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (g.nodes()[i].op != Op::linear || !takes_weight(int(i))) continue;
    FeedForwardChain c;
    c.proj = int(i);
    c.geglu = only_reader(c.proj, Op::geglu);
    if (c.geglu < 0) continue;
    c.out = only_reader(c.geglu, Op::linear);
    if (c.out < 0 || g.nodes()[size_t(c.out)].inputs[0] != g.nodes()[size_t(c.geglu)].output || !takes_weight(c.out))
      continue;
    // The add becomes the second GEMM's epilogue: C = (A.B + bias) + residual, the same sum.
    const int add = only_reader(c.out, Op::add);
    if (add >= 0) {
      const Node& a = g.nodes()[size_t(add)];
      const TensorId y = g.nodes()[size_t(c.out)].output;
      const TensorId other = a.inputs[0] == y ? a.inputs[1] : a.inputs[0];
      if (g.tensor(other).shape == g.tensor(y).shape && g.tensor(a.output).shape == g.tensor(y).shape)
        c.residual = add;
    }
    chains.push_back(c);
  }
  return chains;
}

}  // namespace zoomrt
