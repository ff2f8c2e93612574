// cost_fused_layer: one layer of a fused chain under the full model (see fused_plan.h).
#include <algorithm>
#include <map>
#include <tuple>

#include "scheduler/dram_emit.h"
#include "scheduler/fused_plan.h"
#include "sim/compute.h"

namespace zoomrt::sched {

namespace {

constexpr uint64_t kRegionAlign = uint64_t(1) << 20;
uint64_t align_up(uint64_t v) { return (v + kRegionAlign - 1) / kRegionAlign * kRegionAlign; }

// Replays one layer's DRAM transfers of a fused chain (row-major regions: layer 0 input, each
// layer's weights, the last output), up to max_ranges ranges.
class FusedEmitter {
 public:
  FusedEmitter(const FusedChain& c, int layer, sim::DramModel& dram, uint64_t max_ranges, const FusedPlacement* place)
      : c_(c), i_(layer), dram_(dram), max_ranges_(max_ranges) {
    const size_t n = c.layers.size();
    for (size_t j = 0; j < n; ++j) g_.push_back(chain_geometry(c, int(j)));
    uint64_t next = 0;
    input_base_ = next;
    next = align_up(next + uint64_t(bytes_of(input_rows(c.layers[0]) * g_[0].in_row_elems, g_[0].in_bits)));
    for (size_t j = 0; j < n; ++j) {  // attention: K, then V in a region of its own
      const int64_t parts = g_[j].weight_parts;
      weight_base_.push_back(next);
      next = align_up(next + uint64_t(bytes_of(g_[j].weight_elems / parts, g_[j].weight_bits)));
      value_base_.push_back(parts == 2 ? next : 0);
      if (parts == 2) next = align_up(next + uint64_t(bytes_of(g_[j].weight_elems / parts, g_[j].weight_bits)));
    }
    output_base_ = next;
    if (place && place->weights.size() == n) {
      input_base_ = place->input, weight_base_ = place->weights, output_base_ = place->output;
      if (place->values.size() == n) value_base_ = place->values;
    }
  }

  // One pass (statistics passes: `pass` is the prefix chain, main = false).
  void pass(const FusedChain& pass, const FusedTiling& t, bool main) {
    const size_t n = pass.layers.size();
    if (size_t(i_) >= n) return;
    const bool resident = layer_weights_resident(c_, t, i_);
    if (main && resident) weights_all();
    const bool last = main && size_t(i_) + 1 == n;
    for (const FusedStep& st : fused_schedule(pass, t)) {
      if (i_ == 0 && st.fetch.hi > st.fetch.lo) input_rows_read(st.fetch);
      const Range r = st.compute[size_t(i_)];
      if (r.hi <= r.lo) continue;
      if (!resident) weights_streamed(r, t);
      if (last) output_rows_written(r);
    }
  }

  bool extrapolated = false;  // max_ranges was reached
  sim::DramStats finish(uint64_t read, uint64_t written) {
    sim::DramStats d = dram_.stats();
    extrapolated = emitted_ < read + written;
    if (extrapolated) extrapolate_dram_stats(d, read, written, emitted_);
    return d;
  }

