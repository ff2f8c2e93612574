// Graph -> scheduler layers -> sim costs. See npu_accounting.h for the model and its assumptions.
#include "runtime/npu/accounting.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <set>
#include <ostream>
#include <streambuf>

#include <fmt/format.h>

#include "kernels/thread_pool.h"
#include "runtime/npu/dram_plan.h"
#include "runtime/npu/fusion.h"
#include "runtime/npu/lowering.h"
#include "scheduler/fused_plan.h"
#include "scheduler/compare.h"
#include "scheduler/dram_emit.h"
#include "sim/area.h"
#include "sim/dram.h"
#include "sim/report.h"
#include "base/error.h"

namespace zoomrt {

namespace {

// One row of ZOOMRT_SIM_DTYPES.
struct SimDtypeInfo {
  const char* name;
  sim::MacDtype mac;
  int value_bits, index_bits, scale_group;
  bool sparse24;
  const char* help;
};
constexpr SimDtypeInfo kSimDtypeInfo[] = {
#define X(e, name, mac, vbits, ibits, group, sparse, help) {name, sim::MacDtype::mac, vbits, ibits, group, sparse, help},
    ZOOMRT_SIM_DTYPES(X)
#undef X
};
const SimDtypeInfo& info(SimDtype d) { return kSimDtypeInfo[size_t(d)]; }

}  // namespace

const char* sim_dtype_name(SimDtype d) { return kSimDtypes.name(d).data(); }
const char* sim_dtype_help(SimDtype d) { return kSimDtypes.help(d).data(); }
sim::MacDtype sim_mac_dtype(SimDtype d) { return info(d).mac; }
bool sim_dtype_sparse24(SimDtype d) { return info(d).sparse24; }
std::vector<SimDtype> all_sim_dtypes() { return kSimDtypes.values(); }
SimDtype sim_dtype_from_name(const std::string& name, std::string_view what) { return kSimDtypes.parse(name, what); }

sched::OperandBits sim_operand_bits(SimDtype d) {
  sched::OperandBits b = sched::operand_bits_for(sim_mac_dtype(d));  // activation widths
  b.weight = sim_weight_bits(d, 0);
  return b;
}

double sim_weight_bits(SimDtype d, int64_t weights) {
  const SimDtypeInfo& f = info(d);
  double bits = f.index_bits > 0 ? f.index_bits : f.value_bits;
  if (f.sparse24) bits = (bits + 2) / 2;  // half the values kept, 2-bit position each
  if (f.scale_group > 0) bits += 16.0 / f.scale_group;
  if (f.index_bits > 0 && weights > 0)
    bits += double(int64_t(1) << f.index_bits) * f.value_bits / double(weights);  // the codebook
  return std::ceil(bits * 1000 - 1e-6) / 1000;
}

int64_t layer_weight_count(const sched::Layer& l) {
  switch (l.kind) {
    case sched::LayerKind::conv: return l.conv.k * (l.conv.c / l.conv.groups) * l.conv.r * l.conv.s;
    case sched::LayerKind::gemm: return l.gemm.n * l.gemm.k;
    case sched::LayerKind::attention: return 0;
  }
  return 0;
}

void apply_weight_format(sched::Layer& l, SimDtype d) {
  if (const int64_t w = layer_weight_count(l); w > 0) l.bits.weight = sim_weight_bits(d, w);
}

namespace {

// Vector-unit work per output element of each op (assumptions, see the header). Matrix ops are
// costed by the scheduler and never read their entry. Transcendentals (exp, erf, sigmoid) are
// taken as ~3 ops (LUT + interpolation) on top of the arithmetic around them.
constexpr std::array<double, kOpCount> kVectorOpsPerElement = {
    0,    // conv2d (matrix)
    1,    // pad2d: a copy
    0,    // linear (matrix)
    0,    // attention (matrix)
    4,    // group_norm: mean and variance pass, then normalise + affine
    4,    // layer_norm: same
    5,    // softmax: max, exp, sum, divide
    4,    // silu: sigmoid + multiply
    5,    // gelu: erf + 3 arithmetic
    4,    // quick_gelu: sigmoid + 2 multiplies
    6,    // geglu: gelu of one half x the other
    1,    // add
    1,    // mul
    2,    // scale_shift
    2,    // clamp
    1,    // upsample_nearest2x: a copy
    1,    // concat: a copy
    1,    // slice: a copy
    1,    // permute: a copy (strided)
    0,    // reshape: a view, free
    4,    // timestep_embedding: sin/cos
    1,    // embedding: a gather
    8,    // group_norm_silu: group_norm + silu in one pass over the output
};
static_assert(kVectorOpsPerElement.size() == kOpCount, "one vector cost per op");

uint64_t bytes_at(int64_t elements, int bits) { return (uint64_t(elements) * uint64_t(bits) + 7) / 8; }

sim::DramStats scale_dram(sim::DramStats s, double r) {
  const auto mul = [r](uint64_t& v) { v = uint64_t(double(v) * r + 0.5); };
  mul(s.bytes_read), mul(s.bytes_written), mul(s.accesses), mul(s.row_hits);
  mul(s.row_misses), mul(s.row_conflicts), mul(s.activations), mul(s.refreshes);
  s.busy_ns *= r, s.energy_pj *= r, s.act_pj *= r, s.rd_pj *= r, s.wr_pj *= r, s.ref_pj *= r, s.bg_pj *= r;
  return s;
}

sim::LayerCost scale_cost(sim::LayerCost c, int64_t r) {
  c.cycles *= r;
  c.dram_ns *= double(r);
  c.macs *= double(r);
  c.sram_read_bytes *= double(r);
  c.sram_write_bytes *= double(r);
  c.dram = scale_dram(c.dram, double(r));
  return c;
}

// Passes characters to `dst` until `max_lines` newlines went through, then drops the rest: caps
// the DRAM trace without the DRAM model knowing.
class CappedLines : public std::streambuf {
 public:
  CappedLines(std::ostream* dst, uint64_t max_lines, uint64_t& lines) : dst_(dst), max_(max_lines), lines_(lines) {}

