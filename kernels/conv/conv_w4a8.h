// INT4 W4A8 implicit-GEMM convolution (kernels/gemm/w4a8_gemm.h for the format and kernels):
// NHWC activations x [n, h, w, c], output y [n, p, q, k], weights [k, c, r, s] (PyTorch)
// reordered to [k][r][s][c] and quantised to 4 bits with one f32 scale per `group` (32/64/128)
// consecutive values of that (r, s, c) order. Each row of the implicit im2col matrix (one
// output pixel's receptive field, padding zeros included) is gathered and quantised to int8 with
// its own scale, as in conv2d_nhwc_q8; then the W4A8 micro-kernels run. Same epilogue and
// thread-count determinism as conv2d_nhwc_f32. Implemented in conv_q8.cpp.
#pragma once
#include "kernels/conv/conv.h"
#include "kernels/gemm/w4a8_gemm.h"

namespace zoomrt {

struct PackedConvWeightsW4A8 {
  int k = 0, c = 0, r = 0, s = 0;
  PackedGemmBW4A8 gemm;  // n = k, k = r*s*c in (r, s, c) order
};
// Stored int4 weights (weights/quantized.h keeps conv codes in (r, s, c) order) need no conv
// packer: {k, c, r, s, pack_b_w4a8_codes(kernel, codes, scales, k, r*s*c, group)} is the
// runtime's route. This one quantises float weights with quantize_q4_group (BFormat::q4's
// max|w|/7 rule, not the stored format's quantiser), for tests and zoomrt-bench.
PackedConvWeightsW4A8 pack_conv2d_w4a8(const Q8GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s,
                                       int group);
void conv2d_nhwc_w4a8(const ConvShape& sh, const float* x, const PackedConvWeightsW4A8& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool);

}  // namespace zoomrt
