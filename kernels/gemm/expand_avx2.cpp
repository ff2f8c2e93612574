// AVX2 + F16C expansion of compressed B panels (kernels/gemm/expand.h).
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/expand.h"

namespace zoomrt::kern {

void expand_f16__avx2(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  if (i < count) expand_f16__generic(src + i, dst + i, count - i);
}

void expand_q4_row__avx2(const uint8_t* src, const float* scale, float* dst, size_t nr) {
  const __m128i low_mask = _mm_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi32(8);
  for (size_t j = 0; j < nr; j += 8) {  // 8 columns = 4 bytes
    uint32_t four;
    std::memcpy(&four, src + j / 2, 4);
    const __m128i x = _mm_cvtsi32_si128(int(four));
    const __m128i lo = _mm_and_si128(x, low_mask), hi = _mm_and_si128(_mm_srli_epi16(x, 4), low_mask);
    const __m256i codes = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)), eight);
    _mm256_storeu_ps(dst + j, _mm256_mul_ps(_mm256_cvtepi32_ps(codes), _mm256_loadu_ps(scale + j)));
  }
}

}  // namespace zoomrt::kern
