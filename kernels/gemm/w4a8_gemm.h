// INT4 W4A8 GEMM: 4-bit weights with one f32 scale per group of `group` k of a column (the
// int4-gG format of weights/quantized.h and BFormat::q4), activations quantised to int8 per row
// as in q8_gemm.h, int32 sums per group, f32 across groups:
//
//   C[i, j] = act(sa[i] * sum_g sw[j, g] * sum_{kk in g} a_q[i, kk] * (code[j, kk] - 8) + bias[j]) + residual
//
// Panels keep the nibbles ([n_panels][groups][group][NR] codes, two per byte, even column in the
// low nibble); per task and panel each group's codes are unpacked to int8 once (a group x NR
// block, L1-sized) and the int8 micro-kernel of kernels/kernel_list.h runs every row tile of
// the task over it, so the integer sums are exact (|code - 8| <= 7, |a_q| <= 127) on every
// ISA. Rows are split over threads; results do not depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/gemm/q8_gemm.h"

namespace zoomrt {

struct PackedGemmBW4A8 {
  int n = 0, k = 0, k_padded = 0, group = 64;  // k_padded: whole groups
  const Q8GemmKernelInfo* kernel = nullptr;
  std::vector<uint8_t> codes;  // [n_panels][k_padded][NR / 2] bytes; code 8 (= 0) in the padding
  std::vector<float> scale;    // [n_panels][k_padded / group][NR]; 1 in the padding
  size_t bytes() const { return codes.size() + 4 * scale.size(); }
};

// From stored int4 codes (weights/quantized.h: [n, ceil(k/2)] bytes, even kk in the low nibble,
// scales [n, ceil(k/group)]); group 32, 64 or 128.
PackedGemmBW4A8 pack_b_w4a8_codes(const Q8GemmKernelInfo& kernel, const uint8_t* codes, const float* scales, int n,
                                  int k, int group);
// Quantises w [n, k] (PyTorch Linear layout) with quantize_q4_group and packs it.
PackedGemmBW4A8 pack_b_w4a8(const Q8GemmKernelInfo& kernel, const float* w, int n, int k, int group);

// c[m, n] = epilogue(dequant(quant(a) . B) + bias); a [m, k] with lda.
void gemm_w4a8(int m, const float* a, size_t lda, const PackedGemmBW4A8& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool);

}  // namespace zoomrt
