// The one list of FP32 attention implementations (internal to kernels/; callers use
// attention_f32.h). Each row drives the declarations below, the dispatch table in
// attention_f32.cpp (best supported row wins, chosen once) and tests/kernels_attention_test.cpp
// (every row the CPU supports is checked against kernels/ref).
//
//   attention_gemm__generic: query blocks on the packed GEMM, scores [256, lk] in memory.
//   attention_flash_<MR>__<isa>: flash-style, MR query rows per task, online softmax, scores
//     never leave a [MR, key block] buffer in L1 (kernels/attention/flash_impl.h).
#pragma once
#include "kernels/cpu_features.h"

// X(name, isa), least preferred first.
#define ZOOMRT_ATTENTION_KERNELS_PORTABLE(X) X(attention_gemm__generic, generic)
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_ATTENTION_KERNELS_X86(X)   \
  X(attention_flash_6__avx2, avx2)        \
  X(attention_flash_12__avx512, avx512)
#else  // the x86 translation units are not compiled elsewhere
#define ZOOMRT_ATTENTION_KERNELS_X86(X)
#endif
#define ZOOMRT_ATTENTION_KERNELS(X) ZOOMRT_ATTENTION_KERNELS_PORTABLE(X) ZOOMRT_ATTENTION_KERNELS_X86(X)

// X(name, isa): BF16 attention kernels (kernels/attention/attention_bf16.h), least preferred
// first; where none is supported attention_bf16 runs attention_f32.
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_ATTENTION_BF16_KERNELS(X) X(attention_bf16_16__amx, amx)
#else
#define ZOOMRT_ATTENTION_BF16_KERNELS(X)
#endif

namespace zoomrt {
class ThreadPool;

namespace kern {
// Same contract as attention_f32 (kernels/attention/attention_f32.h).
#define X(name, isa)                                                                                          \
  void name(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k, \
            const float* v, float* out, ThreadPool& pool);
ZOOMRT_ATTENTION_KERNELS(X)
ZOOMRT_ATTENTION_BF16_KERNELS(X)
#undef X
}  // namespace kern
}  // namespace zoomrt
