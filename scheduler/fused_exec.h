// run_fused: executes a fused chain (scheduler/fusion.h) on the CPU step by step through the
// instrumented SRAM buffer (scheduler/sram_buffer.h) — the proof that a depth-first schedule is
// executable and that its DRAM traffic is what sched::fused_traffic() says.
//
// DRAM holds the first layer's input, every layer's weights and the last layer's output (the
// caller's arrays); the intermediates exist only in SRAM, as windows of rows. Per step, exactly
// as the scheduler's model: windows trimmed to the rows still needed (recompute: emptied), the
// first layer's new input rows read, then layer by layer one output channel (GEMM: column, or
// GEGLU value/gate pair) at a time: its filter read when weights are streamed, the channel's new
// rows computed into an ofmap tile, then stored into the consumer's window (GEGLU applied on the
// way) or, for the last layer, written to DRAM (conv per channel; GEMM: the rows x N output tile
// once per step). Byte counts are ceil(elements x bits / 8) per transfer, as the scheduler's.
// Every allocation goes through the buffer, which throws std::logic_error on overflow.
//
// Layouts (FP32, batch 1): conv input [C,H,W], weights [K,C/groups,R,S], output [K,P,Q];
// GEMM input [M,K], weights [N,K], output [M,N]; attention q [B*Lq, H*D], its "weights" K then V
// in one array ([B,Lk,H*D] each, read per head), output [B*Lq, H*D], softmax scale 1/sqrt(D), no
// mask. No biases. Links: direct, geglu and attention; a group_norm link is costed by the
// scheduler but not executed here (std::logic_error).
#pragma once
#include <span>

#include "scheduler/tiled_exec.h"
#include "scheduler/fusion.h"

namespace zoomrt {

TiledExecStats run_fused(const sched::FusedChain& chain, const sched::FusedTiling& tiling,
                         const sched::SramBudget& budget, const float* input,
                         std::span<const float* const> weights, float* output);

}  // namespace zoomrt
