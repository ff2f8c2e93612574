// AVX2 W4A8 micro-kernel, 4x16 (contract in w4a8_gemm.h). Per step of 4 k: one 32-byte load of
// nibbles gives columns 0..7 (low) and 8..15 (high) in [8 lanes][4 k] order. vpmaddubsw takes
// the unsigned codes 0..15 and the signed activation codes: a pair sum is at most
// 2 * 15 * 127 = 3810, far from int16 saturation (unlike the int8 kernel, no sign trick), and
// vpmaddwd with ones widens to int32. Accumulators start each group at -8 * (code sum of the
// row in the group); f32 sums over groups live in a stack tile.
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/row_table.h"
#include "kernels/gemm/w4a8_gemm.h"

namespace zoomrt::kern {
namespace {

template <int ROWS>
void w4a8_rows_x16(size_t groups, size_t group_steps, size_t last_steps, const int8_t* a, size_t lda,
                   const int32_t* a_corr, size_t ld_corr, const uint8_t* b, const float* b_scale,
                   const float* a_scale, float* c, size_t ldc) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  alignas(32) float f[ROWS][16];
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) {
    _mm256_store_ps(f[i], _mm256_setzero_ps());
    _mm256_store_ps(f[i] + 8, _mm256_setzero_ps());
  }
  for (size_t g = 0; g < groups; ++g) {
    __m256i v[ROWS][2];
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) v[i][0] = v[i][1] = _mm256_set1_epi32(a_corr[size_t(i) * ld_corr + g]);
    const int8_t* ak = a + 4 * g * group_steps;
    const size_t steps = g + 1 < groups ? group_steps : last_steps;
    for (size_t s = 0; s < steps; ++s, ak += 4, b += 32) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
      const __m256i lo = _mm256_and_si256(raw, low4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
#pragma GCC unroll 4
      for (int i = 0; i < ROWS; ++i) {
        int32_t quad;
        std::memcpy(&quad, ak + size_t(i) * lda, sizeof quad);
        const __m256i x = _mm256_set1_epi32(quad);
        v[i][0] = _mm256_add_epi32(v[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x), ones));
        v[i][1] = _mm256_add_epi32(v[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x), ones));
      }
    }
    const __m256 s0 = _mm256_loadu_ps(b_scale + 16 * g), s1 = _mm256_loadu_ps(b_scale + 16 * g + 8);
#pragma GCC unroll 4
    for (int i = 0; i < ROWS; ++i) {
      _mm256_store_ps(f[i], _mm256_fmadd_ps(_mm256_cvtepi32_ps(v[i][0]), s0, _mm256_load_ps(f[i])));
      _mm256_store_ps(f[i] + 8, _mm256_fmadd_ps(_mm256_cvtepi32_ps(v[i][1]), s1, _mm256_load_ps(f[i] + 8)));
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < ROWS; ++i) {
    const __m256 sa = _mm256_set1_ps(a_scale[i]);
    _mm256_storeu_ps(c + size_t(i) * ldc, _mm256_mul_ps(_mm256_load_ps(f[i]), sa));
    _mm256_storeu_ps(c + size_t(i) * ldc + 8, _mm256_mul_ps(_mm256_load_ps(f[i] + 8), sa));
  }
}

constexpr auto kRows = row_table<4>([](auto rows) { return &w4a8_rows_x16<rows>; });

}  // namespace

void w4a8_gemm_4x16__avx2(size_t mr, size_t groups, size_t group_steps, size_t last_steps, const int8_t* a,
                          size_t lda, const int32_t* a_corr, size_t ld_corr, const uint8_t* b, const float* b_scale,
                          const float* a_scale, float* c, size_t ldc) {
  kRows[mr - 1](groups, group_steps, last_steps, a, lda, a_corr, ld_corr, b, b_scale, a_scale, c, ldc);
}

}  // namespace zoomrt::kern

namespace zoomrt::kern {

// vpmaddubsw(ones, q) adds byte pairs into int16 (|sum| <= 254), vpmaddwd(ones) pairs of those.
void w4a8_group_sums__avx2(size_t groups, size_t group, const int8_t* q, int32_t* out) {
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (size_t g = 0; g < groups; ++g, q += group) {
    __m256i acc = _mm256_setzero_si256();
    for (size_t t = 0; t < group; t += 32) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + t));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, x), ones16));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    out[g] = -8 * _mm_cvtsi128_si32(s);
  }
}

}  // namespace zoomrt::kern
