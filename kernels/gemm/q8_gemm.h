// INT8 GEMM: symmetric per-output-channel int8 weights, activations quantised dynamically per
// row, int32 accumulation, fused float epilogue.
//
//   w_q[j, kk] = round(w[j, kk] / sw[j]),  sw[j] = max_kk |w[j, kk]| / 127     (pack time)
//   a_q[i, kk] = round(a[i, kk] / sa[i]),  sa[i] = max_kk |a[i, kk]| / 127     (every call)
//   C[i, j]    = act(sa[i] * sw[j] * sum_kk a_q[i, kk] * w_q[j, kk] + bias[j]) + residual[i, j]
//
// Both quantised ranges are [-127, 127] (round to nearest, ties to even), so the integer sums are
// exact for any input on every ISA (no vpmaddubsw saturation: the AVX2 kernel moves A's sign
// onto B so products stay within 127 * 127, the VNNI kernel adds 128 to A and subtracts
// 128 * column sums of B);
// integer results are identical across ISAs and thread counts, float rounding of the dequant
// aside. A zero row or weight channel gets scale 1 (all-zero codes).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/gemm/gemm.h"

namespace zoomrt {

// How a kernel wants quantised activations stored (kernels/kernel_list.h, last column).
enum class Q8AFormat {
  s8,  // the codes q
  u8,  // q + 128 (vpdpbusd multiplies unsigned A by signed B)
};

struct Q8GemmKernelInfo;  // kernels/gemm/config.h

// Weights quantised and packed for one int8 kernel: panels[n/NR][k_padded/kgroup][NR][kgroup]
// of s8 codes, zero-padded in n and k.
struct PackedGemmBQ8 {
  int n = 0, k = 0, k_padded = 0;
  const Q8GemmKernelInfo* kernel = nullptr;
  std::vector<int8_t> data;       // packed panels
  std::vector<float> scale;       // [n_panels * NR] sw per column (1 in the padding)
  std::vector<int32_t> corr;      // [n_panels * NR] 128 * column sums for u8 kernels, else 0
  std::vector<int8_t> quantized;  // [n, k] the int8 codes, kept for inspection and tests
};

// Quantises w (n, k as `layout` says) and packs it for the default int8 kernel of this CPU.
PackedGemmBQ8 pack_b_q8(const float* w, int n, int k, Layout layout);
PackedGemmBQ8 pack_b_q8_for(const Q8GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout);
// Packs weights that are already quantised: codes [n, k] in [-127, 127], scales [n].
PackedGemmBQ8 pack_b_q8_codes(const Q8GemmKernelInfo& kernel, const int8_t* codes, const float* scales, int n,
                              int k);

// c[m, n] = epilogue(dequant(quant(a) · B) + bias); a [m, k] with lda, fp32 in and out.
// Quantised activations live in a per-thread buffer of at most mc x k_padded bytes.
void gemm_q8(int m, const float* a, size_t lda, const PackedGemmBQ8& b, const float* bias, const Epilogue& epi,
             float* c, size_t ldc, ThreadPool& pool);

}  // namespace zoomrt