 private:
  bool capped() const { return max_ranges_ && ranges_ >= max_ranges_; }
  // Cumulative byte rounding over the runs of one transfer, as emit_plan.
  void run(uint64_t base, int64_t elem_offset, int64_t elems, int64_t bits, int64_t& done, bool write) {
    const uint64_t bytes = uint64_t(bytes_of(done + elems, bits) - bytes_of(done, bits));
    done += elems;
    if (!bytes || capped()) return;
    dram_.access(base + uint64_t(elem_offset) * uint64_t(bits) / 8000, bytes, write);
    ++ranges_;
    emitted_ += bytes;
  }
  void input_rows_read(Range r) {
    const Layer& l = c_.layers[0];
    int64_t done = 0;
    if (l.kind == LayerKind::conv) {
      for (int64_t ch = 0; ch < l.conv.c; ++ch)
        run(input_base_, (ch * l.conv.h + r.lo) * l.conv.w, (r.hi - r.lo) * l.conv.w, g_[0].in_bits, done, false);
    } else {
      const int64_t e = g_[0].in_row_elems;
      run(input_base_, r.lo * e, (r.hi - r.lo) * e, g_[0].in_bits, done, false);
    }
  }
  void weights_all() {
    const ChainLayerGeometry& g = g_[size_t(i_)];
    int64_t done = 0;
    run(weight_base_[size_t(i_)], 0, g.weight_elems / g.weight_parts, g.weight_bits, done, false);
    if (g.weight_parts == 2) {  // attention: V, a transfer of its own
      done = 0;
      run(value_base_[size_t(i_)], 0, g.weight_elems / 2, g.weight_bits, done, false);
    }
  }
  // Attention: for each batch the rows touch, each head's K then V ([B, Lk, H*D]: Lk runs of D).
  // Block by block (kv_block keys): K's rows, then V's.
  void kv_streamed(Range rows, const FusedTiling& t) {
    const Layer& l = c_.layers[size_t(i_)];
    const AttentionShape& a = l.attn;
    const int64_t bits = g_[size_t(i_)].weight_bits, hd = a.heads * a.d, blk = kv_block(l, t);
    for (int64_t b = rows.lo / a.lq; b <= (rows.hi - 1) / a.lq; ++b)
      for (int64_t h = 0; h < a.heads; ++h)
        for (int64_t j0 = 0; j0 < a.lk; j0 += blk)
          for (uint64_t base : {weight_base_[size_t(i_)], value_base_[size_t(i_)]}) {
            int64_t done = 0;
            for (int64_t j = j0; j < std::min(a.lk, j0 + blk); ++j)
              run(base, (b * a.lk + j) * hd + h * a.d, a.d, bits, done, false);
          }
  }
  void weights_streamed(Range rows, const FusedTiling& t) {
    const ChainLayerGeometry& g = g_[size_t(i_)];
    const Layer& l = c_.layers[size_t(i_)];
    if (l.kind == LayerKind::attention) return kv_streamed(rows, t);
    for (int64_t ch = 0; ch < g.channels; ++ch) {
      int64_t done = 0;
      if (g.channel_row_elems == 2 && l.kind == LayerKind::gemm) {  // GEGLU: value and gate rows
        run(weight_base_[size_t(i_)], ch * l.gemm.k, l.gemm.k, g.weight_bits, done, false);
        run(weight_base_[size_t(i_)], (g.channels + ch) * l.gemm.k, l.gemm.k, g.weight_bits, done, false);
      } else {
        run(weight_base_[size_t(i_)], ch * g.filter_elems, g.filter_elems, g.weight_bits, done, false);
      }
    }
  }
  void output_rows_written(Range r) {
    const Layer& l = c_.layers[size_t(i_)];
    const int64_t bits = g_[size_t(i_)].out_bits;
    if (l.kind == LayerKind::conv) {
      for (int64_t k = 0; k < l.conv.k; ++k) {
        int64_t done = 0;
        run(output_base_, (k * l.conv.p() + r.lo) * l.conv.q(), (r.hi - r.lo) * l.conv.q(), bits, done, true);
      }
    } else {
      const int64_t e = g_[size_t(i_)].out_row_elems;
      int64_t done = 0;
      run(output_base_, r.lo * e, (r.hi - r.lo) * e, bits, done, true);
    }
  }

