// SSE4.1 FP32 micro-kernel (4x8: 8 xmm accumulators, 2 for B, 1 broadcast, 1 product: SSE has
// no FMA, so each step is a multiply and an add), epilogue and peak loop. Compiled with -msse4.1
// (kernels/CMakeLists.txt); only reached through dispatch after cpu_supports(Isa::sse41). The
// fallback for x86-64 CPUs without AVX2, or under ZOOMRT_ISA=sse41.
#include <xsimd/xsimd.hpp>

#include "kernels/gemm/f32_epilogue_simd.h"
#include "kernels/gemm/f32_gemm_simd.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {
using Sse41 = SimdGemm<xsimd::sse4_1, 2>;
static_assert(Sse41::NR == 8, "kernel_list.h says f32_gemm_4x8__sse41 is 8 columns wide");
}  // namespace

void f32_gemm_4x8__sse41(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                         bool accumulate) {
  Sse41::kernel<4>(mr, kc, a, lda, b, c, ldc, accumulate);
}

void f32_epilogue__sse41(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                         const float* residual, size_t ld_residual) {
  f32_epilogue_simd<xsimd::sse4_1>(mr, nr, c, ldc, bias, act, residual, ld_residual);
}

// 8 chains of multiply + add: the add's latency (3-4 cycles) x 2 ports.
double f32_fma_peak__sse41(size_t iters, float* sink) { return Sse41::fma_peak<8>(iters, sink); }

}  // namespace zoomrt::kern
