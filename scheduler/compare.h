// compare_strategies: the same layers under several tiling strategies on one NPU, side by side —
// what `zoomrt tiling compare` prints. Per layer and strategy: the plan and its full cost
// (cost_plan: exact DRAM bytes, the DRAM model's bursts / row hits / energy / busy time on a DRAM
// with every row closed, compute cycles, SRAM), latency and energy from sim::simulate_power at the
// highest V–F point (policy fixed), and the objective every strategy minimised.
// Only std::vector<Layer> is needed, so SCALE-Sim topologies and model graphs both work.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/plan_cost.h"
#include "scheduler/strategy.h"
#include "sim/dram.h"
#include "sim/npu_config.h"

namespace zoomrt::sched {

struct CompareCell {
  Plan plan;
  sim::DramStats dram;        // this layer's transfers through the DRAM model
  int64_t compute_cycles = 0;
  double latency_s = 0;       // from the power model (fixed policy)
  double energy_j = 0;        // total (mac + sram + dram + static)
  double dram_energy_j = 0;
  double objective = 0;       // objective_value of the plan's cost
  // romanet only: the same tiles in row-major layout (what its DRAM mapping is compared with)
  bool has_row_major_tiles = false;
  sim::DramStats row_major_tiles;
  double row_hit_rate() const {
    return dram.accesses ? double(dram.row_hits) / double(dram.accesses) : 0.0;
  }
};

struct CompareTotals {
  uint64_t bytes_read = 0, bytes_written = 0, accesses = 0, row_hits = 0, activations = 0;
  double latency_s = 0, energy_j = 0, dram_energy_j = 0;
  double objective = 0;  // objective_total
  double row_hit_rate() const { return accesses ? double(row_hits) / double(accesses) : 0.0; }
};

struct CompareResult {
  std::vector<Layer> layers;
  std::vector<Strategy> strategies;
  std::vector<std::vector<CompareCell>> cells;  // [strategy][layer]
  std::vector<CompareTotals> totals;            // [strategy]
  std::string npu_name, sram_budget;
  Objective objective = Objective::energy;
};

CompareResult compare_strategies(const std::vector<Layer>& layers,
                                 const std::vector<Strategy>& strategies,
                                 const sim::NpuConfig& npu, sim::MacDtype dtype,
                                 Objective objective = Objective::energy);
// A model's total in the objective (EDP: total energy x total latency).
double objective_total(Objective o, const CompareTotals& t);

// Operand widths for an NPU dtype: int8 -> 8-bit everything; fp16 -> 16; int4 -> 8-bit
// activations with int4 weights carrying one f16 scale per 32 (4.5 bits).
OperandBits operand_bits_for(sim::MacDtype d);

}  // namespace zoomrt::sched
