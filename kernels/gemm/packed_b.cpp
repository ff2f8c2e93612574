// Compressed B panels (BFormat in kernels/gemm/gemm.h): f16 / bf16 / q4 packing, the size and expansion
// of every format, and the choice of expansion code. Palette / sparse24: packed_b_codes.cpp.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/expand.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt {

namespace kern {

void expand_f16__generic(const uint16_t* src, float* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) dst[i] = half_to_float(src[i]);
}

void expand_q4_row__generic(const uint8_t* src, const float* scale, float* dst, size_t nr) {
  for (size_t j = 0; j < nr; j += 2) {
    dst[j] = float(int(src[j / 2] & 15) - 8) * scale[j];
    dst[j + 1] = float(int(src[j / 2] >> 4) - 8) * scale[j + 1];
  }
}

namespace {

constexpr ExpandFns kGenericFns{expand_f16__generic, expand_q4_row__generic, expand_palette__generic,
                                expand_sparse24__generic};
#if defined(__x86_64__) || defined(_M_X64)
constexpr ExpandFns kAvx2Fns{expand_f16__avx2, expand_q4_row__avx2, expand_palette__avx2, expand_sparse24__avx2};
// AVX-512 has no f16 / q4 expansion of its own: AVX2's serves.
constexpr ExpandFns kAvx512Fns{expand_f16__avx2, expand_q4_row__avx2, expand_palette__avx512,
                               expand_sparse24__avx512};
#endif

}  // namespace

const ExpandFns* expand_fns_for(Isa isa) {
  switch (isa) {
    case Isa::generic: return &kGenericFns;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::avx2: return &kAvx2Fns;
    case Isa::avx512: return &kAvx512Fns;
#endif
    default: return nullptr;
  }
}

const ExpandFns& expand_fns() {
  static const ExpandFns* fns = [] {
    const ExpandFns* best = &kGenericFns;
    for (int i = 0; i <= int(cpu_features().best_isa); ++i)
      if (const ExpandFns* f = expand_fns_for(Isa(i)); f && cpu_supports(Isa(i))) best = f;
    return best;
  }();
  return *fns;
}

}  // namespace kern

float quantize_q4_group(const float* w, size_t count, size_t stride, uint8_t* codes) {
  float amax = 0;
  for (size_t i = 0; i < count; ++i) amax = std::max(amax, std::abs(w[i * stride]));
  const float scale = amax > 0 ? amax / 7.0f : 1.0f;
  for (size_t i = 0; i < count; ++i) {
    const float q = std::nearbyint(w[i * stride] / scale);
    codes[i] = uint8_t(int(std::clamp(q, -7.0f, 7.0f)) + 8);
  }
  return scale;
}

size_t PackedGemmB::bytes() const {
  const size_t panels = size_t((n_ + nr_ - 1) / std::max(nr_, 1));
  if (format_ == BFormat::f32) return panels * size_t(k_) * size_t(nr_) * sizeof(float);
  return raw_.size() + scales_.size() * sizeof(float);
}

void PackedGemmB::expand(int p0, int p1, int k0, int kc, float* dst) const {
  const size_t nr = size_t(nr_), k = size_t(k_);
  const kern::ExpandFns& fns = kern::expand_fns();
  for (int p = p0; p < p1; ++p, dst += size_t(kc) * nr) {
    switch (format_) {
      case BFormat::f32:
        std::memcpy(dst, panel(p) + size_t(k0) * nr, sizeof(float) * size_t(kc) * nr);
        break;
      case BFormat::f16: {
        const auto* src = reinterpret_cast<const uint16_t*>(raw_.data()) + (size_t(p) * k + size_t(k0)) * nr;
        fns.f16(src, dst, size_t(kc) * nr);
        break;
      }
      case BFormat::bf16: {
        const auto* src = reinterpret_cast<const uint16_t*>(raw_.data()) + (size_t(p) * k + size_t(k0)) * nr;
        for (size_t i = 0, count = size_t(kc) * nr; i < count; ++i) dst[i] = bf16_to_float(src[i]);
        break;
      }
      case BFormat::q4: {
        const size_t groups = (k + size_t(group_) - 1) / size_t(group_);
        const uint8_t* src = raw_.data() + (size_t(p) * k + size_t(k0)) * (nr / 2);
        const float* sc = scales_.data() + size_t(p) * groups * nr;
        for (int kk = 0; kk < kc; ++kk)
          fns.q4_row(src + size_t(kk) * (nr / 2), sc + size_t((k0 + kk) / group_) * nr, dst + size_t(kk) * nr, nr);
        break;
      }
      case BFormat::palette: {
        const size_t row_bytes = nr * size_t(bits_) / 8, entries = size_t(1) << bits_;
        const uint8_t* src = raw_.data() + (size_t(p) * k + size_t(k0)) * row_bytes;
        const float* codebook = scales_.data() + (per_column_ ? size_t(p) * entries * nr : 0);
        fns.palette(src, size_t(kc), bits_, codebook, per_column_, dst, nr);
        break;
      }
      case BFormat::sparse24:
        fns.sparse24(raw_.data() + size_t(p) * (k / 4) * kern::sparse24_group_bytes(nr), size_t(k0), size_t(kc), dst,
                     nr);
        break;
    }
  }
}