 protected:
  int overflow(int c) override {
    if (c != traits_type::eof() && lines_ < max_) {
      dst_->put(char(c));
      if (c == '\n') ++lines_;
    }
    return traits_type::not_eof(c);
  }

 private:
  std::ostream* dst_;
  uint64_t max_;
  uint64_t& lines_;
};

}  // namespace

bool matrix_layer_for_node(const Graph& g, const Node& n, const sched::OperandBits& bits, sched::Layer& out) {
  const auto shape = [&](size_t i) -> const Shape& { return g.tensor(n.inputs[i]).shape; };
  switch (n.op) {
    case Op::conv2d: {
      const Shape &x = shape(0), &w = shape(1);  // [n,c,h,w] (channels-last: [n,h,w,c]), [k,c/g,r,s]
      sched::ConvShape s;
      if (n.attrs.channels_last)
        s.n = x[0], s.h = x[1], s.w = x[2], s.c = x[3];
      else
        s.n = x[0], s.c = x[1], s.h = x[2], s.w = x[3];
      s.k = w[0], s.r = w[2], s.s = w[3];
      s.stride = n.attrs.stride, s.pad = n.attrs.pad, s.groups = n.attrs.groups;
      out = sched::make_conv(n.name, s, bits);
      return true;
    }
    case Op::linear: {
      const Shape& w = shape(1);  // [out, in]
      out = sched::make_gemm(n.name, shape_numel(shape(0)) / w[1], w[0], w[1], bits);
      return true;
    }
    case Op::attention: {
      const Shape &q = shape(0), &k = shape(1);  // [b, lq, h*d], [b, lk, h*d]
      sched::AttentionShape s;
      s.b = q[0], s.heads = n.attrs.heads, s.lq = q[1], s.lk = k[1], s.d = q[2] / n.attrs.heads;
      out = sched::make_attention(n.name, s, bits);
      return true;
    }
    default:
      return false;
  }
}

VectorWork vector_work_for_node(const Graph& g, const Node& n, int act_bits) {
  VectorWork w;
  w.name = n.name;
  w.op = std::string(op_name(n.op));
  if (n.op == Op::reshape) return w;  // a view: nothing moves
  const int64_t out_elems = shape_numel(g.tensor(n.output).shape);
  w.elements = out_elems;
  w.ops_per_element = kVectorOpsPerElement[size_t(n.op)];
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    int64_t elems = shape_numel(g.tensor(n.inputs[i]).shape);
    // A slice and an embedding lookup read only the elements they output.
    if (n.op == Op::slice || (n.op == Op::embedding && i == 1)) elems = out_elems;
    w.input_bytes.push_back(bytes_at(elems, act_bits));
    w.read_bytes += w.input_bytes.back();
  }
  w.write_bytes = bytes_at(out_elems, act_bits);
  return w;
}

