// compare_strategies: the same layers under several tiling strategies on one NPU, side by side —
// what `zoomrt tiling compare` prints. Per layer and strategy: the plan, its exact DRAM bytes,
// the DRAM model's bursts / row hits / energy / busy time for the emitted transfers (one
// DramModel per strategy, layers in order, so row buffers carry over between layers), compute
// cycles from the array model, and latency and energy from sim::simulate_power (policy fixed).
// Only std::vector<Layer> is needed, so SCALE-Sim topologies and model graphs both work.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/strategy.h"
#include "sim/dram.h"
#include "sim/npu_config.h"

namespace zoomrt::sched {

// Compute cycles of a plan: sum over its tiles of sim::compute_cycles for each tile's GEMM
// shape (conv: m = N P Q of the tile, n = K, k = C R S, once per group; attention: Q K^T and
// P V per head). Frequency independent.
int64_t plan_compute_cycles(const Layer& l, const Plan& p, const sim::MacArray& a, sim::MacDtype d);

// SRAM traffic of a plan, bytes, for the energy model (an estimate; upper bound on array reads):
// every byte fetched from DRAM is written into SRAM (write), every byte written to DRAM is read
// out of it, and on top the array reads each step's input tiles once — the largest tile of every
// input operand, once per step of the loop nest (read).
struct SramBytes {
  double read = 0, write = 0;
};
SramBytes plan_sram_bytes(const Layer& l, const Plan& p);

struct CompareCell {
  Plan plan;
  sim::DramStats dram;        // this layer's transfers through the DRAM model
  int64_t compute_cycles = 0;
  double latency_s = 0;       // from the power model (fixed policy)
  double energy_j = 0;        // total (mac + sram + dram + static)
  double dram_energy_j = 0;
  double row_hit_rate() const {
    return dram.accesses ? double(dram.row_hits) / double(dram.accesses) : 0.0;
  }
};

struct CompareTotals {
  uint64_t bytes_read = 0, bytes_written = 0, accesses = 0, row_hits = 0, activations = 0;
  double latency_s = 0, energy_j = 0, dram_energy_j = 0;
  double row_hit_rate() const { return accesses ? double(row_hits) / double(accesses) : 0.0; }
};

struct CompareResult {
  std::vector<Layer> layers;
  std::vector<Strategy> strategies;
  std::vector<std::vector<CompareCell>> cells;  // [strategy][layer]
  std::vector<CompareTotals> totals;            // [strategy]
  std::string npu_name, sram_budget;
};

CompareResult compare_strategies(const std::vector<Layer>& layers,
                                 const std::vector<Strategy>& strategies,
                                 const sim::NpuConfig& npu, sim::MacDtype dtype);

// Operand widths for an NPU dtype: int8 -> 8-bit everything; fp16 -> 16; int4 -> 8-bit
// activations with int4 weights carrying one f16 scale per 32 (4.5 bits).
OperandBits operand_bits_for(sim::MacDtype d);

}  // namespace zoomrt::sched