PackedGemmB pack_b_q4_codes(const F32GemmKernelInfo& kernel, const uint8_t* codes, const float* scales, int n, int k,
                            int group) {
  assert(group >= 1 && kernel.nr % 8 == 0);
  PackedGemmB p;
  p.n_ = n, p.k_ = k, p.nr_ = kernel.nr, p.kernel_ = &kernel, p.format_ = BFormat::q4, p.group_ = group;
  const size_t nr = size_t(kernel.nr), panels = size_t((n + kernel.nr - 1) / kernel.nr);
  const size_t groups = size_t((k + group - 1) / group), row_bytes = size_t((k + 1) / 2);
  p.raw_.assign(panels * size_t(k) * nr / 2, 0x88);  // code 8 = 0 in the padding columns
  p.scales_.assign(panels * groups * nr, 1.0f);
  for (int col = 0; col < n; ++col) {
    const size_t pi = size_t(col) / nr, j = size_t(col) % nr;
    uint8_t* panel = p.raw_.data() + pi * size_t(k) * nr / 2;
    const uint8_t* src = codes + size_t(col) * row_bytes;
    for (int kk = 0; kk < k; ++kk) {
      const uint8_t code = (kk % 2 == 0) ? (src[kk / 2] & 15) : (src[kk / 2] >> 4);
      uint8_t& dst = panel[size_t(kk) * nr / 2 + j / 2];
      dst = (j % 2 == 0) ? uint8_t((dst & 0xF0) | code) : uint8_t((dst & 0x0F) | (code << 4));
    }
    for (size_t g = 0; g < groups; ++g) p.scales_[(pi * groups + g) * nr + j] = scales[size_t(col) * groups + g];
  }
  return p;
}

PackedGemmB pack_b_for(const F32GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout, BFormat format,
                       int group) {
  if (format == BFormat::f32) return pack_b_f32_for(kernel, w, n, k, layout);
  if (format == BFormat::palette || format == BFormat::sparse24)
    throw std::invalid_argument("pack_b_for: palette and sparse24 weights are packed from their codes");
  // Element (col, kk) of w; the [k, n] layout is only a convenience for tests.
  auto at = [&](int col, int kk) { return layout == Layout::nk ? w[size_t(col) * k + kk] : w[size_t(kk) * n + col]; };
  if (format == BFormat::f16 || format == BFormat::bf16) {
    PackedGemmB p;
    p.n_ = n, p.k_ = k, p.nr_ = kernel.nr, p.kernel_ = &kernel, p.format_ = format;
    const size_t nr = size_t(kernel.nr), panels = size_t((n + kernel.nr - 1) / kernel.nr);
    p.raw_.assign(panels * size_t(k) * nr * 2, 0);
    auto* dst = reinterpret_cast<uint16_t*>(p.raw_.data());
    for (int col = 0; col < n; ++col)
      for (int kk = 0; kk < k; ++kk) {
        const float v = at(col, kk);
        dst[(size_t(col) / nr * size_t(k) + size_t(kk)) * nr + size_t(col) % nr] =
            format == BFormat::f16 ? float_to_half(v) : float_to_bf16(v);
      }
    return p;
  }
  const size_t groups = size_t((k + group - 1) / group), row_bytes = size_t((k + 1) / 2);
  std::vector<uint8_t> codes(size_t(n) * row_bytes, 0), one(static_cast<size_t>(group));
  std::vector<float> scales(size_t(n) * groups), col_vals(static_cast<size_t>(k));
  for (int col = 0; col < n; ++col) {
    for (int kk = 0; kk < k; ++kk) col_vals[size_t(kk)] = at(col, kk);
    for (size_t g = 0; g < groups; ++g) {
      const size_t k0 = g * size_t(group), cnt = std::min(size_t(group), size_t(k) - k0);
      scales[size_t(col) * groups + g] = quantize_q4_group(col_vals.data() + k0, cnt, 1, one.data());
      for (size_t i = 0; i < cnt; ++i) {
        const size_t kk = k0 + i;
        codes[size_t(col) * row_bytes + kk / 2] |= uint8_t(kk % 2 == 0 ? one[i] : one[i] << 4);
      }
    }
  }
  return pack_b_q4_codes(kernel, codes.data(), scales.data(), n, k, group);
}

PackedGemmB pack_b(const float* w, int n, int k, Layout layout, BFormat format, int group) {
  return pack_b_for(f32_gemm_default(), w, n, k, layout, format, group);
}

}  // namespace zoomrt