NpuAccountant::NpuAccountant(sim::NpuConfig npu, AccountingOptions opts)
    : npu_(std::move(npu)),
      opts_(opts),
      ctx_(sched::cost_context(npu_, sim_mac_dtype(opts_.dtype), opts_.objective, sim_dtype_sparse24(opts_.dtype),
                               opts_.max_ranges_per_layer)) {}

void NpuAccountant::set_dram_trace(std::ostream* os, uint64_t max_lines) {
  trace_ = os;
  trace_max_lines_ = max_lines;  // lines and cycles keep counting across calls
}

uint64_t NpuAccountant::trace_lines() const { return trace_lines_; }

// Trace issue times: a layer's bursts are spread evenly over the layer's latency at the top V-F
// point (t = max(compute, DRAM) with double buffering, their sum without), the overlap
// sim::evaluate_layer assumes; the next layer starts when this one ends. DRAM clocks of tCK.
double NpuAccountant::trace_span_cycles(const sim::LayerCost& c) const {
  const auto& top = npu_.power.vf.back();
  return sim::evaluate_layer(npu_, c, top.freq_mhz, top.volt).latency_s * 1e9 / npu_.dram.tck_ns;
}

void NpuAccountant::start_trace_layer(sim::DramModel& dram, std::ostream& os, const sim::LayerCost& untraced,
                                      double& span) const {
  span = trace_span_cycles(untraced);
  const double bursts = double(std::max<uint64_t>(1, untraced.dram.accesses));
  dram.set_trace(&os, uint64_t(std::llround(trace_cycle_)), span / bursts);
}

sim::LayerCost NpuAccountant::cost_matrix(const sched::Layer& l, const sched::Plan& p,
                                          const sched::OperandPlacement* placement,
                                          const sched::FusedPlacement* fused_place) {
  const bool tracing = trace_ && trace_lines_ < trace_max_lines_;
  if (p.fused || (placement && placement->empty())) placement = nullptr;
  if (!p.fused || (fused_place && fused_place->weights.empty())) fused_place = nullptr;
  // The chosen plan at the model's addresses (fresh DRAM model; the search's cost is at 0).
  const auto fused_cost = [&](sim::DramModel* dram) {
    sched::PlanCost pc = sched::cost_fused_layer(*p.fused, p.fused_layer, ctx_, dram, fused_place);
    return (p.relayout_read_bytes ? sched::add_relayout(p, pc, ctx_) : pc).layer;
  };
  if (!tracing) {
    if (placement) return sched::cost_plan(l, p, ctx_, nullptr, placement).layer;
    if (fused_place) return fused_cost(nullptr);
    return p.cost.layer;
  }
  // Traced: the plan's transfers replayed once more, into the trace (same counts as the plan's).
  sim::DramModel dram(npu_.dram);
  CappedLines buf(trace_, trace_max_lines_, trace_lines_);
  std::ostream capped(&buf);
  double span = 0;
  start_trace_layer(dram, capped, p.cost.layer, span);
  sim::LayerCost c;
  if (p.fused) {
    c = fused_cost(&dram);
  } else {
    c = sched::cost_plan(l, p, ctx_, &dram, placement).layer;
  }
  dram.set_trace(nullptr, 0, 0);
  trace_cycle_ += span;
  return c;
}

