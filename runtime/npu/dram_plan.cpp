#include "runtime/npu/dram_plan.h"

#include <algorithm>
#include <numeric>

#include "scheduler/loop_nest.h"
#include "sim/address_mapping.h"

namespace zoomrt {

namespace {
uint64_t round_up(uint64_t v, uint64_t a) { return a ? (v + a - 1) / a * a : v; }
uint64_t bytes_at_bits(int64_t elements, int bits) { return (uint64_t(elements) * uint64_t(bits) + 7) / 8; }
}  // namespace

std::vector<uint64_t> place_by_liveness(const std::vector<LiveRange>& items, uint64_t align, uint64_t& arena_bytes) {
  std::vector<size_t> by_size(items.size());
  std::iota(by_size.begin(), by_size.end(), size_t(0));
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](size_t a, size_t b) { return items[a].bytes > items[b].bytes; });
  std::vector<uint64_t> offset(items.size(), 0);
  std::vector<size_t> placed;
  arena_bytes = 0;
  for (size_t i : by_size) {
    const LiveRange& it = items[i];
    const uint64_t size = round_up(std::max<uint64_t>(it.bytes, 1), align);
    // The live neighbours' intervals, by offset: take the first gap that holds `size`.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t j : placed)
      if (items[j].first <= it.last && it.first <= items[j].last)
        busy.push_back({offset[j], offset[j] + round_up(std::max<uint64_t>(items[j].bytes, 1), align)});
    std::sort(busy.begin(), busy.end());
    uint64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (at + size <= lo) break;
      at = std::max(at, hi);
    }
    offset[i] = at;
    placed.push_back(i);
    arena_bytes = std::max(arena_bytes, at + size);
  }
  return offset;
}

uint64_t dram_row_align(const sim::DramConfig& c) {
  const sim::AddressMapping m(c);
  const int top = m.field_shift(sim::AddrField::co) + m.field_bits(sim::AddrField::co);
  return std::max<uint64_t>(4096, uint64_t(1) << top);
}

