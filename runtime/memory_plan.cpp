#include "runtime/memory_plan.h"

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

MemoryPlan plan_memory(const Graph& g, const std::vector<int>& order) {
  const size_t nt = g.tensors().size();
  const int end_of_time = int(order.size());
  std::vector<int> first(nt, -1), last(nt, -1);
  for (TensorId t : g.inputs()) first[size_t(t)] = 0, last[size_t(t)] = 0;
  for (size_t step = 0; step < order.size(); ++step) {
    const Node& n = g.nodes()[size_t(order[step])];
    first[size_t(n.output)] = int(step);
    last[size_t(n.output)] = std::max(last[size_t(n.output)], int(step));
    for (TensorId t : n.inputs) last[size_t(t)] = std::max(last[size_t(t)], int(step));
  }
  for (TensorId t : g.outputs()) last[size_t(t)] = end_of_time;

  struct Item {
    TensorId id;
    size_t bytes;
  };
  std::vector<Item> items;
  std::vector<size_t> bytes(nt, 0);
  for (size_t t = 0; t < nt; ++t) {
    const TensorInfo& info = g.tensors()[t];
    if (info.role == TensorRole::weight || first[t] < 0) continue;
    size_t b = size_t(shape_numel(info.shape)) * dtype_bytes(info.dtype);
    bytes[t] = (b + MemoryPlan::kAlign - 1) / MemoryPlan::kAlign * MemoryPlan::kAlign;
    items.push_back({TensorId(t), bytes[t]});
  }
  // Largest first, each at the lowest offset that does not collide with a placed tensor
  // whose lifetime overlaps (greedy by size; near-optimal for these chain-like graphs).
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.bytes > b.bytes; });
  MemoryPlan plan;
  plan.offset.assign(nt, -1);
  std::vector<Item> placed;
  std::vector<std::pair<size_t, size_t>> busy;
  for (const Item& it : items) {
    busy.clear();
    for (const Item& p : placed) {
      bool overlap = first[size_t(p.id)] <= last[size_t(it.id)] && first[size_t(it.id)] <= last[size_t(p.id)];
      if (overlap) busy.push_back({size_t(plan.offset[size_t(p.id)]), p.bytes});
    }
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (auto [b_off, b_len] : busy) {
      if (off + it.bytes <= b_off) break;
      off = std::max(off, b_off + b_len);
    }
    plan.offset[size_t(it.id)] = int64_t(off);
    plan.arena_bytes = std::max(plan.arena_bytes, off + it.bytes);
    placed.push_back(it);
  }
  // Peak of live bytes over time: the lower bound any arena must reach.
  std::vector<int64_t> delta(order.size() + 2, 0);
  for (const Item& it : items) {
    delta[size_t(first[size_t(it.id)])] += int64_t(it.bytes);
    delta[size_t(last[size_t(it.id)]) + 1] -= int64_t(it.bytes);
  }
  int64_t live = 0;
  for (int64_t d : delta) {
    live += d;
    plan.peak_live_bytes = std::max(plan.peak_live_bytes, size_t(live));
  }
  return plan;
}

}  // namespace zoomrt