// One vector op's cost; with `trace`, its bursts also go to the trace (spaced by `untraced`).
sim::LayerCost NpuAccountant::vector_cost(const VectorWork& w, std::ostream* trace, const sim::LayerCost* untraced,
                                          const VectorPlace* place) {
  sim::LayerCost c;
  c.dtype = sim_mac_dtype(opts_.dtype);
  const int64_t lanes = std::max(1, npu_.array.cols);
  c.cycles = int64_t((double(w.elements) * w.ops_per_element + double(lanes) - 1) / double(lanes));
  // Streamed through SRAM: DRAM -> SRAM -> vector unit -> SRAM -> DRAM.
  c.sram_read_bytes = c.sram_write_bytes = double(w.read_bytes + w.write_bytes);
  sim::DramModel dram(npu_.dram);
  double span = 0;
  if (trace) start_trace_layer(dram, *trace, *untraced, span);
  // Each tensor in its own 1 MiB-aligned region, as emit_plan lays out a layer's operands.
  constexpr uint64_t kAlign = uint64_t(1) << 20;
  // Placed: where the model's DRAM allocation put them.
  uint64_t addr = 0;
  const auto next_region = [&](uint64_t bytes) { addr += (bytes + kAlign - 1) / kAlign * kAlign; };
  for (size_t i = 0; i < w.input_bytes.size(); ++i) {
    const uint64_t b = w.input_bytes[i];
    if (b) dram.access(place ? place->input_addr[i] : addr, b, false);
    next_region(b);
  }
  if (w.write_bytes) dram.access(place ? place->output_addr : addr, w.write_bytes, true);
  c.dram = dram.stats();
  c.dram_ns = c.dram.busy_ns;
  if (trace) {
    dram.set_trace(nullptr, 0, 0);
    trace_cycle_ += span;
  }
  return c;
}

sim::LayerCost NpuAccountant::cost_vector(const VectorWork& w, const VectorPlace* place) {
  const bool tracing = trace_ && trace_lines_ < trace_max_lines_;
  std::string key = fmt::format("vector|{}|{}|{}|{}", w.elements, w.ops_per_element, w.write_bytes, w.input_bytes.size());
  for (uint64_t b : w.input_bytes) key += fmt::format("|{}", b);
  if (place) {
    key += fmt::format("@{}", place->output_addr);
    for (uint64_t a : place->input_addr) key += fmt::format("|{}", a);
  }
  auto it = memo_.find(key);
  if (it == memo_.end()) it = memo_.emplace(key, Memo{vector_cost(w, nullptr, nullptr, place)}).first;
  if (!tracing) return it->second.cost;
  // Traced: replayed once more into the trace, spaced by the untraced cost's latency.
  CappedLines buf(trace_, trace_max_lines_, trace_lines_);
  std::ostream capped(&buf);
  const sim::LayerCost untraced = it->second.cost;
  return vector_cost(w, &capped, &untraced, place);
}

void NpuAccountant::add_row(AccountedLayer row) { rows_.push_back(std::move(row)); }

void NpuAccountant::account_layers(std::vector<sched::Layer> layers, int repeats, const std::string& phase) {
  if (layers.empty()) return;
  for (sched::Layer& l : layers) apply_weight_format(l, opts_.dtype);
  // One sequence: the layout rule applies between neighbours (scheduler/strategy.h).
  std::vector<sched::LinkKind> links(layers.size(), sched::LinkKind::none);
  for (size_t i = 1; i < layers.size(); ++i)
    if (sched::layers_connected(layers[i - 1], layers[i])) links[i] = sched::LinkKind::direct;
  const std::vector<sched::Plan> plans =
      opts_.strategy == sched::Strategy::fused
          ? sched::plan_layers_fused(layers, links, ctx_, {}, opts_.require_fusion)
          : sched::plan_layers(layers, opts_.strategy, ctx_);
  for (size_t i = 0; i < layers.size(); ++i) {
    AccountedLayer row;
    row.name = layers[i].name;
    row.op = sched::layer_kind_name(layers[i].kind);
    row.phase = phase;
    row.repeats = repeats;
    row.strategy = sched::strategy_name(plans[i].strategy);
    row.tile = plans[i].tile;
    row.loop_order = plans[i].loop_order;
    row.cost = cost_matrix(layers[i], plans[i]);
    row.cost.name = row.name;
    add_row(std::move(row));
  }
}

