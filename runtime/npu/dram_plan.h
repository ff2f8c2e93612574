// NPU DRAM placement: where the tensors of the lowered NPU graph (runtime/npu/lowering.h) live in
// DRAM, as an NPU compiler's memory planner would put them, so that the DRAM model and the
// DRAMsim3 trace see a layer read its input where its producer wrote it.
//
//   activation arena  [0, arena_bytes): graph inputs, the outputs of matrix and vector nodes and
//                     each matrix node's partial-sum / statistics spill region (live only while
//                     that node runs). Lifetimes are node steps in graph order (the order the
//                     accountant and the executor run): first write .. last read; graph outputs
//                     live to the end. Placement is greedy by size (largest first, each at the
//                     lowest aligned offset free of every already placed item whose lifetime
//                     overlaps): the arena planner of TFLite-style NPU runtimes, with the same
//                     liveness rule as the executor's memory plan (runtime/exec/memory_plan.h).
//   views             reshape / permute outputs (free nodes) share their input's bytes; a matrix
//                     node's fused epilogue (silu, residual add) writes in place: the matrix
//                     node's output operand is the chain's final tensor.
//   weights           after the arena, one region per weight tensor, in graph order.
// Every item starts on a multiple of `align` (dram_row_align: a DRAM row boundary, at least the
// 4 KiB page an NPU's DMA maps), so each tensor starts at column 0 of a row: the row-buffer
// behaviour of a tensor does not depend on what was placed before it.
// Sizes are at the NPU's widths: activations at bits.input, weights at the layer's weight bits,
// spills at the operand's psum bits.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "runtime/npu/lowering.h"
#include "scheduler/dram_emit.h"
#include "scheduler/layer.h"
#include "sim/dram.h"

namespace zoomrt {

// An allocation request: `bytes` live from step `first` to step `last` (inclusive).
struct LiveRange {
  uint64_t bytes = 0;
  int first = 0, last = 0;
};
// Offsets (multiples of align) such that two ranges whose lifetimes overlap never share a byte;
// `arena_bytes` = the end of the highest item, rounded up to align.
std::vector<uint64_t> place_by_liveness(const std::vector<LiveRange>& items, uint64_t align, uint64_t& arena_bytes);

// max(4 KiB, 2^(top bit of the column field)): an aligned block of this size stays in one row of
// each bank it touches (sim/address_mapping.h).
uint64_t dram_row_align(const sim::DramConfig& c);

struct NpuDramPlan {
  uint64_t align = 0, arena_bytes = 0, weight_base = 0, end = 0;
  std::vector<int64_t> tensor_addr;    // by tensor id; -1: not in DRAM
  std::vector<uint64_t> tensor_bytes;  // by tensor id (0: not in DRAM)
  std::vector<int> first, last;        // by tensor id: lifetime in node steps (-1: none)
  // Per node (indexed like g.nodes()): the matrix node's operand placement for sched::emit_plan
  // (empty for other nodes), and its spill region (-1: none).
  std::vector<sched::OperandPlacement> operands;
  std::vector<int64_t> spill_addr;
  std::vector<uint64_t> spill_bytes;
};

// `layers[i]`: node i's scheduler layer (weight bits applied) for matrix nodes; ignored otherwise.
NpuDramPlan plan_npu_dram(const Graph& g, const std::vector<NpuNode>& lowered, const std::vector<sched::Layer>& layers,
                          const std::vector<int>& layer_of_node, int act_bits, uint64_t align);

}  // namespace zoomrt
