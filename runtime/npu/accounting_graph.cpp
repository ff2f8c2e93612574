// A whole graph accounted: lowered for the NPU, its matrix layers planned together (fused chains
// in npu_fusion_order), tensors placed in DRAM, rows added in graph order. See accounting.h.
#include <algorithm>

#include "runtime/npu/accounting.h"
#include "runtime/npu/accounting_internal.h"
#include "runtime/npu/dram_plan.h"
#include "runtime/npu/fusion.h"
#include "runtime/npu/lowering.h"
#include "scheduler/compare.h"
#include "scheduler/fused_plan.h"

namespace zoomrt {

using npu_accounting::bytes_at;

void NpuAccountant::account_graph(const Graph& model, int repeats, const std::string& phase) {
  const Graph g = npu_graph(model);
  const std::vector<NpuNode> lowered = lower_for_npu(g);
  const sched::OperandBits bits = sim_operand_bits(opts_.dtype);
  // Matrix layers are planned together (the layout rule between neighbours), then rows are added
  // in graph order with the vector ops in between.
  std::vector<sched::Layer> layers;
  std::vector<int> layer_of_node(g.nodes().size(), -1);
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    sched::Layer l;
    if (lowered[i].role == NpuRole::matrix && matrix_layer_for_node(g, g.nodes()[i], bits, l)) {
      apply_weight_format(l, opts_.dtype);
      sched::validate_layer(l, g.nodes()[i].name);
      layer_of_node[i] = int(layers.size());
      layers.push_back(std::move(l));
    }
  }
  std::vector<sched::Plan> plans;
  std::vector<bool> on_chip(g.nodes().size(), false);  // vector nodes inside a fused chain
  // The fused strategy plans the layers in npu_fusion_order (query projections next to their
  // attention); position_of[li]: layer li's position there, layer_at[k]: the layer at position k.
  std::vector<int> layer_at(layers.size()), position_of(layers.size());
  for (size_t li = 0; li < layers.size(); ++li) layer_at[li] = position_of[li] = int(li);
  if (!layers.empty() && opts_.strategy == sched::Strategy::fused) {
    std::vector<int> graph_nodes;
    for (size_t i = 0; i < g.nodes().size(); ++i)
      if (layer_of_node[i] >= 0) graph_nodes.push_back(int(i));
    layer_at = npu_fusion_order(g, lowered, graph_nodes);
    std::vector<int> layer_nodes;
    std::vector<sched::Layer> ordered;
    for (size_t k = 0; k < layer_at.size(); ++k) {
      position_of[size_t(layer_at[k])] = int(k);
      layer_nodes.push_back(graph_nodes[size_t(layer_at[k])]);
      ordered.push_back(layers[size_t(layer_at[k])]);
    }
    const NpuFusionLinks links = npu_fusion_links(g, lowered, layer_nodes);
    // What a vector op on a link saves when it runs on the rows in SRAM (its DRAM traffic).
    std::vector<double> credit(layers.size(), 0.0);
    const auto& top = npu_.power.vf.back();
    auto value = [&](const VectorWork& w) {
      sched::PlanCost pc;
      pc.layer = vector_cost(w, nullptr, nullptr);  // never traced
      pc.top = sim::evaluate_layer(npu_, pc.layer, top.freq_mhz, top.volt);
      return sched::objective_value(opts_.objective, pc);
    };
    for (size_t li = 1; li < ordered.size(); ++li) {
      if (links.between[li] < 0) continue;
      VectorWork w = vector_work_for_node(g, g.nodes()[size_t(links.between[li])], bits.input);
      const double off_chip = value(w);
      w.read_bytes = w.write_bytes = 0, w.input_bytes.assign(w.input_bytes.size(), 0);
      credit[li] = off_chip - value(w);
    }
    std::vector<sched::Plan> in_order =
        sched::plan_layers_fused(ordered, links.links, ctx_, credit, opts_.require_fusion);
    for (size_t li = 1; li < in_order.size(); ++li)
      if (links.between[li] >= 0 && in_order[li].fused && in_order[li].fused == in_order[li - 1].fused)
        on_chip[size_t(links.between[li])] = true;
    plans.resize(layers.size());
    for (size_t k = 0; k < in_order.size(); ++k) plans[size_t(layer_at[k])] = std::move(in_order[k]);
  } else if (!layers.empty()) {
    plans = sched::plan_layers(layers, opts_.strategy, ctx_);
  }
  // Where the tensors live in DRAM (after the search, which never sees it).
  NpuDramPlan place;
  if (opts_.place_tensors)
    place = plan_npu_dram(g, lowered, layers, layer_of_node, bits.input, dram_row_align(npu_.dram));
  std::vector<int> node_of_layer;
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (layer_of_node[i] >= 0) node_of_layer.push_back(int(i));
  // A fused chain's layer: the chain's input, weights and output where the allocation put them.
  const auto fused_place = [&](size_t li, const sched::Plan& p) {
    sched::FusedPlacement f;
    if (!opts_.place_tensors || !p.fused) return f;
    const size_t first = size_t(position_of[li]) - size_t(p.fused_layer), n = p.fused->chain.layers.size();
    const auto& at = [&](size_t j) -> const sched::OperandPlacement& {
      return place.operands[size_t(node_of_layer[size_t(layer_at[first + j])])];
    };
    const auto attn = [&](size_t j) { return layers[size_t(layer_at[first + j])].kind == sched::LayerKind::attention; };
    // Operands: conv/GEMM input, weight, output; attention q, k, v, out.
    f.input = at(0).base[0], f.output = at(n - 1).base[attn(n - 1) ? 3 : 2];
    for (size_t j = 0; j < n; ++j) {
      f.weights.push_back(at(j).base[1]);
      f.values.push_back(attn(j) ? at(j).base[2] : 0);
    }
    return f;
  };
  const auto addr = [&](TensorId t) {
    return place.tensor_addr.empty() ? uint64_t(0) : uint64_t(std::max<int64_t>(0, place.tensor_addr[size_t(t)]));
  };
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& n = g.nodes()[i];
    if (lowered[i].role == NpuRole::vector) {
      VectorWork w = vector_work_for_node(g, n, bits.input);
      // Inside a fused chain the op runs on the rows in SRAM: no DRAM traffic of its own.
      if (on_chip[i]) w.read_bytes = w.write_bytes = 0, w.input_bytes.assign(w.input_bytes.size(), 0);
      VectorPlace at;
      for (TensorId t : n.inputs) at.input_addr.push_back(addr(t));
      at.output_addr = addr(n.output);
      account_vector(w, repeats, phase, opts_.place_tensors ? &at : nullptr);
    }
    if (layer_of_node[i] < 0) continue;
    const sched::Layer& l = layers[size_t(layer_of_node[i])];
    const sched::Plan& p = plans[size_t(layer_of_node[i])];
    AccountedLayer row;
    row.name = n.name;
    row.op = std::string(op_name(n.op));
    for (Op e : lowered[i].epilogue_ops) row.op += "+" + std::string(op_name(e));
    row.phase = phase;
    row.repeats = repeats;
    row.strategy = sched::strategy_name(p.strategy);
    row.tile = p.tile;
    row.loop_order = p.loop_order;
    const sched::FusedPlacement fp = fused_place(size_t(layer_of_node[i]), p);
    row.cost = cost_matrix(l, p, opts_.place_tensors ? &place.operands[i] : nullptr, &fp);
    // The output stage streams each residual in once (its own DRAM region, like a vector op's).
    for (TensorId t : lowered[i].epilogue_reads) {
      const uint64_t b = bytes_at(shape_numel(g.tensor(t).shape), bits.input);
      VectorWork s;
      s.read_bytes = b, s.input_bytes = {b};
      VectorPlace at;
      at.input_addr = {addr(t)};
      const sim::LayerCost stream = cost_vector(s, opts_.place_tensors ? &at : nullptr);
      row.cost.dram += stream.dram;
      row.cost.dram_ns = row.cost.dram.busy_ns;
      row.cost.sram_write_bytes += double(b);
    }
    row.cost.name = n.name;
    add_row(std::move(row));
  }
}

}  // namespace zoomrt
