// Per-row dynamic activation quantisation (contract in ukernels.h / q8_gemm.h), instantiated
// in each q8_quantize_<isa>.cpp with that file's ISA flags. Everything here has internal
// linkage on purpose: an inline function compiled with -mavx512f in one file and without in
// another would be merged by the linker into one copy, possibly the one this CPU cannot run.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/q8_gemm.h"

namespace zoomrt::kern {
namespace {  // NOLINT: see above

// Largest |x| of a row: vector max over full batches (GCC does not vectorise a float max
// reduction by itself without -ffast-math), scalar tail.
template <class Arch>
float row_abs_max(size_t k, const float* a) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t W = B::size;
  size_t i = 0;
  float amax = 0.0f;
  if (k >= W) {
    B m(0.0f);
    for (; i + W <= k; i += W) m = xsimd::max(m, xsimd::abs(B::load_unaligned(a + i)));
    alignas(64) float lanes[W];
    m.store_aligned(lanes);
    for (size_t l = 0; l < W; ++l) amax = std::max(amax, lanes[l]);
  }
  for (; i < k; ++i) amax = std::max(amax, std::fabs(a[i]));
  return amax;
}

// Codes as int32 via the vector unit, then narrowed by a plain loop (vectorised by the
// compiler: vpmovdb).
template <class Arch, class T, int kOffset>
void quantize_codes(size_t k, size_t k_padded, const float* a, float inv, T* out) {
  using B = xsimd::batch<float, Arch>;
  constexpr size_t W = B::size;
  const B vinv(inv);
  alignas(64) int32_t q[W];
  size_t i = 0;
  for (; i + W <= k; i += W) {
    xsimd::nearbyint_as_int(B::load_unaligned(a + i) * vinv).store_aligned(q);
    for (size_t l = 0; l < W; ++l) out[i + l] = T(q[l] + kOffset);
  }
  for (; i < k; ++i) out[i] = T(int32_t(std::nearbyint(a[i] * inv)) + kOffset);
  for (; i < k_padded; ++i) out[i] = T(kOffset);
}

template <class Arch>
void q8_quantize_row_impl(size_t k, size_t k_padded, const float* a, Q8AFormat format, void* out, float* scale) {
  const float amax = row_abs_max<Arch>(k, a);
  // Scale maps the row's largest magnitude to 127; x * (127 / amax) stays within [-127, 127].
  const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
  *scale = amax > 0.0f ? amax / 127.0f : 1.0f;
  switch (format) {
    case Q8AFormat::s8: quantize_codes<Arch, int8_t, 0>(k, k_padded, a, inv, static_cast<int8_t*>(out)); break;
    case Q8AFormat::u8: quantize_codes<Arch, uint8_t, 128>(k, k_padded, a, inv, static_cast<uint8_t*>(out)); break;
  }
}

}  // namespace
}  // namespace zoomrt::kern
