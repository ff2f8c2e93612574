// INT4 W4A8 GEMM: 4-bit weights with one f32 scale per group of `group` k of a column (the
// int4-gG format of weights/quantized.h and BFormat::q4), activations quantised to int8 per row
// as in q8_gemm.h, int32 sums per group, f32 across groups:
//
//   C[i, j] = act(sa[i] * sum_g sw[j, g] * sum_{kk in g} a_q[i, kk] * (code[j, kk] - 8) + bias[j]) + residual
//
// The micro-kernels (kernels/kernel_list.h, ZOOMRT_W4A8_GEMM_KERNELS) read the nibble panels
// directly: a vector load splits into low and high nibbles (and / shift), the unsigned codes
// 0..15 multiply the signed activation codes (vpdpbusd / vpmaddubsw: |15 * 127| products, no
// saturation), and the code offset 8 is folded into the accumulator's start value
// -8 * sum_{kk in g} a_q[i, kk]. So the integer sums are exact on every ISA, and the result does
// not depend on the thread count (each C tile is one fixed sequence of operations).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/kernel_list.h"

namespace zoomrt {

namespace kern {
// W4A8 micro-kernel contract (one signature for the family), for i < mr, j < NR:
//   c[i, j] = a_scale[i] * sum_{g < groups} b_scale[g * NR + j] *
//             float(a_corr[i * ld_corr + g] + sum_{s < steps(g), t < kgroup} a[i, kk] * code(kk, j))
//   with kk = (g * group_steps + s) * kgroup + t, a_corr = -8 * (sum of the row's codes in group g),
//   steps(g) = group_steps except last_steps (<= group_steps) for the last group: past the real
//   k the activation codes are 0, so the padding's steps are skipped (K = 81 at g64: 21 steps
//   instead of 32).
//   a: s8 activation codes, row i at a + i * lda; b: one nibble panel (PackedGemmBW4A8 layout);
//   the f32 sum over g runs in ascending g (first term a product, then fused multiply-adds).
using W4A8GemmKernelFn = void (*)(size_t mr, size_t groups, size_t group_steps, size_t last_steps, const int8_t* a,
                                  size_t lda, const int32_t* a_corr, size_t ld_corr, const uint8_t* b,
                                  const float* b_scale, const float* a_scale, float* c, size_t ldc);
// w4a8_group_sums__<isa>: a_corr of one row, out[g] = -8 * sum_{t < group} q[g * group + t]
// (group a multiple of 32), vectorised in the kernel's ISA.
using W4A8GroupSumsFn = void (*)(size_t groups, size_t group, const int8_t* q, int32_t* out);
#define X(name, isa, partner, mr, nr, kgroup)                                                                 \
  void name(size_t mr_, size_t groups, size_t group_steps, size_t last_steps, const int8_t* a, size_t lda,    \
            const int32_t* a_corr, size_t ld_corr, const uint8_t* b, const float* b_scale, const float* a_scale, \
            float* c, size_t ldc);                                                                              \
  void w4a8_group_sums__##isa(size_t groups, size_t group, const int8_t* q, int32_t* out);
ZOOMRT_W4A8_GEMM_KERNELS(X)
#undef X
}  // namespace kern

struct W4A8GemmKernelInfo {
  std::string_view name;
  Isa isa;
  std::string_view q8_partner;  // the Q8GemmKernelInfo whose quantiser and epilogue it shares
  int mr, nr, kgroup;
  kern::W4A8GemmKernelFn kernel;
  kern::W4A8GroupSumsFn group_sums;
};
// The W4A8 kernel for an int8 kernel: its partner row, or the generic row when it has none.
const W4A8GemmKernelInfo& w4a8_kernel_for(const Q8GemmKernelInfo& q8);

struct PackedGemmBW4A8 {
  int n = 0, k = 0, k_padded = 0, group = 64;  // k_padded: whole groups
  const Q8GemmKernelInfo* kernel = nullptr;    // activation quantiser and epilogue
  const W4A8GemmKernelInfo* w4a8 = nullptr;    // micro-kernel; its nr / kgroup shape the panels
  // Panels [n_panels][k_padded / kgroup][NR / 2][kgroup] bytes: byte (j, t) of step s holds
  // column j (low nibble) and column j + NR/2 (high nibble) at k = s * kgroup + t, code 8 (= 0)
  // in the padding. One vector load of a step thus yields two NR/2-column halves.
  std::vector<uint8_t> codes;
  std::vector<float> scale;  // [n_panels][k_padded / group][NR]; 1 in the padding
  size_t bytes() const { return codes.size() + 4 * scale.size(); }
};

// From stored int4 codes (weights/quantized.h: [n, ceil(k/2)] bytes, even kk in the low nibble,
// scales [n, ceil(k/group)]); group 32, 64 or 128.
PackedGemmBW4A8 pack_b_w4a8_codes(const Q8GemmKernelInfo& kernel, const uint8_t* codes, const float* scales, int n,
                                  int k, int group);
// Quantises w [n, k] (PyTorch Linear layout) with quantize_q4_group and packs it (tests and
// zoomrt-bench; the runtime packs the stored codes above).
PackedGemmBW4A8 pack_b_w4a8(const Q8GemmKernelInfo& kernel, const float* w, int n, int k, int group);

// c[m, n] = epilogue(dequant(quant(a) . B) + bias); a [m, k] with lda. Quantised activations
// live in a per-thread buffer of at most ~1 MiB of codes.
void gemm_w4a8(int m, const float* a, size_t lda, const PackedGemmBW4A8& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool);

namespace kern {
// The W4A8 driver with rows of A from a source (gemm_w4a8: rows of A in place; the W4A8
// convolution: gathered im2col rows): row(ctx, r, scratch) returns row r's b.k floats, either
// in place or written to `scratch` (b.k floats, per thread). Each task quantises its rows.
struct W4A8RowSource {
  const void* ctx;
  const float* (*row)(const void* ctx, int r, float* scratch);
};
void run_gemm_w4a8(int m, const W4A8RowSource& src, const PackedGemmBW4A8& b, const float* bias, const Epilogue& epi,
                   float* c, size_t ldc, ThreadPool& pool);
}  // namespace kern

}  // namespace zoomrt
