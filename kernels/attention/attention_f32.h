// Fast FP32 multi-head attention, dispatched once per process to the best implementation in
// kernels/attention/attention_kernels.h. On x86 with AVX2 or AVX-512 that is a flash-style
// kernel: K and V packed once per (batch, head); each task takes a few query rows, walks the keys
// in blocks with an online softmax (running max and sum, the output accumulator rescaled when
// the max grows), so no score row longer than one key block is ever held; never lq × lk.
//
// Layouts as kernels/ref attention: q [b,lq,heads*d], k/v [b,lk,heads*d], out [b,lq,heads*d],
// row-major floats. softmax(scale · q·kᵀ) · v per head. causal: query i sees keys j <= i (mask
// aligned top-left, also when lq != lk). Every output element is computed by one task in a
// fixed order: results are bit-identical for any thread count. Scratch, freed on return: the
// packed K and V of one group of heads (2·lk·d floats per head; as many heads as fit in 2 MiB,
// at least one) plus a few KB per task; the generic kernel holds one head's K and V packed for
// the GEMM and a 256 x lk score block.
#pragma once
#include <span>
#include <string_view>

#include "kernels/cpu_features.h"
#include "kernels/thread_pool.h"

namespace zoomrt {

void attention_f32(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                   const float* v, float* out, ThreadPool& pool);

// The implementations behind attention_f32, least preferred first (tests run each one the CPU
// supports; cpu_supports(isa) says which may run here).
using AttentionFn = void (*)(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q,
                             const float* k, const float* v, float* out, ThreadPool& pool);
struct AttentionKernel {
  std::string_view name;
  Isa isa;
  AttentionFn fn;
};
std::span<const AttentionKernel> attention_kernels();
const AttentionKernel& attention_kernel();  // the one attention_f32 uses

// exp(x) for x <= 0 (softmax arguments after the max is subtracted): a range-reduced
// polynomial, relative error below 2e-7, that compilers vectorise. Exposed for its test.
void exp_nonpositive(int n, const float* x, float* y);

}  // namespace zoomrt
