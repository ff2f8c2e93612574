// AVX-512 expansion of palette and 2:4 sparse B panels (kernels/gemm/expand.h), 16 columns per
// vector: the lanes traits for expand_simd.h. Panels of 8 columns (the generic and SSE4.1
// kernels' nr) go to the AVX2 code; f16 and q4 use AVX2's (expand_fns_for).
#include <immintrin.h>

#include <cstring>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/expand.h"
#include "kernels/gemm/expand_simd.h"

namespace zoomrt::kern {
namespace {  // NOLINT: per-ISA translation unit

struct Avx512Lanes {
  using Arch = xsimd::avx512f;
  using F = xsimd::batch<float, Arch>;
  using I = xsimd::batch<int32_t, Arch>;
  static constexpr int kTableEntries = 64;  // 4 zmm: two 2-register permutes and a blend
  static constexpr int kTreeEntries = 16;   // of 32 zmm registers

  template <int B>
  static I indices(const uint8_t* src) {
    if constexpr (B == 8) {
      return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
    } else if constexpr (B == 4) {
      return nibbles(src);
    } else if constexpr (B == 2) {  // 16 x 2 bits: one 32-bit word, shifted per lane
      uint32_t x;
      std::memcpy(&x, src, 4);
      const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      return _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(int(x)), shifts), _mm512_set1_epi32(3));
    } else {  // two groups of 8 indices (B bytes each), shifted per 64-bit lane and narrowed
      uint64_t a = 0, b = 0;
      std::memcpy(&a, src, B);
      std::memcpy(&b, src + B, B);
      const __m512i shifts = _mm512_setr_epi64(0, B, 2 * B, 3 * B, 4 * B, 5 * B, 6 * B, 7 * B);
      const __m256i lo = _mm512_cvtepi64_epi32(_mm512_srlv_epi64(_mm512_set1_epi64(int64_t(a)), shifts));
      const __m256i hi = _mm512_cvtepi64_epi32(_mm512_srlv_epi64(_mm512_set1_epi64(int64_t(b)), shifts));
      return _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi32((1 << B) - 1));
    }
  }

  static F select_by_bit(I idx, int bit, F a, F b) {
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(1 << bit)), a, b);
  }

  template <int REGS>
  static F lookup(const F* t, I idx) {
    static_assert(REGS == 1 || REGS == 2 || REGS == 4);
    if constexpr (REGS == 1) return _mm512_permutexvar_ps(idx, t[0]);
    else if constexpr (REGS == 2) return _mm512_permutex2var_ps(t[0], idx, t[1]);
    else
      return select_by_bit(idx, 5, _mm512_permutex2var_ps(t[0], idx, t[1]), _mm512_permutex2var_ps(t[2], idx, t[3]));
  }

  static I nibbles(const uint8_t* src) {  // the low and high halves of 8 bytes, interleaved
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)), low = _mm_set1_epi8(0x0F);
    return _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(_mm_and_si128(x, low), _mm_and_si128(_mm_srli_epi16(x, 4), low)));
  }

  static F halves(const uint8_t* src) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src))); }

  static F gather(const float* base, I idx) { return _mm512_i32gather_ps(idx, base, 4); }
};

using Avx512Expand = SimdExpand<Avx512Lanes>;

}  // namespace

void expand_palette__avx512(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                            float* dst, size_t nr) {
  if (nr % 16 != 0) return expand_palette__avx2(src, rows, bits, codebook, per_column, dst, nr);
  Avx512Expand::palette(src, rows, bits, codebook, per_column, dst, nr);
}

void expand_sparse24__avx512(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
  if (nr % 16 != 0) return expand_sparse24__avx2(panel, k0, kc, dst, nr);
  Avx512Expand::sparse24(panel, k0, kc, dst, nr);
}

}  // namespace zoomrt::kern
