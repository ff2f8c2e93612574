// Fast FP32 2-D convolution (any r x s, tuned for 3x3 and 1x1; stride >= 1; zero padding;
// groups = 1) as an implicit GEMM on the kernels/gemm/ micro-kernels:
//
//   y[n, p, q, k] = act(bias[k] + sum over (r, s, c) of x[n, p*stride - pad + r, q*stride - pad + s, c]
//                                                      * w[k, c, r, s]) + residual[n, p, q, k]
//
// Activations are NHWC inside the runtime (channels fastest: the GEMM's reduction runs over
// contiguous channels); nchw_to_nhwc / nhwc_to_nchw convert at the model's edges. The GEMM is
// M = n*p*q output pixels, N = k output channels, K = r*s*c in (r, s, c) order. The full im2col
// matrix is never built: a 1x1 stride-1 convolution reads x in place; most others copy the
// input rows each task needs into a zero-padded band (per-thread scratch, about the task's
// share of x) and read im2col rows from it in place; the rest gather im2col blocks of at most
// mc x kc floats per task (docs/kernels.md, Convolution).
// Determinism as gemm_f32: bit-identical for any thread count.
#pragma once
#include <cstdint>

#include "kernels/gemm/bf16_gemm.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/thread_pool.h"

namespace zoomrt {

struct ConvShape {
  int n, c, h, w;  // input: batch, channels, height, width
  int k, r, s;     // output channels, kernel height, kernel width
  int stride = 1, pad = 0;
  int p() const { return (h + 2 * pad - r) / stride + 1; }  // output height
  int q() const { return (w + 2 * pad - s) / stride + 1; }  // output width
};

// Weights [k, c, r, s] (PyTorch layout) packed once for the default GEMM kernel.
struct PackedConvWeights {
  int k = 0, c = 0, r = 0, s = 0;
  PackedGemmB gemm;  // B of the implicit GEMM: n = k, k = r*s*c in (r, s, c) order
};
PackedConvWeights pack_conv2d_f32(const float* w, int k, int c, int r, int s);
PackedConvWeights pack_conv2d_f32_for(const F32GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s);
// Weights kept compressed (f16, or q4 with `group` k per scale over the (r, s, c) order; see
// BFormat in kernels/gemm/gemm.h); the convolution expands B blocks on the fly.
PackedConvWeights pack_conv2d(const float* w, int k, int c, int r, int s, BFormat format, int group = 64);

// x [n, h, w, c], y [n, p, q, k], bias [k] or nullptr, epi.residual [n, p, q, k] with
// ld_residual = k (or nullptr). y must not alias x or the residual. Shape must match `w`.
void conv2d_nhwc_f32(const ConvShape& sh, const float* x, const PackedConvWeights& w, const float* bias,
                     const Epilogue& epi, float* y, ThreadPool& pool);

// Drop-in for callers that still hold NCHW tensors (ref::conv2d's layout): converts x to NHWC,
// runs conv2d_nhwc_f32 with bias and activation, converts back and adds epi.residual given as
// NCHW [n, k, p, q] (ld_residual ignored). Costs two transposes; prefer NHWC end to end.
void conv2d_nchw_f32(const ConvShape& sh, const float* x, const PackedConvWeights& w, const float* bias,
                     const Epilogue& epi, float* y, ThreadPool& pool);

// Int8 convolution: weights quantised per output channel (kernels/gemm/q8_gemm.h); each row of
// the implicit im2col matrix (one output pixel's receptive field, r*s*c values, padding zeros
// included) is gathered and quantised on the fly with its own scale, then the int8 GEMM runs.
// Same layouts, epilogue and thread-count determinism as conv2d_nhwc_f32.
struct PackedConvWeightsQ8 {
  int k = 0, c = 0, r = 0, s = 0;
  PackedGemmBQ8 gemm;  // n = k, k = r*s*c in (r, s, c) order
};
PackedConvWeightsQ8 pack_conv2d_q8(const float* w, int k, int c, int r, int s);
PackedConvWeightsQ8 pack_conv2d_q8_for(const Q8GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s);
void conv2d_nhwc_q8(const ConvShape& sh, const float* x, const PackedConvWeightsQ8& w, const float* bias,
                    const Epilogue& epi, float* y, ThreadPool& pool);
// NCHW drop-in of conv2d_nhwc_q8, as conv2d_nchw_f32.
void conv2d_nchw_q8(const ConvShape& sh, const float* x, const PackedConvWeightsQ8& w, const float* bias,
                    const Epilogue& epi, float* y, ThreadPool& pool);

// BF16 convolution (kernels/gemm/bf16_gemm.h): weights rounded to bf16 in (r, s, c) order; each
// im2col row gathered and rounded on the fly. Gives exactly what gemm_bf16 gives on the im2col
// matrix with the same packed weights; same layouts, epilogue and determinism as conv2d_nhwc_f32.
struct PackedConvWeightsBf16 {
  int k = 0, c = 0, r = 0, s = 0;
  PackedGemmBBf16 gemm;  // n = k, k = r*s*c in (r, s, c) order
};
PackedConvWeightsBf16 pack_conv2d_bf16(const float* w, int k, int c, int r, int s);
PackedConvWeightsBf16 pack_conv2d_bf16_for(const Bf16GemmKernelInfo* kernel, const float* w, int k, int c, int r,
                                           int s);
void conv2d_nhwc_bf16(const ConvShape& sh, const float* x, const PackedConvWeightsBf16& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool);
// NCHW drop-in of conv2d_nhwc_bf16, as conv2d_nchw_f32.
void conv2d_nchw_bf16(const ConvShape& sh, const float* x, const PackedConvWeightsBf16& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool);

// Layout converters at the edges: x [n, c, hw] <-> y [n, hw, c].
void nchw_to_nhwc(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool);
void nhwc_to_nchw(int n, int c, int64_t hw, const float* x, float* y, ThreadPool& pool);

}  // namespace zoomrt
