// AVX2+FMA FP32 micro-kernel (6x16: 12 ymm accumulators, 2 for B, 1 broadcast), epilogue and
// peak loop, instantiated from the xsimd templates (f32_gemm_simd.h, f32_epilogue_simd.h).
// Compiled with -mavx2 -mfma -mf16c (kernels/CMakeLists.txt); only reached through dispatch
// after cpu_supports(Isa::avx2).
#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/f32_gemm_simd.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {
// fma3<avx2>, not avx2: xsimd's plain avx2 arch has no FMA and would multiply, then add.
// B is hinted 32 steps (one 4 KiB page of a 16-column panel) ahead.
using Avx2 = SimdGemm<xsimd::fma3<xsimd::avx2>, 2, 32>;
static_assert(Avx2::NR == 16, "kernel_list.h says f32_gemm_6x16__avx2 is 16 columns wide");
}  // namespace

void f32_gemm_6x16__avx2(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                         bool accumulate) {
  Avx2::kernel<6>(mr, kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__avx2(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                        const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::avx2>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

// 10 independent chains cover FMA latency (4-5 cycles) x 2 pipes.
double f32_fma_peak__avx2(size_t iters, float* sink) { return Avx2::fma_peak<10>(iters, sink); }

}  // namespace zoomrt::kern
