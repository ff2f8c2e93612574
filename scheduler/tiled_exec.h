// run_tiled: executes a scheduler plan on the CPU, tile by tile, through an instrumented SRAM
// buffer — the proof that a schedule is executable (DESIGN.md principle 2).
//
// The layer's tensors live in "DRAM" (the caller's arrays, plus internal arrays for spilled
// partial sums). Following sched::walk_tiles, every tile is copied from DRAM into the SRAM
// buffer, computed there with plain loops, and written back; the buffer counts the bytes that
// come in and go out (a tile of e elements of b bits = ceil(e b / 8) bytes) and throws
// std::logic_error if the resident tiles ever exceed the budget (per partition, or unified).
// Tests require: counted bytes == sched::analytic_traffic() exactly, output == the untiled
// kernels/ref result within 1e-5 relative.
//
// Layouts (FP32, row-major), as kernels/ref/ops.h:
//   conv       inputs {x [N,C,H,W], w [K,C/groups,R,S]}, out y [N,K,P,Q]   (no bias)
//   gemm       inputs {x [M,K], w [N,K]}, out y [M,N]                      (no bias)
//   attention  inputs {q [B,Lq,heads*D], k [B,Lk,heads*D], v [B,Lk,heads*D]},
//              out [B,Lq,heads*D]; softmax(q k^T / sqrt(D)) v, not causal; online (flash) softmax
//              with the score tile on chip and the running max/sum spilled with the outputs.
#pragma once
#include <cstdint>
#include <span>

#include "scheduler/layer.h"
#include "scheduler/sram_budget.h"
#include "scheduler/strategy.h"

namespace zoomrt {

struct TiledExecStats {
  uint64_t read_bytes = 0, write_bytes = 0;  // DRAM -> SRAM, SRAM -> DRAM
  uint64_t transfers = 0;                    // tile copies in either direction
  int64_t peak_sram_bytes = 0;               // most bytes resident at once (all partitions)
};

TiledExecStats run_tiled(const sched::Layer& layer, const sched::Plan& plan,
                         const sched::SramBudget& budget, std::span<const float* const> inputs,
                         float* output);

}  // namespace zoomrt
