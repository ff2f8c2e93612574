// AVX-512 expansion of palette and 2:4 sparse B panels (kernels/gemm/expand.h), 16 columns per
// vector. Panels of 8 columns (the generic and SSE4.1 kernels' nr) go to the AVX2 code.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/gemm/expand.h"

namespace zoomrt::kern {
namespace {  // NOLINT: per-ISA translation unit

// The 16 indices of B bits at src (2 * B bytes, column 0 in the lowest bits) as int32 lanes.
template <int B>
__m512i indices16(const uint8_t* src) {
  if constexpr (B == 8) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  } else if constexpr (B == 4) {  // nibbles: the low and high halves of 8 bytes, interleaved
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)), low = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(x, low), hi = _mm_and_si128(_mm_srli_epi16(x, 4), low);
    return _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
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

// One codebook for the layer: up to 64 entries in registers (permutes), more through gathers.
template <int B>
struct LayerTable {
  static constexpr int kEntries = 1 << B;
  const float* codebook;
  __m512 t[kEntries <= 64 ? (kEntries + 15) / 16 : 1];

  explicit LayerTable(const float* cb) : codebook(cb) {
    if constexpr (kEntries < 16) t[0] = _mm512_maskz_loadu_ps(__mmask16((1u << kEntries) - 1), cb);
    else if constexpr (kEntries <= 64)
      for (int i = 0; i < kEntries / 16; ++i) t[i] = _mm512_loadu_ps(cb + 16 * i);
  }
  __m512 operator()(__m512i idx) const {
    if constexpr (kEntries <= 16) return _mm512_permutexvar_ps(idx, t[0]);
    if constexpr (kEntries == 32) return _mm512_permutex2var_ps(t[0], idx, t[1]);
    if constexpr (kEntries == 64) {
      const __mmask16 upper = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
      return _mm512_mask_blend_ps(upper, _mm512_permutex2var_ps(t[0], idx, t[1]), _mm512_permutex2var_ps(t[2], idx, t[3]));
    }
    return _mm512_i32gather_ps(idx, codebook, 4);
  }
};

// One codebook per column, entry-major ([1 << B][nr]): for B <= 4 the entries of 16 columns sit in
// registers and each lane picks its entry by a tree of blends on the index bits; wider codebooks
// gather from memory.
template <int B>
struct ColumnTable {
  static constexpr int kEntries = 1 << B;
  static constexpr bool kTree = B <= 4;
  const float* codebook;  // column j0's entry 0
  __m512i offsets;        // lane j: j (gathers scale idx by nr)
  __m512i nr_vec;
  __m512 t[kTree ? kEntries : 1];

  ColumnTable(const float* cb, size_t nr) : codebook(cb) {
    offsets = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    nr_vec = _mm512_set1_epi32(int(nr));
    if constexpr (kTree)
      for (int e = 0; e < kEntries; ++e) t[e] = _mm512_loadu_ps(cb + size_t(e) * nr);
  }
  __m512 operator()(__m512i idx) const {
    if constexpr (kTree) {
      __m512 v[kEntries];
      for (int e = 0; e < kEntries; ++e) v[e] = t[e];
      for (int bit = 0, n = kEntries; bit < B; ++bit, n /= 2) {
        const __mmask16 set = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(1 << bit));
        for (int i = 0; i < n / 2; ++i) v[i] = _mm512_mask_blend_ps(set, v[2 * i], v[2 * i + 1]);
      }
      return v[0];
    } else {
      return _mm512_i32gather_ps(_mm512_add_epi32(_mm512_mullo_epi32(idx, nr_vec), offsets), codebook, 4);
    }
  }
};

template <int B>
void palette_rows(const uint8_t* src, size_t rows, const float* codebook, bool per_column, float* dst, size_t nr) {
  const size_t row_bytes = nr * B / 8;
  for (size_t j0 = 0; j0 < nr; j0 += 16) {  // column-outer: a per-column table stays in registers
    const uint8_t* s = src + j0 * B / 8;
    float* d = dst + j0;
    if (per_column) {
      const ColumnTable<B> table(codebook + j0, nr);
      for (size_t r = 0; r < rows; ++r) _mm512_storeu_ps(d + r * nr, table(indices16<B>(s + r * row_bytes)));
    } else {
      const LayerTable<B> table(codebook);
      for (size_t r = 0; r < rows; ++r) _mm512_storeu_ps(d + r * nr, table(indices16<B>(s + r * row_bytes)));
    }
  }
}

// Rows [r0, r1) of one 2:4 group (0 <= r0 < r1 <= 4) into dst (row r0 first), 16 columns at a time.
template <bool kFull>
void sparse24_group(const uint8_t* g, int r0, int r1, float* dst, size_t nr) {
  const __m128i low = _mm_set1_epi8(0x0F);
  const __m512i three = _mm512_set1_epi32(3);
  for (size_t j0 = 0; j0 < nr; j0 += 16) {
    const __m512 v0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + 2 * j0)));
    const __m512 v1 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + 2 * (nr + j0))));
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(g + 4 * nr + j0 / 2));
    const __m512i pos = _mm512_cvtepu8_epi32(
        _mm_unpacklo_epi8(_mm_and_si128(x, low), _mm_and_si128(_mm_srli_epi16(x, 4), low)));
    const __m512i p0 = _mm512_and_si512(pos, three), p1 = _mm512_srli_epi32(pos, 2);
    const int lo = kFull ? 0 : r0, hi = kFull ? 4 : r1;
    for (int r = lo; r < hi; ++r) {
      const __m512i row = _mm512_set1_epi32(r);
      // Slot 1 first, then slot 0 over it: slot 0 wins where both claim the row, as in the generic code.
      const __m512 v = _mm512_mask_mov_ps(_mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(p1, row), v1),
                                          _mm512_cmpeq_epi32_mask(p0, row), v0);
      _mm512_storeu_ps(dst + size_t(r - r0) * nr + j0, v);
    }
  }
}

}  // namespace

void expand_palette__avx512(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                            float* dst, size_t nr) {
  if (nr % 16 != 0) return expand_palette__avx2(src, rows, bits, codebook, per_column, dst, nr);
  switch (bits) {
    case 2: return palette_rows<2>(src, rows, codebook, per_column, dst, nr);
    case 3: return palette_rows<3>(src, rows, codebook, per_column, dst, nr);
    case 4: return palette_rows<4>(src, rows, codebook, per_column, dst, nr);
    case 5: return palette_rows<5>(src, rows, codebook, per_column, dst, nr);
    case 6: return palette_rows<6>(src, rows, codebook, per_column, dst, nr);
    case 7: return palette_rows<7>(src, rows, codebook, per_column, dst, nr);
    default: return palette_rows<8>(src, rows, codebook, per_column, dst, nr);
  }
}

void expand_sparse24__avx512(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
  if (nr % 16 != 0) return expand_sparse24__avx2(panel, k0, kc, dst, nr);
  const size_t group_bytes = sparse24_group_bytes(nr);
  for (size_t kk = k0, end = k0 + kc; kk < end;) {
    const size_t g = kk / 4, r0 = kk % 4, r1 = std::min<size_t>(4, end - g * 4);
    if (r0 == 0 && r1 == 4) sparse24_group<true>(panel + g * group_bytes, 0, 4, dst, nr);
    else sparse24_group<false>(panel + g * group_bytes, int(r0), int(r1), dst, nr);
    dst += (r1 - r0) * nr;
    kk = g * 4 + r1;
  }
}

}  // namespace zoomrt::kern
