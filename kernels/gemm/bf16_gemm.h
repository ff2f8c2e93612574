// BF16 GEMM: weights rounded to bfloat16 once when packed, activations rounded to bfloat16 on
// every call, products summed in f32, fused float epilogue.
//
//   C[i, j] = act(sum_kk bf16(a[i, kk]) * bf16(w[j, kk]) + bias[j]) + residual[i, j]
//
// bf16() rounds to nearest even (kernels/dtype.h, float_to_bf16); the product of two bf16 values
// is exact in f32. On a CPU with AMX the tiles' TDPBF16PS sums (bf16_gemm_32x32__amx,
// kernels/kernel_list.h): in an order and with roundings of the hardware's own (not the
// ascending f32 chain; measured on a 2026 Xeon), within the f32 summation bound
// k * 2^-24 * sum_kk |products| of the exact sum, and with subnormal inputs and results taken
// as zero (below 1.2e-38: nothing a diffusion model produces). Elsewhere the f32 micro-kernels
// run on the widened values (BFormat::bf16 panels, A rounded per block): exactly the ascending
// f32 sum. Either way every C element comes from one kernel call over the whole k, so results
// are bit-identical for any thread count.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt {

struct Bf16GemmKernelInfo {
  std::string_view name;
  Isa isa;
  int mr, nr, kstep;  // C tile rows x columns per call; k consumed per tile step
  // kernels/gemm/ukernels.h states their contracts.
  void (*kernel)(size_t k_steps, const uint16_t* a, size_t lda, const uint16_t* b, float* c, size_t ldc);
  void (*tiles_begin)();
  void (*tiles_end)();
  void (*round_rows)(const float* a, size_t lda, size_t rows, size_t k, size_t k_padded, uint16_t* out, size_t ld_out);
};
// Every compiled bf16 kernel (supported by this CPU or not: check cpu_supports(isa)).
std::span<const Bf16GemmKernelInfo> bf16_gemm_kernels();
// The kernel pack_b_bf16 packs for: the last supported one under the ZOOMRT_ISA cap, or nullptr
// when there is none (then the f32 kernels compute, on BFormat::bf16 panels).
const Bf16GemmKernelInfo* bf16_gemm_default();

// Weights rounded to bf16 and packed for one bf16 kernel, or for the f32 kernels (kernel null):
//   kernel set: tiles[n_panels][k_steps][nr / 16][16][32] bf16, a tile per 16 columns and kstep
//               k, each tile row one pair of k for 16 columns (column j's two values side by
//               side), zero padded in n and k;
//   kernel null: `panels`, BFormat::bf16 for the default f32 kernel.
struct PackedGemmBBf16 {
  int n = 0, k = 0, k_padded = 0;
  const Bf16GemmKernelInfo* kernel = nullptr;
  std::vector<uint16_t> tiles;
  PackedGemmB panels;
  size_t bytes() const { return kernel ? tiles.size() * sizeof(uint16_t) : panels.bytes(); }
};

PackedGemmBBf16 pack_b_bf16(const float* w, int n, int k, Layout layout);
PackedGemmBBf16 pack_b_bf16_for(const Bf16GemmKernelInfo* kernel, const float* w, int n, int k, Layout layout);

// c[m, n] = epilogue(bf16(a[m, k]) · B + bias); a with lda, f32 in and out. c must not alias a
// or epi.residual. Rounded activations live in a per-thread buffer (kernels/gemm/driver.h).
void gemm_bf16(int m, const float* a, size_t lda, const PackedGemmBBf16& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool);

}  // namespace zoomrt
