// AVX-512 VNNI W4A8 micro-kernel, 6x32 (contract in w4a8_gemm.h). Per step of 4 k: one 64-byte
// load of nibbles; `and 0x0F` gives columns 0..15 and `>> 4, and 0x0F` columns 16..31, already
// in vpdpbusd's [16 lanes][4 k] order. The unsigned codes 0..15 take vpdpbusd's u8 side, the
// activation codes its s8 side, broadcast from memory ({1to16}). 12 int32 accumulators start
// each group at -8 * (code sum of the row in the group), which removes the code offset exactly.
// Why 6 rows, not the int8 kernel's 12: the f32 sums over groups (12 more zmm) then stay in
// registers. With 12 rows they had to live in an L1 tile, and the per-group convert / load /
// fma / store cost 10-15 % (measured: W4A8 0.84-0.92x int8 with 12 rows, 0.91-0.96x with 6).
#include <immintrin.h>

#include "kernels/gemm/row_table.h"
#include "kernels/gemm/w4a8_gemm.h"

namespace zoomrt::kern {
namespace {

// acc += dot4(u8 codes, s8 a[0..3]) per lane, the 4 activation bytes broadcast from memory.
// Inline asm: g++ 12 copies and spills the intrinsic's accumulators (see q8_gemm_avx512vnni.cpp).
inline void dpbusd_bcast(__m512i& acc, __m512i codes, const int8_t* a) {
  asm("vpdpbusd %[a]%{1to16%}, %[b], %[acc]"
      : [acc] "+v"(acc)
      : [b] "v"(codes), [a] "m"(*reinterpret_cast<const int32_t*>(a)));
}

template <int ROWS>
void w4a8_rows_x32(size_t groups, size_t group_steps, size_t last_steps, const int8_t* a, size_t lda,
                   const int32_t* a_corr, size_t ld_corr, const uint8_t* b, const float* b_scale,
                   const float* a_scale, float* c, size_t ldc) {
  constexpr int kPrefetchSteps = 16;  // 1 KiB ahead: panels cross 4 KiB pages every 64 steps
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  __m512 f[ROWS][2];  // f32 sums over the groups so far, in registers
  for (size_t g = 0; g < groups; ++g) {
    __m512i v[ROWS][2];
#pragma GCC unroll 6
    for (int i = 0; i < ROWS; ++i) {  // two broadcasts from memory: load ports only
      v[i][0] = _mm512_set1_epi32(a_corr[size_t(i) * ld_corr + g]);
      v[i][1] = _mm512_set1_epi32(a_corr[size_t(i) * ld_corr + g]);
    }
    const int8_t* ak = a + 4 * g * group_steps;
    const size_t steps = g + 1 < groups ? group_steps : last_steps;
    for (size_t s = 0; s < steps; ++s, ak += 4, b += 64) {
      _mm_prefetch(reinterpret_cast<const char*>(b + 64 * kPrefetchSteps), _MM_HINT_T0);
      const __m512i raw = _mm512_loadu_si512(b);
      const __m512i lo = _mm512_and_si512(raw, low4), hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);
#pragma GCC unroll 6
      for (int i = 0; i < ROWS; ++i) {
        dpbusd_bcast(v[i][0], lo, ak + size_t(i) * lda);
        dpbusd_bcast(v[i][1], hi, ak + size_t(i) * lda);
      }
    }
    const __m512 s0 = _mm512_loadu_ps(b_scale + 32 * g), s1 = _mm512_loadu_ps(b_scale + 32 * g + 16);
    const bool first = g == 0;
#pragma GCC unroll 6
    for (int i = 0; i < ROWS; ++i) {
      const __m512 x0 = _mm512_cvtepi32_ps(v[i][0]), x1 = _mm512_cvtepi32_ps(v[i][1]);
      f[i][0] = first ? _mm512_mul_ps(x0, s0) : _mm512_fmadd_ps(x0, s0, f[i][0]);
      f[i][1] = first ? _mm512_mul_ps(x1, s1) : _mm512_fmadd_ps(x1, s1, f[i][1]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < ROWS; ++i) {
    const __m512 sa = _mm512_set1_ps(a_scale[i]);
    _mm512_storeu_ps(c + size_t(i) * ldc, _mm512_mul_ps(f[i][0], sa));
    _mm512_storeu_ps(c + size_t(i) * ldc + 16, _mm512_mul_ps(f[i][1], sa));
  }
}

constexpr auto kRows = row_table<6>([](auto rows) { return &w4a8_rows_x32<rows>; });

}  // namespace

void w4a8_gemm_6x32__avx512vnni(size_t mr, size_t groups, size_t group_steps, size_t last_steps, const int8_t* a,
                                 size_t lda, const int32_t* a_corr, size_t ld_corr, const uint8_t* b,
                                 const float* b_scale, const float* a_scale, float* c, size_t ldc) {
  kRows[mr - 1](groups, group_steps, last_steps, a, lda, a_corr, ld_corr, b, b_scale, a_scale, c, ldc);
}

}  // namespace zoomrt::kern

namespace zoomrt::kern {

// vpdpbusd(ones, q): four codes summed into each int32 lane, 32 codes per ymm step.
void w4a8_group_sums__avx512vnni(size_t groups, size_t group, const int8_t* q, int32_t* out) {
  const __m256i ones8 = _mm256_set1_epi8(1);
  for (size_t g = 0; g < groups; ++g, q += group) {
    __m256i acc = _mm256_setzero_si256();
    for (size_t t = 0; t < group; t += 32)
      acc = _mm256_dpbusd_epi32(acc, ones8, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + t)));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    out[g] = -8 * _mm_cvtsi128_si32(s);
  }
}

}  // namespace zoomrt::kern
