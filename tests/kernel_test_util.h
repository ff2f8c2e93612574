// Shared by the fast-kernel tests: run a check once per micro-kernel of a kernel list (FP32 or
// int8) that this CPU supports; a kernel whose ISA is missing is skipped with a warning, never
// failed (STYLE.md). And the convolution tests' plumbing: ref::conv2d on a ConvShape, and an
// NHWC kernel run on NCHW data (converted in and back with the runtime's transposes).
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/gemm/bf16_gemm.h"
#include "kernels/gemm/config.h"
#include "kernels/ref/ops.h"

namespace zoomrt::test {

// f32 budget of the fast kernels against ref: reordered sums drift like sqrt(k) ulps.
constexpr double kAbsEpsPerSqrtK = 2e-6;
constexpr double kRelEps = 1e-5;

// n floats uniform in [lo, hi), seeded: the test inputs.
inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

template <class Kernels, class Fn>
void for_each_supported(const Kernels& kernels, Fn&& fn) {
  for (const auto& kernel : kernels) {
    if (!cpu_supports(kernel.isa)) {
      WARN("skipped " << kernel.name << ": this CPU lacks " << isa_name(kernel.isa));
      continue;
    }
    fn(kernel);
  }
}

// fn(const F32GemmKernelInfo&) per FP32 GEMM kernel.
template <class Fn>
void for_each_kernel(Fn&& fn) {
  for_each_supported(f32_gemm_kernels(), fn);
}

// x rounded to the nearest bfloat16 (ties to even), as a float: the bf16 kernels' inputs.
inline float round_bf16(float x) { return bf16_to_float(float_to_bf16(x)); }

// The bf16 GEMM packers under test: the f32 fallback (nullptr) and every bf16 kernel this CPU
// supports (the others skipped with a warning).
inline std::vector<const Bf16GemmKernelInfo*> bf16_packers() {
  std::vector<const Bf16GemmKernelInfo*> out{nullptr};
  for (const auto& k : bf16_gemm_kernels()) {
    if (cpu_supports(k.isa)) out.push_back(&k);
    else WARN("skipped " << k.name << ": this CPU lacks " << isa_name(k.isa));
  }
  return out;
}
inline const char* bf16_packer_name(const Bf16GemmKernelInfo* k) { return k ? k->name.data() : "f32 fallback"; }

// fn(const Q8GemmKernelInfo&) per int8 GEMM kernel (the W4A8 tests reach each W4A8 kernel
// through its int8 partner).
template <class Fn>
void for_each_q8_kernel(Fn&& fn) {
  for_each_supported(q8_gemm_kernels(), fn);
}

// The reference convolution, NCHW in and out, groups 1.
inline std::vector<float> ref_conv(const ConvShape& sh, const std::vector<float>& x, const std::vector<float>& w,
                                   const float* bias, ThreadPool& pool) {
  std::vector<float> y(size_t(sh.n) * sh.k * sh.p() * sh.q());
  ref::conv2d(ref::Conv2dShape{sh.n, sh.c, sh.h, sh.w, sh.k, sh.r, sh.s, sh.stride, sh.pad, 1}, x.data(), w.data(),
              bias, y.data(), pool);
  return y;
}

// NCHW x -> NHWC, run(x_nhwc, y_nhwc) (an NHWC convolution of shape sh), back to NCHW.
template <class Run>
std::vector<float> run_nhwc(const ConvShape& sh, const std::vector<float>& x_nchw, ThreadPool& pool, Run&& run) {
  const int64_t hw = int64_t(sh.h) * sh.w, pq = int64_t(sh.p()) * sh.q();
  std::vector<float> x(x_nchw.size()), y(size_t(sh.n) * sh.k * size_t(pq)), y_nchw(y.size());
  nchw_to_nhwc(sh.n, sh.c, hw, x_nchw.data(), x.data(), pool);
  run(x.data(), y.data());
  nhwc_to_nchw(sh.n, sh.k, pq, y.data(), y_nchw.data(), pool);
  return y_nchw;
}

}  // namespace zoomrt::test
