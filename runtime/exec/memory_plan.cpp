#include "runtime/exec/memory_plan.h"

#include <algorithm>
#include <stdexcept>

namespace zoomrt {

std::vector<int> topological_order(const Graph& g) {
  const auto& nodes = g.nodes();
  const std::vector<int> producer = node_producers(g);
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> consumers(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    for (TensorId t : nodes[i].inputs)
      if (int p = producer[size_t(t)]; p >= 0) {
        ++pending[i];
        consumers[size_t(p)].push_back(int(i));
      }
  // A min-heap on node index keeps the builder's order whenever it is already valid.
  std::vector<int> ready, order;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.push_back(int(i));
  std::make_heap(ready.begin(), ready.end(), std::greater<>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<>());
    int n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (int c : consumers[size_t(n)])
      if (--pending[size_t(c)] == 0) {
        ready.push_back(c);
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
  }
  if (order.size() != nodes.size()) throw std::logic_error("graph has a cycle");
  return order;
}

std::vector<int> order_for_in_place(const Graph& g, std::vector<int> order, const std::vector<char>& in_place) {
  if (in_place.empty()) return order;
  const std::vector<int> producer = node_producers(g);
  std::vector<std::vector<int>> readers(g.tensors().size());
  for (size_t i = 0; i < g.nodes().size(); ++i)
    for (TensorId t : g.nodes()[i].inputs) readers[size_t(t)].push_back(int(i));
  auto bytes = [&](TensorId t) { return shape_numel(g.tensor(t).shape); };  // (all F32)
  std::vector<int> pos(g.nodes().size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Node& a = g.nodes()[size_t(order[i])];
    if (!in_place[size_t(order[i])] || g.tensor(a.inputs[0]).role != TensorRole::activation) continue;
    for (size_t j = 0; j < order.size(); ++j) pos[size_t(order[j])] = int(j);
    std::vector<int> later;  // readers of input 0 after a, in order
    int64_t later_bytes = 0;
    bool movable = true;
    for (int r : readers[size_t(a.inputs[0])]) {
      if (pos[size_t(r)] <= int(i)) continue;
      later.push_back(r);
      later_bytes += bytes(g.nodes()[size_t(r)].output);
      for (TensorId t : g.nodes()[size_t(r)].inputs)
        movable = movable && (producer[size_t(t)] < 0 || pos[size_t(producer[size_t(t)])] < int(i));
    }
    if (later.empty() || !movable || later_bytes >= bytes(a.inputs[0])) continue;
    std::sort(later.begin(), later.end(), [&](int x, int y) { return pos[size_t(x)] < pos[size_t(y)]; });
    for (size_t k = 0; k < later.size(); ++k)  // k readers already erased before this one
      order.erase(order.begin() + pos[size_t(later[k])] - std::ptrdiff_t(k));
    order.insert(order.begin() + std::ptrdiff_t(i), later.begin(), later.end());
    i += later.size();
  }
  return order;
}

namespace {

// Steps of the first write and last read of every tensor (-1: never stored). A virtual tensor is
// computed inside its reader: reading it reads its producer's inputs.
void lifetimes(const Graph& g, const std::vector<int>& order, const PlanHints& hints, std::vector<int>& first,
               std::vector<int>& last) {
  const std::vector<int> producer = node_producers(g);
  auto is_virtual = [&](TensorId t) { return !hints.virtual_tensor.empty() && hints.virtual_tensor[size_t(t)]; };
  first.assign(g.tensors().size(), -1), last.assign(g.tensors().size(), -1);
  auto read = [&](auto&& self, TensorId t, int step) -> void {
    if (!is_virtual(t)) {
      last[size_t(t)] = std::max(last[size_t(t)], step);
      return;
    }
    for (TensorId u : g.nodes()[size_t(producer[size_t(t)])].inputs) self(self, u, step);
  };
  for (TensorId t : g.inputs()) first[size_t(t)] = 0, last[size_t(t)] = 0;
  for (size_t step = 0; step < order.size(); ++step) {
    const Node& n = g.nodes()[size_t(order[step])];
    if (is_virtual(n.output)) continue;
    first[size_t(n.output)] = int(step);
    last[size_t(n.output)] = std::max(last[size_t(n.output)], int(step));
    for (TensorId t : n.inputs) read(read, t, int(step));
  }
  for (TensorId t : g.outputs()) last[size_t(t)] = int(order.size());
}

size_t aligned(size_t b) { return (b + MemoryPlan::kAlign - 1) / MemoryPlan::kAlign * MemoryPlan::kAlign; }

// What gets bytes: one item per group of tensors sharing storage (an in-place chain) and per
// node scratch (id < 0: scratch of node -id - 1); root[t] is the tensor whose item holds t.
struct Item {
  int id, first, last;
  size_t bytes;
};

std::vector<Item> plan_items(const Graph& g, const std::vector<int>& order, const PlanHints& hints,
                             std::vector<TensorId>& root) {
  const size_t nt = g.tensors().size();
  std::vector<int> first, last;
  lifetimes(g, order, hints, first, last);
  std::vector<size_t> bytes(nt, 0);
  std::vector<char> is_output(nt, 0);
  for (TensorId t : g.outputs()) is_output[size_t(t)] = 1;
  for (size_t t = 0; t < nt; ++t) bytes[t] = aligned(size_t(shape_numel(g.tensors()[t].shape)) * dtype_bytes(g.tensors()[t].dtype));
  root.resize(nt);
  for (size_t t = 0; t < nt; ++t) root[t] = TensorId(t);
  for (size_t step = 0; step < order.size(); ++step) {
    const size_t i = size_t(order[step]);
    const Node& n = g.nodes()[i];
    if (i >= hints.in_place.size() || !hints.in_place[i] || first[size_t(n.output)] != int(step)) continue;
    const TensorId x = n.inputs[0];
    if (g.tensor(x).role == TensorRole::activation && first[size_t(x)] >= 0 && last[size_t(x)] == int(step) &&
        !is_output[size_t(x)] && bytes[size_t(x)] == bytes[size_t(n.output)])
      root[size_t(n.output)] = root[size_t(x)];
  }
  std::vector<Item> items;
  std::vector<int> item_of(nt, -1);
  for (size_t t = 0; t < nt; ++t) {
    if (g.tensors()[t].role == TensorRole::weight || first[t] < 0) continue;
    int& k = item_of[size_t(root[t])];
    if (k < 0) {
      k = int(items.size());
      items.push_back({int(root[t]), first[t], last[t], bytes[t]});
    }
    items[size_t(k)].first = std::min(items[size_t(k)].first, first[t]);  // any member may start the group
    items[size_t(k)].last = std::max(items[size_t(k)].last, last[t]);
  }
  for (size_t step = 0; step < order.size(); ++step) {
    const size_t node = size_t(order[step]);
    if (node < hints.scratch_bytes.size() && hints.scratch_bytes[node] > 0)
      items.push_back({-int(node) - 1, int(step), int(step), aligned(hints.scratch_bytes[node])});
  }
  return items;
}

}  // namespace

MemoryPlan plan_memory(const Graph& g, const std::vector<int>& order, const PlanHints& hints) {
  std::vector<TensorId> root;
  std::vector<Item> items = plan_items(g, order, hints, root);
  // Largest first, each at the lowest offset that does not collide with a placed item whose
  // lifetime overlaps (greedy by size; near-optimal for these chain-like graphs).
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.bytes > b.bytes; });
  MemoryPlan plan;
  plan.offset.assign(g.tensors().size(), -1);
  plan.scratch_offset.assign(g.nodes().size(), -1);
  std::vector<std::pair<const Item*, size_t>> placed;  // item, offset
  std::vector<std::pair<size_t, size_t>> busy;
  for (const Item& it : items) {
    busy.clear();
    for (auto [p, p_off] : placed)
      if (p->first <= it.last && it.first <= p->last) busy.push_back({p_off, p->bytes});
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (auto [b_off, b_len] : busy) {
      if (off + it.bytes <= b_off) break;
      off = std::max(off, b_off + b_len);
    }
    (it.id >= 0 ? plan.offset[size_t(it.id)] : plan.scratch_offset[size_t(-it.id - 1)]) = int64_t(off);
    plan.arena_bytes = std::max(plan.arena_bytes, off + it.bytes);
    placed.push_back({&it, off});
  }
  for (size_t t = 0; t < root.size(); ++t) plan.offset[t] = plan.offset[size_t(root[t])];
  // Peak of live bytes over time: the lower bound any arena must reach.
  std::vector<int64_t> delta(order.size() + 2, 0);
  for (const Item& it : items) {
    delta[size_t(it.first)] += int64_t(it.bytes);
    delta[size_t(it.last) + 1] -= int64_t(it.bytes);
  }
  int64_t live = 0;
  for (int64_t d : delta) {
    live += d;
    plan.peak_live_bytes = std::max(plan.peak_live_bytes, size_t(live));
  }
  return plan;
}

}  // namespace zoomrt