void NpuAccountant::account_vector(const VectorWork& w, int repeats, const std::string& phase,
                                   const VectorPlace* place) {
  AccountedLayer row;
  row.name = w.name;
  row.op = w.op;
  row.phase = phase;
  row.repeats = repeats;
  row.strategy = "vector";
  row.tile = row.loop_order = "-";
  row.cost = cost_vector(w, place);
  row.cost.name = w.name;
  add_row(std::move(row));
}

void NpuAccountant::plan_ahead(const std::vector<const Graph*>& graphs) {
  const sched::OperandBits bits = sim_operand_bits(opts_.dtype);
  std::vector<sched::Layer> distinct;
  std::set<std::string> seen;
  for (const Graph* g : graphs)
    for (const Node& n : g->nodes()) {
      sched::Layer l;
      if (!matrix_layer_for_node(*g, n, bits, l)) continue;
      apply_weight_format(l, opts_.dtype);
      if (seen.insert(l.shape_key()).second) {
        sched::validate_layer(l, n.name);
        distinct.push_back(std::move(l));
      }
    }
  // Largest layers first, each thread taking the next layer when it is free: a few big layers
  // (the VAE decoder's 512x512 convolutions) would otherwise share one thread's chunk.
  std::stable_sort(distinct.begin(), distinct.end(),
                   [](const sched::Layer& a, const sched::Layer& b) { return a.macs() > b.macs(); });
  std::mutex mu;
  std::exception_ptr first_error;
  std::atomic<size_t> next{0};
  default_pool().parallel_for(size_t(default_pool().threads()), 1, [&](size_t, size_t) {
    for (size_t i = next++; i < distinct.size(); i = next++) {
      try {
        // A one-layer sequence plans every strategy adaptive and exhaustive choose from.
        sched::plan_layers({distinct[i]}, opts_.strategy, ctx_);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!first_error) first_error = std::current_exception();
      }
    }
  });
  if (first_error) std::rethrow_exception(first_error);
}

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

std::vector<sim::LayerCost> NpuAccountant::weighted_costs() const {
  std::vector<sim::LayerCost> costs;
  costs.reserve(rows_.size());
  for (const AccountedLayer& r : rows_) costs.push_back(scale_cost(r.cost, r.repeats));
  return costs;
}

sim::RunResult NpuAccountant::run() const {
  return sim::simulate_power(npu_, weighted_costs(), opts_.policy, opts_.power_cap_w);
}

namespace {
// (MAC + SRAM + static) energy / latency: the NPU rail's average, DRAM excluded.
double npu_avg_power_w(const sim::RunResult& r) {
  return r.latency_s > 0 ? (r.energy.mac_j + r.energy.sram_j + r.energy.static_j) / r.latency_s : 0;
}
}  // namespace

nlohmann::json NpuAccountant::policy_comparison() const {
  const std::vector<sim::LayerCost> costs = weighted_costs();
  nlohmann::json policies = nlohmann::json::array(), pairs = nlohmann::json::array();
  for (sim::PowerPolicy p : sim::all_power_policies()) {
    const sim::RunResult r = sim::simulate_power(npu_, costs, p, opts_.power_cap_w);
    const double fps = r.latency_s > 0 ? frames_ / r.latency_s : 0;
    policies.push_back({{"policy", sim::power_policy_name(p)},
                        {"sim_latency_s", r.latency_s},
                        {"fps", fps},
                        {"energy_j", r.energy.total_j()},
                        {"avg_power_w", r.avg_power_w},
                        {"npu_avg_power_w", npu_avg_power_w(r)},
                        {"npu_peak_power_w", r.peak_power_w},
                        {"fps_per_watt", r.avg_power_w > 0 ? fps / r.avg_power_w : 0},
                        {"cap_met", r.cap_met}});
  }
  for (const sim::PolicyComparison& c : sim::compare_policies(npu_, costs, opts_.power_cap_w))
    pairs.push_back({{"policy", sim::power_policy_name(c.policy)},
                     {"baseline", sim::power_policy_name(c.baseline)},
                     {"fps_gain_pct", c.fps_gain_pct},
                     {"energy_saving_pct", c.energy_saving_pct}});
  return {{"cap_w", opts_.power_cap_w}, {"policies", policies}, {"pairs", pairs}};
}

