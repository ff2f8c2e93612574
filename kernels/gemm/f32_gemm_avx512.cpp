// AVX-512 FP32 micro-kernel (12x32: 24 zmm accumulators, 2 for B, 1 broadcast), epilogue and
// peak loop, instantiated from the xsimd templates (f32_gemm_simd.h, f32_epilogue_simd.h).
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma (kernels/CMakeLists.txt); only
// reached through dispatch after cpu_supports(Isa::avx512). Every row count 1..12 has its own
// instantiation: a 5-row tail in a 12-row kernel would otherwise waste 58 % of its FMAs.
#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/f32_gemm_simd.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {
// B hinted 64 steps (8 KiB, ~1500 cycles) ahead: that covers DRAM latency when the panel comes
// from DRAM; 16 steps lost 2-3 % on B-from-DRAM shapes.
using Avx512 = SimdGemm<xsimd::avx512f, 2, 64>;
static_assert(Avx512::NR == 32, "kernel_list.h says f32_gemm_12x32__avx512 is 32 columns wide");
}  // namespace

void f32_gemm_12x32__avx512(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c,
                            size_t ldc, bool accumulate) {
  Avx512::kernel<12>(mr, kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__avx512(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                          const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::avx512f>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

// 12 independent chains cover FMA latency (4 cycles) x 2 pipes with room to spare.
double f32_fma_peak__avx512(size_t iters, float* sink) { return Avx512::fma_peak<12>(iters, sink); }

}  // namespace zoomrt::kern
