// AArch64 NEON FP32 micro-kernel (8x8: 16 q-register accumulators, 2 for B, broadcasts from
// the 32-register file to spare), epilogue and peak loop. Advanced SIMD is part of every
// ARMv8-A core, so this file needs no flags and is compiled only for aarch64 targets
// (kernels/CMakeLists.txt). Tested under qemu-aarch64 by scripts/cross_check.sh.
#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/f32_gemm_simd.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {
using Neon = SimdGemm<xsimd::neon64, 2>;
static_assert(Neon::NR == 8, "kernel_list.h says f32_gemm_8x8__neon is 8 columns wide");
}  // namespace

void f32_gemm_8x8__neon(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                        bool accumulate) {
  Neon::kernel<8>(mr, kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__neon(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                        const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::neon64>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

// 16 FMA chains: 4-cycle FMA latency x up to 4 pipes on recent cores.
double f32_fma_peak__neon(size_t iters, float* sink) { return Neon::fma_peak<16>(iters, sink); }

}  // namespace zoomrt::kern
