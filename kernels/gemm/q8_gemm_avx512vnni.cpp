// AVX-512 VNNI int8 micro-kernel, 12x32: vpdpbusd adds four u8 x s8 products into each int32
// lane without intermediate saturation. A holds q + 128 (u8), so the kernel subtracts
// corr[j] = 128 * sum_k b[k, j] before dequantising.
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/row_table.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {
namespace {

// acc += dot4(u8 x, s8 b) per int32 lane. Inline asm instead of _mm512_dpbusd_epi32: g++ 12
// ties the intrinsic's accumulator badly and, with 24 accumulators live, copies each one
// through another register and spills it to the stack every step (measured on 2 threads: 1.5-1.75x
// the FP32 GEMM with the intrinsic, 3.2-4x with this; docs/kernels.md, INT8 GEMM).
inline void dpbusd(__m512i& acc, __m512i x, __m512i b) {
  asm("vpdpbusd %[b], %[x], %[acc]" : [acc] "+v"(acc) : [x] "v"(x), [b] "v"(b));
}

template <int ROWS>
void q8_rows_x32(size_t k_groups, const uint8_t* a, size_t lda, const int8_t* b, float* c, size_t ldc,
                 const float* a_scale, const float* b_scale, const int32_t* corr) {
  constexpr int kPrefetchGroups = 16;  // B panels cross 4 KiB pages every 32 groups
  __m512i v[ROWS][2];
#pragma GCC unroll 12
  for (int i = 0; i < ROWS; ++i) v[i][0] = v[i][1] = _mm512_setzero_si512();
  for (size_t g = 0; g < k_groups; ++g) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 128 * kPrefetchGroups), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 128 * kPrefetchGroups + 64), _MM_HINT_T0);
    const __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
    b += 128;
#pragma GCC unroll 12
    for (int i = 0; i < ROWS; ++i) {
      int32_t quad;
      std::memcpy(&quad, a + size_t(i) * lda + 4 * g, sizeof quad);
      const __m512i x = _mm512_set1_epi32(quad);
      dpbusd(v[i][0], x, b0);
      dpbusd(v[i][1], x, b1);
    }
  }
  const __m512i c0 = _mm512_loadu_si512(corr), c1 = _mm512_loadu_si512(corr + 16);
  const __m512 s0 = _mm512_loadu_ps(b_scale), s1 = _mm512_loadu_ps(b_scale + 16);
#pragma GCC unroll 12
  for (int i = 0; i < ROWS; ++i) {
    const __m512 sa = _mm512_set1_ps(a_scale[i]);
    _mm512_storeu_ps(c + size_t(i) * ldc,
                     _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v[i][0], c0)), _mm512_mul_ps(sa, s0)));
    _mm512_storeu_ps(c + size_t(i) * ldc + 16,
                     _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v[i][1], c1)), _mm512_mul_ps(sa, s1)));
  }
}

constexpr auto kRows = row_table<12>([](auto rows) { return &q8_rows_x32<rows>; });

}  // namespace

void q8_gemm_12x32__avx512vnni(size_t mr, size_t k_groups, const void* a, size_t lda, const void* b, float* c,
                               size_t ldc, const float* a_scale, const float* b_scale, const int32_t* corr) {
  kRows[mr - 1](k_groups, static_cast<const uint8_t*>(a), lda, static_cast<const int8_t*>(b), c, ldc, a_scale,
                b_scale, corr);
}

}  // namespace zoomrt::kern
