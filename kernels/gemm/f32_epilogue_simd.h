// The fused GEMM epilogue written once with xsimd and instantiated per ISA in that ISA's
// translation unit (never include this from a file compiled without the matching flags).
// Contract as in ukernels.h: c[i, j] = act(c[i, j] + bias[j]) + residual[i, j] on an mr x nr tile.
// Internal linkage on purpose: the linker would otherwise merge the per-ISA copies of these
// inline functions into one, possibly compiled for an ISA this CPU lacks.
#pragma once
#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/gemm.h"

namespace zoomrt::kern {
namespace {  // NOLINT: see above

template <class Arch>
inline xsimd::batch<float, Arch> activate(xsimd::batch<float, Arch> x, Activation act) {
  using B = xsimd::batch<float, Arch>;
  switch (act) {
    case Activation::none: return x;
    case Activation::silu: return x / (B(1.0f) + xsimd::exp(-x));
    case Activation::gelu: return B(0.5f) * x * (B(1.0f) + xsimd::erf(x * B(0.70710678118654752f)));
  }
  return x;
}

inline float activate_scalar(float x, Activation act) {
  switch (act) {
    case Activation::none: return x;
    case Activation::silu: return x / (1.0f + std::exp(-x));
    case Activation::gelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  }
  return x;
}

template <class Arch>
void f32_epilogue_simd(size_t mr, size_t nr, float* c, size_t ldc, const float* bias, Activation act,
                       const float* residual, size_t ld_residual) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t W = B::size;
  for (size_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    const float* ri = residual ? residual + i * ld_residual : nullptr;
    size_t j = 0;
    for (; j + W <= nr; j += W) {
      B v = B::load_unaligned(ci + j);
      if (bias) v += B::load_unaligned(bias + j);
      v = activate(v, act);
      if (ri) v += B::load_unaligned(ri + j);
      v.store_unaligned(ci + j);
    }
    for (; j < nr; ++j) {
      float v = ci[j] + (bias ? bias[j] : 0.0f);
      v = activate_scalar(v, act);
      ci[j] = ri ? v + ri[j] : v;
    }
  }
}

}  // namespace
}  // namespace zoomrt::kern
