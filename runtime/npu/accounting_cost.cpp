// Per-layer planning and costing: matrix layers through the tiling search, vector ops streamed
// through SRAM, each optionally replayed into the capped DRAM trace. See accounting.h.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <ostream>
#include <set>
#include <streambuf>

#include <fmt/format.h>

#include "kernels/thread_pool.h"
#include "runtime/npu/accounting.h"
#include "scheduler/compare.h"
#include "scheduler/fused_plan.h"
#include "sim/dram.h"

namespace zoomrt {

namespace {

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
  row.tile = row.loop_order = std::string("-");  // a char* here trips GCC 12's false -Wrestrict
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

}  // namespace zoomrt
