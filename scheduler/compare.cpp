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

CompareResult compare_strategies(const std::vector<Layer>& layers,
                                 const std::vector<Strategy>& strategies,
                                 const sim::NpuConfig& npu, sim::MacDtype dtype, Objective objective) {
  CompareResult r;
  r.layers = layers;
  r.strategies = strategies;
  r.npu_name = npu.name;
  r.objective = objective;
  const CostContext ctx = cost_context(npu, dtype, objective);
  r.sram_budget = ctx.budget.describe();
  for (Strategy s : strategies) {
    const std::vector<Plan> plans = plan_layers(layers, s, ctx);
    std::vector<CompareCell> cells;
    std::vector<sim::LayerCost> costs;
    for (size_t i = 0; i < layers.size(); ++i) {
      CompareCell c;
      c.plan = plans[i];
      c.dram = plans[i].cost.layer.dram;
      c.compute_cycles = plans[i].cost.layer.cycles;
      if (s == Strategy::romanet) {
        Plan rm = make_plan(layers[i], s, plans[i].tiling, DramLayout::row_major);
        rm.relayout_read_bytes = plans[i].relayout_read_bytes;
        rm.relayout_write_bytes = plans[i].relayout_write_bytes;
        c.has_row_major_tiles = true;
        c.row_major_tiles = cost_plan(layers[i], rm, ctx).layer.dram;
      }
      costs.push_back(plans[i].cost.layer);
      cells.push_back(std::move(c));
    }
    const sim::RunResult run = sim::simulate_power(npu, costs, sim::PowerPolicy::fixed, 0);
    CompareTotals t;
    for (size_t i = 0; i < cells.size(); ++i) {
      CompareCell& c = cells[i];
      c.latency_s = run.layers[i].latency_s;
      c.energy_j = run.layers[i].energy.total_j();
      c.dram_energy_j = run.layers[i].energy.dram_j;
      c.objective = objective_value(objective, c.plan.cost);
      t.bytes_read += c.dram.bytes_read;
      t.bytes_written += c.dram.bytes_written;
      t.accesses += c.dram.accesses;
      t.row_hits += c.dram.row_hits;
      t.activations += c.dram.activations;
      t.latency_s += c.latency_s;
      t.energy_j += c.energy_j;
      t.dram_energy_j += c.dram_energy_j;
    }
    t.objective = objective_total(objective, t);
    r.cells.push_back(std::move(cells));
    r.totals.push_back(t);
  }
  return r;
}

double objective_total(Objective o, const CompareTotals& t) {
  switch (o) {
    case Objective::energy: return t.energy_j;
    case Objective::latency: return t.latency_s;
    case Objective::edp: return t.energy_j * t.latency_s;
    case Objective::accesses: return double(t.accesses);
    case Objective::bytes: return double(t.bytes_read + t.bytes_written);
  }
  return 0;
}

}  // namespace zoomrt::sched
