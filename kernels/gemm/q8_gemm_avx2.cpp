// AVX2 int8 micro-kernel, 4x16 (8 accumulators: the sign trick needs 7 more registers), s8 x s8 codes in [-127, 127], 4 consecutive k per step.
// vpmaddubsw multiplies u8 by s8 and adds pairs into int16 with saturation: u8 codes up to 255
// would overflow (2 * 255 * 127 > 32767). So A's sign moves onto B first (ggml's trick):
// |a| * (b * sign(a)) = a * b with |a|, |b| <= 127, and a pair sum is at most 2 * 127 * 127 =
// 32258: never saturates. vpmaddwd with ones then widens pairs of pairs into int32.
// (-128 never occurs, so vpsignb cannot overflow.)
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/row_table.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {
namespace {

template <int ROWS>
void q8_rows_x16(size_t k_groups, const int8_t* a, size_t lda, const int8_t* b, float* c, size_t ldc,
                 const float* a_scale, const float* b_scale, const int32_t* corr) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i v[ROWS][2];
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) v[i][0] = v[i][1] = _mm256_setzero_si256();
  for (size_t g = 0; g < k_groups; ++g) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32));
    b += 64;
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) {
      int32_t quad;
      std::memcpy(&quad, a + size_t(i) * lda + 4 * g, sizeof quad);
      const __m256i x = _mm256_set1_epi32(quad), ax = _mm256_sign_epi8(x, x);
      const __m256i p0 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(b0, x));
      const __m256i p1 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(b1, x));
      v[i][0] = _mm256_add_epi32(v[i][0], _mm256_madd_epi16(p0, ones));
      v[i][1] = _mm256_add_epi32(v[i][1], _mm256_madd_epi16(p1, ones));
    }
  }
  const __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(corr));
  const __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(corr + 8));
  const __m256 s0 = _mm256_loadu_ps(b_scale), s1 = _mm256_loadu_ps(b_scale + 8);
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) {
    const __m256 sa = _mm256_set1_ps(a_scale[i]);
    _mm256_storeu_ps(c + size_t(i) * ldc,
                     _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v[i][0], c0)), _mm256_mul_ps(sa, s0)));
    _mm256_storeu_ps(c + size_t(i) * ldc + 8,
                     _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v[i][1], c1)), _mm256_mul_ps(sa, s1)));
  }
}

constexpr auto kRows = row_table<4>([](auto rows) { return &q8_rows_x16<rows>; });

}  // namespace

void q8_gemm_4x16__avx2(size_t mr, size_t k_groups, const void* a, size_t lda, const void* b, float* c, size_t ldc,
                        const float* a_scale, const float* b_scale, const int32_t* corr) {
  kRows[mr - 1](k_groups, static_cast<const int8_t*>(a), lda, static_cast<const int8_t*>(b), c, ldc, a_scale,
                b_scale, corr);
}

}  // namespace zoomrt::kern
