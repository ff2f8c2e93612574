// AVX2 + F16C expansion of compressed B panels (kernels/gemm/expand.h), 8 columns per vector:
// the lanes traits for expand_simd.h (palette and 2:4 sparse), and f16 / q4 on the same traits.
#include <immintrin.h>

#include <cstring>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/expand.h"
#include "kernels/gemm/expand_simd.h"

namespace zoomrt::kern {
namespace {  // NOLINT: per-ISA translation unit

struct Avx2Lanes {
  using Arch = xsimd::fma3<xsimd::avx2>;
  using F = xsimd::batch<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  static constexpr int kTableEntries = 16;  // 2 ymm, one permute each and a blend
  static constexpr int kTreeEntries = 8;    // 16 entries would fill all 16 ymm registers

  template <int B>
  static I indices(const uint8_t* src) {
    if constexpr (B == 8) {
      return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
    } else if constexpr (B <= 4) {  // 8 x B bits in one 32-bit word, shifted per lane
      uint32_t x = 0;
      std::memcpy(&x, src, B);
      const __m256i shifts = _mm256_setr_epi32(0, B, 2 * B, 3 * B, 4 * B, 5 * B, 6 * B, 7 * B);
      return _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(int(x)), shifts), _mm256_set1_epi32((1 << B) - 1));
    } else {  // up to 56 bits: shifted per 64-bit lane, then the low halves gathered in order
      uint64_t x = 0;
      std::memcpy(&x, src, B);
      const __m256i all = _mm256_set1_epi64x(int64_t(x));
      const __m256i lo = _mm256_srlv_epi64(all, _mm256_setr_epi64x(0, B, 2 * B, 3 * B));
      const __m256i hi = _mm256_srlv_epi64(all, _mm256_setr_epi64x(4 * B, 5 * B, 6 * B, 7 * B));
      // Per 128-bit half: lo0 lo1 hi0 hi1 | lo2 lo3 hi2 hi3; then the 64-bit pairs reordered.
      const __m256 halves = _mm256_shuffle_ps(_mm256_castsi256_ps(lo), _mm256_castsi256_ps(hi), _MM_SHUFFLE(2, 0, 2, 0));
      const __m256i idx = _mm256_permute4x64_epi64(_mm256_castps_si256(halves), _MM_SHUFFLE(3, 1, 2, 0));
      return _mm256_and_si256(idx, _mm256_set1_epi32((1 << B) - 1));
    }
  }

  // The sign bit after shifting `bit` to the top drives the blend.
  static F select_by_bit(I idx, int bit, F a, F b) {
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_sll_epi32(idx, _mm_cvtsi32_si128(31 - bit))));
  }

  template <int REGS>
  static F lookup(const F* t, I idx) {
    static_assert(REGS == 1 || REGS == 2);
    if constexpr (REGS == 1) return _mm256_permutevar8x32_ps(t[0], idx);
    else return select_by_bit(idx, 3, _mm256_permutevar8x32_ps(t[0], idx), _mm256_permutevar8x32_ps(t[1], idx));
  }

  static I nibbles(const uint8_t* src) {
    uint32_t four;
    std::memcpy(&four, src, 4);
    const __m128i x = _mm_cvtsi32_si128(int(four)), low = _mm_set1_epi8(0x0F);
    return _mm256_cvtepu8_epi32(_mm_unpacklo_epi8(_mm_and_si128(x, low), _mm_and_si128(_mm_srli_epi16(x, 4), low)));
  }

  static F halves(const uint8_t* src) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src))); }

  static F gather(const float* base, I idx) { return _mm256_i32gather_ps(base, idx, 4); }
};

using Avx2Expand = SimdExpand<Avx2Lanes>;

}  // namespace

void expand_f16__avx2(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) Avx2Lanes::halves(reinterpret_cast<const uint8_t*>(src + i)).store_unaligned(dst + i);
  if (i < count) expand_f16__generic(src + i, dst + i, count - i);
}

void expand_q4_row__avx2(const uint8_t* src, const float* scale, float* dst, size_t nr) {
  using I = Avx2Lanes::I;
  using F = Avx2Lanes::F;
  for (size_t j = 0; j < nr; j += 8)  // 8 columns = 4 bytes
    (xsimd::to_float(Avx2Lanes::nibbles(src + j / 2) - I(8)) * F::load_unaligned(scale + j)).store_unaligned(dst + j);
}

void expand_palette__avx2(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                          float* dst, size_t nr) {
  Avx2Expand::palette(src, rows, bits, codebook, per_column, dst, nr);
}

void expand_sparse24__avx2(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
  Avx2Expand::sparse24(panel, k0, kc, dst, nr);
}

}  // namespace zoomrt::kern
