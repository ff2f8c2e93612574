#include "scheduler/compare.h"

#include "scheduler/dram_emit.h"
#include "sim/power.h"

namespace zoomrt::sched {

OperandBits operand_bits_for(sim::MacDtype d) {
  switch (d) {
    case sim::MacDtype::int4: return {8, 4.5, 8, 32};
    case sim::MacDtype::int8: return {8, 8, 8, 32};
    case sim::MacDtype::fp16: return {16, 16, 16, 32};
  }
  return {};
}

SramBytes plan_sram_bytes(const Layer& l, const Plan& p) {
  const LoopNest n = make_loop_nest(l);
  double steps = 1;
  for (int d = 0; d < n.dims(); ++d) steps *= double(trips(n, p.tiling, d));
  double per_step = 0;
  for (const Operand& o : n.operands) {
    if (o.role != Role::input) continue;
    int64_t elems = 1;
    for (const Axis& a : o.axes) elems *= max_axis_extent(a, a.dim >= 0 ? p.tiling.tile[a.dim] : 1);
    per_step += double(bytes_of(elems, o.bits_milli));
  }
  SramBytes s;
  s.write = double(p.dram_read_bytes());
  s.read = double(p.dram_write_bytes()) + steps * per_step;
  return s;
}

CompareResult compare_strategies(const std::vector<Layer>& layers,
                                 const std::vector<Strategy>& strategies,
                                 const sim::NpuConfig& npu, sim::MacDtype dtype) {
  CompareResult r;
  r.layers = layers;
  r.strategies = strategies;
  r.npu_name = npu.name;
  const SramBudget budget = sram_budget(npu);  // compute-aware tilings
  r.sram_budget = budget.describe();
  for (Strategy s : strategies) {
    const std::vector<Plan> plans = plan_layers(layers, s, budget);
    sim::DramModel dram(npu.dram);
    std::vector<CompareCell> cells;
    std::vector<sim::LayerCost> costs;
    for (size_t i = 0; i < layers.size(); ++i) {
      CompareCell c;
      c.plan = plans[i];
      c.dram = emit_plan(layers[i], plans[i], dram).dram;
      c.compute_cycles = plan_compute_cycles(layers[i], plans[i], npu.array, dtype);
      sim::LayerCost cost;
      cost.name = layers[i].name;
      cost.cycles = c.compute_cycles;
      cost.dram_ns = c.dram.busy_ns;
      cost.macs = double(layers[i].macs());
      cost.dtype = dtype;
      const SramBytes sram = plan_sram_bytes(layers[i], plans[i]);
      cost.sram_read_bytes = sram.read;
      cost.sram_write_bytes = sram.write;
      cost.dram = c.dram;
      costs.push_back(cost);
      cells.push_back(std::move(c));
    }
    const sim::RunResult run = sim::simulate_power(npu, costs, sim::PowerPolicy::fixed, 0);
    CompareTotals t;
    for (size_t i = 0; i < cells.size(); ++i) {
      CompareCell& c = cells[i];
      c.latency_s = run.layers[i].latency_s;
      c.energy_j = run.layers[i].energy.total_j();
      c.dram_energy_j = run.layers[i].energy.dram_j;
      t.bytes_read += c.dram.bytes_read;
      t.bytes_written += c.dram.bytes_written;
      t.accesses += c.dram.accesses;
      t.row_hits += c.dram.row_hits;
      t.activations += c.dram.activations;
      t.latency_s += c.latency_s;
      t.energy_j += c.energy_j;
      t.dram_energy_j += c.dram_energy_j;
    }
    r.cells.push_back(std::move(cells));
    r.totals.push_back(t);
  }
  return r;
}

}  // namespace zoomrt::sched
