// BF16 multi-head attention: q, k and v rounded to bfloat16, the scores q·kᵀ and the weighted sum
// P·v computed on AMX tiles with f32 sums, the softmax in f32 between them (P rounded to bf16
// for the second product, its row sums kept in f32 for the normalisation).
//
//   out[i] = sum_j bf16(p_ij) * bf16(v_j) / sum_j p_ij,  p_ij = exp(scale * (s_ij - max_j s_ij)),
//   s_ij = sum_d bf16(q_i,d) * bf16(k_j,d)
//
// Same layouts, causal mask and thread-count determinism as attention_f32 (attention_f32.h).
// Where the CPU has no AMX (or ZOOMRT_ISA caps it) attention_bf16 is attention_f32: f32 all the
// way, no rounding. Scratch: K and V of a group of heads packed as bf16 tiles (4·lk·d bytes per
// head, lk and d padded to 64; as many heads as fit in 2 MiB, at least one), freed on return; per thread 16 rows of f32 scores and bf16 weights (6·lk bytes
// per row), kept for the next call.
#pragma once
#include <span>

#include "kernels/attention/attention_f32.h"

namespace zoomrt {

void attention_bf16(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                    const float* v, float* out, ThreadPool& pool);

// The kernels behind attention_bf16 (tests run each one the CPU supports), and the one it uses
// (nullptr: attention_f32).
std::span<const AttentionKernel> attention_bf16_kernels();
const AttentionKernel* attention_bf16_kernel();

}  // namespace zoomrt
