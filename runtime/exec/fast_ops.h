// The fast CPU path of the executor: linear, conv2d and attention nodes run on the packed, blocked,
// vectorised kernels of kernels/gemm and kernels/conv instead of the reference loops. Weights
// are packed once when the executor binds them, in the format the precision policy chooses
// (runtime/exec/precision.h): f32 / f16 / int4 / palette / 2:4 sparse panels on the f32 micro-kernels
// (compressed panels are expanded per B block), int8 on the int8 kernels, bf16 on the bf16
// kernels (AMX tiles where the CPU has them). Weights stored
// quantised by `zoomrt quantize` (weights/quantized.h) pack from their codes whatever the policy,
// so the file's rounding is the only one: int8 -> int8 kernels (codes and scales as stored),
// int4-gG -> q4 panels with the file's group (W4A8 panels under int4a8), paletteB[-ch] ->
// palette panels with the file's codebooks, sparse24 -> 2:4 panels; f16 (a plain F16 tensor)
// packs in the policy's format, exactly as an fp16-variant model. Every other op (and grouped convolution)
// stays on the reference kernels in FP32. The fast kernels are deterministic for any thread
// count, like the reference ones, but round differently (tests hold both to the same budgets).
#pragma once
#include <functional>
#include <memory>

#include "graph/graph.h"
#include "kernels/attention/attention_bf16.h"
#include "kernels/attention/attention_f32.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_w4a8.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/gemm/w4a8_gemm.h"
#include "runtime/exec/precision.h"
#include "weights/quantized.h"
#include "weights/safetensors.h"

namespace zoomrt {

struct FastNode {
  PackedGemmB gemm;           // linear f32 / f16 / int4 / palette / sparse24: w [n, k]
  PackedConvWeights conv;     // conv2d in the same formats: w [k, c, r, s], groups 1
  PackedGemmBQ8 gemm_q8;      // linear int8
  PackedConvWeightsQ8 conv_q8;  // conv2d int8
  PackedGemmBW4A8 gemm_w4a8;  // linear int4a8
  PackedConvWeightsW4A8 conv_w4a8;  // conv2d int4a8: codes in (r, s, c) order, packed like gemm_w4a8
  PackedGemmBBf16 gemm_bf16;  // linear bf16
  PackedConvWeightsBf16 conv_bf16;  // conv2d bf16
  bool q8 = false;            // the *_q8 members are the packed weights
  bool w4a8 = false;          // gemm_w4a8 / conv_w4a8 is the packed weight
  bool bf16 = false;          // gemm_bf16 / conv_bf16 is the packed weight; attention: attention_bf16
  bool attention = false;     // attention: kernels/attention (no weights to pack)
  size_t weight_bytes() const;  // bytes of the packed weights
};

// True when prepare_fast_node packs the node's weight (input 1): the executor may then hand it
// the weight's file view instead of an f32 copy, and drop the view once packed.
bool fast_node_packs_weight(const Graph& g, const Node& n);

// Packs the node's weight when a fast kernel covers the node; nullptr otherwise. The weight is
// `weight_f32` when non-null, else `stored`: a plain F32 / F16 / BF16 view (converted one layer
// at a time, so a half-precision model is never held in f32 as a whole) or a quantised weight.
std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n, const float* weight_f32,
                                            const StoredWeight* stored, const Precision& precision);

// y[m, n] = epi(x[m, k] . W + bias) with a linear node's packed weight W [n, k] (any format
// prepare_fast_node packs); x and y row-major, tight. Row i of y depends on row i of x alone (the
// int8 activation scales are per row), so running rows in chunks gives the same bits.
void run_fast_linear(const FastNode& f, int m, const float* x, int k, const float* bias, const Epilogue& epi,
                     float* y, int n, ThreadPool& pool);

// Runs a node prepared by prepare_fast_node.
void run_fast_node(const Graph& g, const Node& n, const FastNode& f, const std::function<void*(TensorId)>& ptr,
                   ThreadPool& pool);

}  // namespace zoomrt
