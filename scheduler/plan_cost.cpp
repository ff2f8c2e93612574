// cost_plan and its lower bound (see plan_cost.h).
#include "scheduler/plan_cost.h"

#include <cmath>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "scheduler/dram_emit.h"
#include "scheduler/search.h"

namespace zoomrt::sched {

namespace {

// Every field of an NPU description that changes a plan or its cost.
std::string npu_key(const sim::NpuConfig& n) {
  const auto& a = n.array;
  const auto& s = n.sram;
  const auto& d = n.dram;
  const auto& top = n.power.vf.back();
  return fmt::format(
      "a{}x{}{}/{}/{}/{}/{}|s{}/{}/{}/{}/{}/{}/{}/{}|d{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/"
      "{}/{}/{}/{}/{}/{}/{}/{}|r{}/{}/{}|p{}/{}/{}/{}/{}|e{}/{}/{}",
      a.rows, a.cols, a.dataflow, a.macs_per_cycle_int4, a.macs_per_cycle_int8, a.macs_per_cycle_fp16,
      a.skips_zeros, s.bytes, s.double_buffered, s.unified, s.ifmap_bytes, s.filter_bytes, s.ofmap_bytes,
      s.read_pj_per_byte, s.write_pj_per_byte, d.channels, d.ranks, d.banks, d.bank_groups, d.rows, d.columns,
      d.row_bytes, d.burst_bytes, d.bus_bits, d.device_width_bits, d.tck_ns, d.cl, d.trcd, d.trp, d.tras,
      d.trc, d.tfaw, d.tccd, d.vdd, d.idd0, d.idd2n, d.idd3n, d.idd4r, d.idd4w, d.pj_per_bit,
      d.address_mapping, d.trefi, d.trfc, d.idd5ab, top.freq_mhz, top.volt, n.power.ceff_nf, n.power.leak_w_at_vmax,
      n.power.idle_w, n.energy.mac_pj_int4, n.energy.mac_pj_int8, n.energy.mac_pj_fp16);
}

int64_t pipeline_steps(const LoopNest& n, const Tiling& t) {
  int64_t steps = 1;
  for (int d = 0; d < n.dims(); ++d) steps *= trips(n, t, d);
  return steps;
}

// The array's reads of every step's input tiles (plan_sram_bytes' formula, the order-free part).
double array_reads(const LoopNest& n, const Tiling& t) {
  double per_step = 0;
  for (const Operand& o : n.operands) {
    if (o.role != Role::input) continue;
    int64_t elems = 1;
    for (const Axis& a : o.axes) elems *= max_axis_extent(a, a.dim >= 0 ? t.tile[a.dim] : 1);
    per_step += double(bytes_of(elems, o.bits_milli));
  }
  return double(pipeline_steps(n, t)) * per_step;
}

sim::LayerCost base_cost(const Layer& l, const TilingFacts& f, uint64_t dram_read, uint64_t dram_write,
                         const CostContext& c) {
  sim::LayerCost lc;
  lc.dtype = c.dtype;
  lc.macs = double(l.macs());
  if (c.sparse_skip && l.kind != LayerKind::attention) lc.macs *= 0.5;
  lc.cycles = f.cycles;
  lc.sram_write_bytes = double(dram_read);  // every DRAM byte passes through SRAM once
  lc.sram_read_bytes = double(dram_write) + f.array_reads;
  lc.pipeline_steps = f.steps;
  return lc;
}

sim::LayerResult at_top(const CostContext& c, const sim::LayerCost& lc) {
  if (!c.has_npu) return {};
  const auto& top = c.npu.power.vf.back();
  return sim::evaluate_layer(c.npu, lc, top.freq_mhz, top.volt);
}

}  // namespace

CostContext cost_context(const sim::NpuConfig& npu, sim::MacDtype dtype, Objective objective,
                         bool sparse_skip, uint64_t max_ranges) {
  CostContext c;
  c.has_npu = true;
  c.npu = npu;
  c.dtype = dtype;
  c.sparse_skip = sparse_skip && npu.array.skips_zeros;
  c.objective = objective;
  c.max_ranges = max_ranges;
  c.budget = sram_budget(npu);
  c.key = fmt::format("{}|{}|{}|{}|{}|{}", npu_key(npu), sim::mac_dtype_name(dtype), c.sparse_skip,
                      objective_name(objective), max_ranges, c.budget.key());
  return c;
}

CostContext bytes_context(const SramBudget& budget) {
  CostContext c;
  c.budget = budget;
  c.objective = Objective::bytes;
  c.key = "bytes|" + budget.key();
  return c;
}

TilingFacts tiling_facts(const Layer& l, const LoopNest& n, const Tiling& t, const CostContext& c) {
  TilingFacts f;
  f.cycles = c.has_npu ? context_cycles(l, n, t, c) : 0;
  f.steps = pipeline_steps(n, t);
  f.array_reads = array_reads(n, t);
  return f;
}

int64_t context_cycles(const Layer& l, const LoopNest& n, const Tiling& t, const CostContext& c) {
  int64_t cycles = tiling_compute_cycles(l, n, t, c.npu.array, c.dtype);
  // 2:4 weights on a zero-skipping array: half the MACs issue. Assumption: the cycles halve too
  // (fill and drain included), the best case of a sparse tensor core.
  if (c.sparse_skip && l.kind != LayerKind::attention) cycles = (cycles + 1) / 2;
  return cycles;
}

PlanCost cost_plan(const Layer& l, const Plan& p, const CostContext& c, sim::DramModel* dram,
                   const OperandPlacement* placement) {
  const LoopNest n = make_loop_nest(l);
  PlanCost pc;
  if (!c.has_npu) {
    pc.layer = base_cost(l, tiling_facts(l, n, p.tiling, c), p.dram_read_bytes(), p.dram_write_bytes(), c);
    pc.layer.dram.bytes_read = p.dram_read_bytes();
    pc.layer.dram.bytes_written = p.dram_write_bytes();
    pc.layer.dram.accesses = p.traffic.transfers;  // tile transfers stand in for accesses
    return pc;
  }
  Plan own = p;  // the layer's own transfers; a re-layout pass is added by add_relayout
  own.relayout_read_bytes = own.relayout_write_bytes = 0;
  pc.layer = base_cost(l, tiling_facts(l, n, p.tiling, c), own.dram_read_bytes(), own.dram_write_bytes(), c);
  pc.layer.name = l.name;
  sim::DramModel fresh(c.npu.dram);
  EmitOptions eo;
  eo.max_ranges = c.max_ranges;
  if (placement) eo.placement = *placement;
  const EmitResult e = emit_plan(l, own, dram ? *dram : fresh, eo);
  pc.layer.dram = e.dram;
  pc.layer.dram_ns = e.dram.busy_ns;
  pc.extrapolated = e.extrapolated;
  pc.top = at_top(c, pc.layer);
  return p.relayout_read_bytes ? add_relayout(p, pc, c) : pc;
}

namespace {
// The tensor streamed in and out of its own region (memoised: models repeat tensor sizes).
sim::DramStats relayout_pass(uint64_t in, uint64_t out, const CostContext& c) {
  static std::mutex mu;
  static std::map<std::string, sim::DramStats> memo;
  const std::string key = fmt::format("{}|{}|{}", in, out, c.key);
  {
    std::lock_guard lock(mu);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  sim::DramModel dram(c.npu.dram);
  dram.access(0, in, false);
  dram.access(0, out, true);
  std::lock_guard lock(mu);
  return memo.emplace(key, dram.stats()).first->second;
}
}  // namespace

PlanCost add_relayout(const Plan& p, PlanCost cost, const CostContext& c) {
  const uint64_t in = p.relayout_read_bytes, out = p.relayout_write_bytes;
  if (!c.has_npu) {
    cost.layer.dram.bytes_read += in, cost.layer.dram.bytes_written += out;
    return cost;
  }
  cost.layer.dram += relayout_pass(in, out, c);
  cost.layer.dram_ns = cost.layer.dram.busy_ns;
  cost.layer.sram_write_bytes += double(in);
  cost.layer.sram_read_bytes += double(out);
  cost.top = at_top(c, cost.layer);
  return cost;
}

double objective_value(Objective o, const PlanCost& c) {
  switch (o) {
    case Objective::energy: return c.energy_j();
    case Objective::latency: return c.latency_s();
    case Objective::edp: return c.energy_j() * c.latency_s();
    case Objective::accesses: return double(c.layer.dram.accesses);
    case Objective::bytes: return double(c.bytes());
  }
  return 0;
}

double sequence_value(Objective o, const std::vector<Plan>& plans) {
  double e = 0, t = 0, v = 0;
  for (const Plan& p : plans) {
    e += p.cost.energy_j(), t += p.cost.latency_s();
    v += objective_value(o, p.cost);
  }
  return o == Objective::edp ? e * t : v;
}

bool cheaper(Objective o, const PlanCost& a, const PlanCost& b) {
  const double va = objective_value(o, a), vb = objective_value(o, b);
  if (va != vb) return va < vb;
  if (a.energy_j() != b.energy_j()) return a.energy_j() < b.energy_j();
  if (a.latency_s() != b.latency_s()) return a.latency_s() < b.latency_s();
  if (a.bytes() != b.bytes()) return a.bytes() < b.bytes();
  return a.layer.dram.accesses < b.layer.dram.accesses;
}

double objective_lower_bound(const Layer& l, const TilingFacts& f, uint64_t read_bytes, uint64_t write_bytes,
                             const CostContext& c) {
  if (c.objective == Objective::bytes || !c.has_npu) return double(read_bytes + write_bytes);
  const sim::DramConfig& d = c.npu.dram;
  const double bb = double(d.burst_bytes);
  const double reads = std::floor(double(read_bytes) / bb), writes = std::floor(double(write_bytes) / bb);
  if (c.objective == Objective::accesses) return reads + writes;
  // Data-bus time of those bursts spread over every channel: no bank ever waits less.
  const double t_burst_ns = std::max<double>(d.tccd, d.burst_bytes * 8.0 / d.bus_bits / 2.0) * d.tck_ns;
  sim::LayerCost lc = base_cost(l, f, read_bytes, write_bytes, c);
  lc.dram.accesses = uint64_t(reads + writes);
  lc.dram.busy_ns = lc.dram_ns = (reads + writes) * t_burst_ns / d.channels;
  const sim::DramEnergyModel em = sim::dram_energy_model(d);
  if (em.flat) {
    lc.dram.energy_pj = (reads + writes) * bb * 8.0 * em.pj_per_bit;
  } else {
    lc.dram.rd_pj = reads * em.rd_pj, lc.dram.wr_pj = writes * em.wr_pj;
    lc.dram.bg_pj = em.background_w * lc.dram.busy_ns * 1e3;
    lc.dram.energy_pj = lc.dram.rd_pj + lc.dram.wr_pj + lc.dram.bg_pj;
  }
  const sim::LayerResult r = at_top(c, lc);
  switch (c.objective) {
    case Objective::energy: return r.energy.total_j();
    case Objective::latency: return r.latency_s;
    case Objective::edp: return r.energy.total_j() * r.latency_s;
    default: return 0;
  }
}

int64_t plan_compute_cycles(const Layer& l, const Plan& p, const sim::MacArray& a, sim::MacDtype d) {
  return tiling_compute_cycles(l, make_loop_nest(l), p.tiling, a, d);
}

SramBytes plan_sram_bytes(const Layer& l, const Plan& p) {
  SramBytes s;
  s.write = double(p.dram_read_bytes());
  s.read = double(p.dram_write_bytes()) + array_reads(make_loop_nest(l), p.tiling);
  return s;
}

}  // namespace zoomrt::sched
