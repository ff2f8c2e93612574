// Fast FP32 multi-head attention on the packed GEMM (kernels/gemm/gemm.h), tiled by query
// blocks so the score matrix never exceeds [block, lk] per head (never the full lq × lk):
//
//   for each (batch, head): pack K_h and V_h once;
//     for each block of query rows: S = Q_blk · K_hᵀ (GEMM), P = softmax(S · scale) with the
//     causal mask, O_blk = P · V_h (GEMM), written in place into out[b, rows, h*d : (h+1)*d].
//
// Layouts as kernels/ref attention: q [b,lq,heads*d], k/v [b,lk,heads*d], out [b,lq,heads*d].
// Keys are not split, so each softmax row sees its full key range at once (exact max and sum,
// no rescaling). Deterministic for any thread count, like gemm_f32. Scratch: per call about
// (2·lk·d + block·lk) floats.
#pragma once
#include "kernels/thread_pool.h"

namespace zoomrt {

void attention_f32(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                   const float* v, float* out, ThreadPool& pool);

// exp(x) for x <= 0 (softmax arguments after the max is subtracted): a range-reduced
// polynomial, relative error below 2e-7, that compilers vectorise. Exposed for its test.
void exp_nonpositive(int n, const float* x, float* y);

}  // namespace zoomrt
