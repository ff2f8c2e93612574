// emit_plan: replays a plan's tile transfers, in schedule order, as DRAM address ranges into a
// sim::DramModel, giving the layer's row hits / misses / conflicts, activations, energy and time.
//
// Address map of one layer: each operand tensor gets its own region, the output a second region
// for spilled partial sums (psum bits); regions start at `base_addr` and are aligned to
// `region_align_bytes`, or where EmitOptions::placement puts them (the model's DRAM allocation). Within a region the plan's DramLayout decides the element order:
//   row-major  the layer's row-major tensor (layer.h); a tile is a set of runs
//   tiled      (romanet) the tensor cut into blocks of the plan's tile size, each block
//              contiguous (row-major inside), blocks in row-major order: an aligned tile is one
//              run, so its bursts fill the columns of a DRAM row, then the next bank/rank
//              (with the row-above-bank mappings of the presets); halo reads span a few blocks.
// Sub-byte elements: a tile moves bytes_of(elements, bits) bytes, shared among its runs by
// cumulative rounding, so the emitted bytes equal analytic_traffic() exactly.
#pragma once
#include <cstdint>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/strategy.h"
#include "sim/dram.h"

namespace zoomrt::sched {

// Where each operand's regions start (LoopNest::operands order): base[i] its tensor, psum[i] its
// spilled partial sums (read only for non-input operands). Empty: packed from base_addr.
// The NPU accountant fills it from the model's DRAM allocation (runtime/npu/dram_plan.h).
struct OperandPlacement {
  std::vector<uint64_t> base, psum;
  bool empty() const { return base.empty(); }
};

struct EmitOptions {
  OperandPlacement placement;  // when set, base_addr and region_align_bytes are unused
  uint64_t base_addr = 0;
  uint64_t region_align_bytes = uint64_t(1) << 20;
  // Speed knob for whole-model simulation: after this many ranges (0 = no limit) the rest of the
  // layer is not fed to the DRAM model; its counters, time and energy are scaled by total bytes /
  // emitted bytes (bytes themselves stay exact) and EmitResult::extrapolated is set.
  uint64_t max_ranges = 0;
};

struct EmitResult {
  sim::DramStats dram;  // this layer only (the model's counters are reset first; open rows stay)
  uint64_t read_bytes = 0, write_bytes = 0;  // as emitted (== plan.dram_*_bytes())
  uint64_t ranges = 0;                       // access() calls
  bool extrapolated = false;                 // max_ranges was reached (see EmitOptions)
};

// Scales what a DRAM model saw of the first `emitted` bytes to a transfer of read + written bytes
// (counters, time, energy; bytes set exactly): the max_ranges extrapolation, for other emitters.
void extrapolate_dram_stats(sim::DramStats& d, uint64_t read, uint64_t written, uint64_t emitted);

EmitResult emit_plan(const Layer& l, const Plan& p, sim::DramModel& dram, const EmitOptions& o = {});

}  // namespace zoomrt::sched