sim::DramStats NpuAccountant::dram_total() const {
  sim::DramStats t;
  for (const AccountedLayer& r : rows_) t += scale_dram(r.cost.dram, double(r.repeats));
  return t;
}

nlohmann::json NpuAccountant::summary(bool include_layers) const {
  const sim::RunResult run = this->run();
  nlohmann::json j = sim::run_summary_json(run, dram_total());
  // Power, each name saying what it covers: avg_power_w = (NPU + DRAM) energy / latency;
  // npu_avg_power_w and npu_peak_power_w = the NPU rail alone (what a power cap limits), so the
  // NPU average never exceeds the NPU peak.
  j.erase("peak_power_w");
  j["npu_peak_power_w"] = run.peak_power_w;
  j["npu_avg_power_w"] = npu_avg_power_w(run);
  j["objective"] = sched::objective_name(opts_.objective);
  // One run produces `frames_` frames; sim's own figures assume one frame per run.
  const double fps = run.latency_s > 0 ? frames_ / run.latency_s : 0;
  j["frames"] = frames_;
  j["fps"] = fps;
  j["fps_per_watt"] = run.avg_power_w > 0 ? fps / run.avg_power_w : 0;
  // Cost (sim/area.h): null where the NPU description has no `area` object.
  if (npu_.area.present) {
    const sim::AreaBreakdown a = sim::area_breakdown(npu_);
    j["area_mm2"] = a.total_mm2();
    j["fps_per_mm2"] = a.total_mm2() > 0 ? fps / a.total_mm2() : 0;
    j["area"] = {{"process_nm", npu_.area.process_nm}, {"pe_um2", a.pe_um2},     {"array_mm2", a.array_mm2},
                 {"sram_mm2", a.sram_mm2},             {"dram_phy_mm2", a.dram_phy_mm2}, {"fixed_mm2", a.fixed_mm2}};
  } else {
    j["area_mm2"] = nullptr;
    j["fps_per_mm2"] = nullptr;
    j["area"] = nullptr;
  }
  j["total_macs"] = run.total_macs;
  j["npu"] = npu_.name;
  j["dtype"] = sim_dtype_name(opts_.dtype);
  j["strategy"] = sched::strategy_name(opts_.strategy);
  j["power_cap_w"] = opts_.power_cap_w;
  // Phases in order of first appearance (the pipeline's order).
  nlohmann::json phases = nlohmann::json::array();
  std::map<std::string, size_t> phase_index;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < rows_.size(); ++i) {
    const AccountedLayer& r = rows_[i];
    const sim::LayerResult& lr = run.layers[i];
    auto [it, fresh] = phase_index.try_emplace(r.phase, phases.size());
    if (fresh)
      phases.push_back({{"name", r.phase}, {"latency_s", 0.0}, {"energy_j", 0.0}, {"macs", 0.0}, {"layers", 0}});
    nlohmann::json& ph = phases[it->second];
    ph["latency_s"] = ph["latency_s"].get<double>() + lr.latency_s;
    ph["energy_j"] = ph["energy_j"].get<double>() + lr.energy.total_j();
    ph["macs"] = ph["macs"].get<double>() + r.cost.macs * double(r.repeats);
    ph["layers"] = ph["layers"].get<int>() + 1;
    if (!include_layers) continue;
    const double per = 1.0 / double(r.repeats);
    rows.push_back({{"name", r.name},
                    {"op", r.op},
                    {"phase", r.phase},
                    {"repeats", r.repeats},
                    {"dtype", sim_dtype_name(opts_.dtype)},
                    {"strategy", r.strategy},
                    {"tile", r.tile},
                    {"loop_order", r.loop_order},
                    {"dram_bytes_read", r.cost.dram.bytes_read},
                    {"dram_bytes_written", r.cost.dram.bytes_written},
                    {"dram_accesses", r.cost.dram.accesses},
                    {"row_hits", r.cost.dram.row_hits},
                    {"cycles", r.cost.cycles},
                    {"freq_mhz", lr.freq_mhz},
                    {"energy_j", lr.energy.total_j() * per}});
  }
  j["phases"] = phases;
  if (include_layers) j["layers"] = rows;
  return j;
}

}  // namespace zoomrt