  const FusedChain& c_;
  int i_;
  sim::DramModel& dram_;
  uint64_t max_ranges_ = 0, ranges_ = 0, emitted_ = 0;
  std::vector<ChainLayerGeometry> g_;
  uint64_t input_base_ = 0, output_base_ = 0;
  std::vector<uint64_t> weight_base_, value_base_;
};

struct LayerWork {
  int64_t cycles = 0, steps = 0;
  double array_reads = 0, intermediate_bytes = 0;
};

// Cycles, steps and on-chip traffic of layer i over every pass.
LayerWork layer_work(const FusedChainPlan& p, int i, const CostContext& c) {
  LayerWork w;
  const Layer& l = p.chain.layers[size_t(i)];
  std::map<int64_t, int64_t> memo;  // rows -> cycles
  auto cycles = [&](int64_t rows) -> int64_t {
    if (!c.has_npu) return 0;
    if (auto it = memo.find(rows); it != memo.end()) return it->second;
    int64_t cy = 0;
    if (l.kind == LayerKind::conv) {
      const ConvShape& s = l.conv;
      cy = s.groups * sim::compute_cycles(c.npu.array, c.dtype, rows * s.q(), s.k / s.groups,
                                          s.c / s.groups * s.r * s.s);
    } else if (l.kind == LayerKind::attention) {  // per head: Q K^T, then P V (as compute_cost.cpp)
      const AttentionShape& s = l.attn;
      cy = s.heads * (sim::compute_cycles(c.npu.array, c.dtype, rows, s.lk, s.d) +
                      sim::compute_cycles(c.npu.array, c.dtype, rows, s.d, s.lk));
    } else {
      cy = sim::compute_cycles(c.npu.array, c.dtype, rows, l.gemm.n, l.gemm.k);
    }
    return memo[rows] = cy;
  };
  std::vector<std::pair<const FusedChain*, bool>> passes;
  const std::vector<FusedChain> stats = statistics_passes(p.chain);
  for (const FusedChain& s : stats) passes.push_back({&s, false});
  passes.push_back({&p.chain, true});
  const ChainLayerGeometry g = chain_geometry(p.chain, i);
  const bool has_consumer = size_t(i) + 1 < p.chain.layers.size();
  const ChainLayerGeometry gn = has_consumer ? chain_geometry(p.chain, i + 1) : g;
  for (const auto& [chain, main] : passes) {
    if (size_t(i) >= chain->layers.size()) continue;
    for (const FusedStep& st : fused_schedule(*chain, p.tiling)) {
      const Range r = st.compute[size_t(i)];
      if (r.hi <= r.lo) continue;
      ++w.steps;
      if (l.kind == LayerKind::attention) {  // each batch's rows against that batch's K and V
        for (int64_t lo = r.lo; lo < r.hi;) {
          const int64_t hi = std::min(r.hi, (lo / l.attn.lq + 1) * l.attn.lq);
          w.cycles += cycles(hi - lo);
          lo = hi;
        }
      } else {
        w.cycles += cycles(r.hi - r.lo);
      }
      const Range in = input_window(l, r);
      w.array_reads += double((in.hi - in.lo) * bytes_of(g.in_row_elems, g.in_bits)) +
                       double(batches_touched(l, r) * g.channels * bytes_of(g.filter_elems, g.weight_bits));
      if (has_consumer && size_t(i) + 1 < chain->layers.size())
        w.intermediate_bytes += double((r.hi - r.lo) * bytes_of(gn.in_row_elems, gn.in_bits));
    }
  }
  if (c.sparse_skip) w.cycles = (w.cycles + 1) / 2;
  return w;
}

}  // namespace

PlanCost cost_fused_layer(const FusedChainPlan& p, int i, const CostContext& c, sim::DramModel* dram,
                          const FusedPlacement* place) {
  const Layer& l = p.chain.layers[size_t(i)];
  const uint64_t read = p.traffic.read_bytes[size_t(i)], written = p.traffic.write_bytes[size_t(i)];
  const LayerWork w = layer_work(p, i, c);
  PlanCost pc;
  sim::LayerCost& lc = pc.layer;
  lc.name = l.name;
  lc.dtype = c.dtype;
  lc.macs = p.traffic.macs[size_t(i)];
  if (c.sparse_skip) lc.macs *= 0.5;
  lc.cycles = w.cycles;
  lc.pipeline_steps = std::max<int64_t>(1, w.steps);
  // Every DRAM byte passes through SRAM once; intermediates are written into the consumer's
  // window and read from it by the consumer's array reads (counted there).
  lc.sram_write_bytes = double(read) + w.intermediate_bytes;
  lc.sram_read_bytes = double(written) + w.array_reads;
  if (!c.has_npu) {
    lc.dram.bytes_read = read, lc.dram.bytes_written = written;
    lc.dram.accesses = p.traffic.transfers[size_t(i)];
    return pc;
  }
  sim::DramModel fresh(c.npu.dram);
  sim::DramModel& d = dram ? *dram : fresh;
  d.reset_stats();
  FusedEmitter e(p.chain, i, d, c.max_ranges, place);
  for (const FusedChain& s : statistics_passes(p.chain)) e.pass(s, p.tiling, false);
  e.pass(p.chain, p.tiling, true);
  lc.dram = e.finish(read, written);
  lc.dram.bytes_read = read, lc.dram.bytes_written = written;
  lc.dram_ns = lc.dram.busy_ns;
  pc.extrapolated = e.extrapolated;
  const auto& top = c.npu.power.vf.back();
  pc.top = sim::evaluate_layer(c.npu, lc, top.freq_mhz, top.volt);
  return pc;
}

}  // namespace zoomrt::sched