NpuDramPlan plan_npu_dram(const Graph& g, const std::vector<NpuNode>& lowered, const std::vector<sched::Layer>& layers,
                          const std::vector<int>& layer_of_node, int act_bits, uint64_t align) {
  const auto& nodes = g.nodes();
  const size_t nt = g.tensors().size(), nn = nodes.size();
  const std::vector<int> producer = node_producers(g);
  NpuDramPlan plan;
  plan.align = align;
  // Views and in-place output stages share their source's bytes: root[t] holds t.
  std::vector<TensorId> root(nt);
  std::iota(root.begin(), root.end(), TensorId(0));
  for (size_t i = 0; i < nn; ++i) {
    const Node& n = nodes[i];
    if (lowered[i].role == NpuRole::free) {
      root[size_t(n.output)] = root[size_t(n.inputs[0])];
    } else if (lowered[i].role == NpuRole::fused) {
      for (TensorId t : n.inputs) {  // the input coming out of the same output stage
        const int p = producer[size_t(t)];
        if (p >= 0 && (p == lowered[i].fused_into || lowered[size_t(p)].fused_into == lowered[i].fused_into)) {
          root[size_t(n.output)] = root[size_t(t)];
          break;
        }
      }
    }
  }
  // Lifetimes of the roots, in node steps.
  plan.first.assign(nt, -1), plan.last.assign(nt, -1);
  const auto live = [&](TensorId t, int step) {
    const size_t r = size_t(root[size_t(t)]);
    if (g.tensor(TensorId(r)).role == TensorRole::weight) return;
    plan.first[r] = plan.first[r] < 0 ? step : std::min(plan.first[r], step);
    plan.last[r] = std::max(plan.last[r], step);
  };
  for (TensorId t : g.inputs()) live(t, 0);
  for (size_t i = 0; i < nn; ++i) {
    if (lowered[i].role == NpuRole::free) continue;
    live(nodes[i].output, int(i));
    for (TensorId t : nodes[i].inputs) live(t, int(i));
  }
  for (TensorId t : g.outputs()) live(t, int(nn));
  // Items: the activation roots, then one spill region per matrix node.
  std::vector<LiveRange> items;
  std::vector<TensorId> item_tensor;
  plan.tensor_bytes.assign(nt, 0);
  for (size_t t = 0; t < nt; ++t) {
    if (root[t] != TensorId(t) || plan.first[t] < 0) continue;
    plan.tensor_bytes[t] = bytes_at_bits(shape_numel(g.tensors()[t].shape), act_bits);
    items.push_back({plan.tensor_bytes[t], plan.first[t], plan.last[t]});
    item_tensor.push_back(TensorId(t));
  }
  plan.spill_addr.assign(nn, -1), plan.spill_bytes.assign(nn, 0);
  plan.operands.assign(nn, {});
  std::vector<sched::LoopNest> nests(nn);
  std::vector<size_t> spill_item(nn, 0);
  for (size_t i = 0; i < nn; ++i) {
    if (layer_of_node.size() <= i || layer_of_node[i] < 0) continue;
    nests[i] = sched::make_loop_nest(layers[size_t(layer_of_node[i])]);
    for (const sched::Operand& op : nests[i].operands) {
      if (op.role == sched::Role::input) continue;
      int64_t elems = 1;
      for (const sched::Axis& a : op.axes) elems *= a.extent;
      plan.spill_bytes[i] += round_up(uint64_t(sched::bytes_of(elems, op.bits_milli)), align);
    }
    spill_item[i] = items.size();
    items.push_back({plan.spill_bytes[i], int(i), int(i)});
    item_tensor.push_back(-1);
  }
  const std::vector<uint64_t> off = place_by_liveness(items, align, plan.arena_bytes);
  plan.tensor_addr.assign(nt, -1);
  for (size_t k = 0; k < items.size(); ++k)
    if (item_tensor[k] >= 0) plan.tensor_addr[size_t(item_tensor[k])] = int64_t(off[k]);
  for (size_t i = 0; i < nn; ++i)
    if (!nests[i].operands.empty()) plan.spill_addr[i] = int64_t(off[spill_item[i]]);
  // Weights after the arena, in order of first use; a matrix node's at its weight operand's bits.
  plan.weight_base = plan.end = round_up(plan.arena_bytes, align);
  for (size_t i = 0; i < nn; ++i) {
    for (size_t k = 0; k < nodes[i].inputs.size(); ++k) {
      const TensorId t = nodes[i].inputs[k];
      if (g.tensor(t).role != TensorRole::weight || plan.tensor_addr[size_t(t)] >= 0) continue;
      const int64_t elems = shape_numel(g.tensor(t).shape);
      uint64_t bytes = bytes_at_bits(elems, act_bits);
      if (!nests[i].operands.empty() && k < nests[i].operands.size() && nests[i].operands[k].role == sched::Role::input)
        bytes = uint64_t(sched::bytes_of(elems, nests[i].operands[k].bits_milli));
      plan.tensor_addr[size_t(t)] = int64_t(plan.end);
      plan.tensor_bytes[size_t(t)] = bytes;
      plan.end = round_up(plan.end + std::max<uint64_t>(bytes, 1), align);
    }
  }
  for (size_t t = 0; t < nt; ++t)
    if (root[t] != TensorId(t)) {
      plan.tensor_addr[t] = plan.tensor_addr[size_t(root[t])];
      plan.tensor_bytes[t] = plan.tensor_bytes[size_t(root[t])];
    }
  // Matrix nodes' operands: inputs in LoopNest order (= the node's inputs), the output at its
  // chain's tensor, the non-input operands' spill regions packed in the node's spill item.
  for (size_t i = 0; i < nn; ++i) {
    if (nests[i].operands.empty()) continue;
    sched::OperandPlacement& p = plan.operands[i];
    uint64_t spill = uint64_t(plan.spill_addr[i]);
    size_t k = 0;
    for (const sched::Operand& op : nests[i].operands) {
      if (op.role == sched::Role::input) {
        p.base.push_back(uint64_t(std::max<int64_t>(0, plan.tensor_addr[size_t(nodes[i].inputs[k++])])));
        p.psum.push_back(spill);
        continue;
      }
      p.base.push_back(op.role == sched::Role::output ? uint64_t(plan.tensor_addr[size_t(nodes[i].output)]) : spill);
      p.psum.push_back(spill);
      int64_t elems = 1;
      for (const sched::Axis& a : op.axes) elems *= a.extent;
      spill += round_up(uint64_t(sched::bytes_of(elems, op.bits_milli)), align);
    }
  }
  return plan;
}

}  // namespace zoomrt
