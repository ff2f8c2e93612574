// AVX2 + F16C expansion of compressed B panels (kernels/gemm/expand.h), 8 columns per vector.
#include <immintrin.h>

#include <algorithm>
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

namespace {  // NOLINT: per-ISA translation unit

// The 8 indices of B bits at src (B bytes, column 0 in the lowest bits) as int32 lanes.
template <int B>
__m256i indices8(const uint8_t* src) {
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

// Blend by index bit `bit`: b where it is set, else a.
inline __m256 select_by_bit(__m256i idx, int bit, __m256 a, __m256 b) {
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_sll_epi32(idx, _mm_cvtsi32_si128(31 - bit))));
}

// One codebook for the layer: up to 16 entries in registers (permutes), more through gathers.
template <int B>
struct LayerTable {
  static constexpr int kEntries = 1 << B;
  const float* codebook;
  __m256 t[2];

  explicit LayerTable(const float* cb) : codebook(cb) {
    if constexpr (kEntries < 8) {
      const __m256i first = _mm256_cmpgt_epi32(_mm256_set1_epi32(kEntries), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      t[0] = _mm256_maskload_ps(cb, first);
    } else if constexpr (kEntries <= 16) {
      t[0] = _mm256_loadu_ps(cb);
      if constexpr (kEntries == 16) t[1] = _mm256_loadu_ps(cb + 8);
    }
  }
  __m256 operator()(__m256i idx) const {
    if constexpr (kEntries <= 8) return _mm256_permutevar8x32_ps(t[0], idx);
    if constexpr (kEntries == 16)
      return select_by_bit(idx, 3, _mm256_permutevar8x32_ps(t[0], idx), _mm256_permutevar8x32_ps(t[1], idx));
    return _mm256_i32gather_ps(codebook, idx, 4);
  }
};

// One codebook per column, entry-major ([1 << B][nr]): for B <= 3 the entries of 8 columns sit in
// registers and each lane picks its entry by a tree of blends on the index bits (16 entries would
// fill all 16 registers); wider codebooks gather from memory.
template <int B>
struct ColumnTable {
  static constexpr int kEntries = 1 << B;
  static constexpr bool kTree = B <= 3;
  const float* codebook;  // column j0's entry 0
  __m256i nr_vec;
  __m256 t[kTree ? kEntries : 1];

  ColumnTable(const float* cb, size_t nr) : codebook(cb), nr_vec(_mm256_set1_epi32(int(nr))) {
    if constexpr (kTree)
      for (int e = 0; e < kEntries; ++e) t[e] = _mm256_loadu_ps(cb + size_t(e) * nr);
  }
  __m256 operator()(__m256i idx) const {
    if constexpr (kTree) {
      __m256 v[kEntries];
      for (int e = 0; e < kEntries; ++e) v[e] = t[e];
      for (int bit = 0, n = kEntries; bit < B; ++bit, n /= 2)
        for (int i = 0; i < n / 2; ++i) v[i] = select_by_bit(idx, bit, v[2 * i], v[2 * i + 1]);
      return v[0];
    } else {
      const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      return _mm256_i32gather_ps(codebook, _mm256_add_epi32(_mm256_mullo_epi32(idx, nr_vec), lanes), 4);
    }
  }
};

template <int B>
void palette_rows(const uint8_t* src, size_t rows, const float* codebook, bool per_column, float* dst, size_t nr) {
  const size_t row_bytes = nr * B / 8;
  for (size_t j0 = 0; j0 < nr; j0 += 8) {  // column-outer: a per-column table stays in registers
    const uint8_t* s = src + j0 / 8 * B;
    float* d = dst + j0;
    if (per_column) {
      const ColumnTable<B> table(codebook + j0, nr);
      for (size_t r = 0; r < rows; ++r) _mm256_storeu_ps(d + r * nr, table(indices8<B>(s + r * row_bytes)));
    } else {
      const LayerTable<B> table(codebook);
      for (size_t r = 0; r < rows; ++r) _mm256_storeu_ps(d + r * nr, table(indices8<B>(s + r * row_bytes)));
    }
  }
}

// Rows [r0, r1) of one 2:4 group (0 <= r0 < r1 <= 4) into dst (row r0 first), 8 columns at a time.
template <bool kFull>
void sparse24_group(const uint8_t* g, int r0, int r1, float* dst, size_t nr) {
  const __m128i low = _mm_set1_epi8(0x0F);
  const __m256i three = _mm256_set1_epi32(3);
  for (size_t j0 = 0; j0 < nr; j0 += 8) {
    const __m256 v0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g + 2 * j0)));
    const __m256 v1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g + 2 * (nr + j0))));
    uint32_t four;
    std::memcpy(&four, g + 4 * nr + j0 / 2, 4);
    const __m128i x = _mm_cvtsi32_si128(int(four));
    const __m256i pos = _mm256_cvtepu8_epi32(
        _mm_unpacklo_epi8(_mm_and_si128(x, low), _mm_and_si128(_mm_srli_epi16(x, 4), low)));
    const __m256i p0 = _mm256_and_si256(pos, three), p1 = _mm256_srli_epi32(pos, 2);
    const int lo = kFull ? 0 : r0, hi = kFull ? 4 : r1;
    for (int r = lo; r < hi; ++r) {
      const __m256i row = _mm256_set1_epi32(r);
      // Slot 0 over slot 1: slot 0 wins where both claim the row, as in the generic code.
      const __m256 only1 = _mm256_and_ps(v1, _mm256_castsi256_ps(_mm256_cmpeq_epi32(p1, row)));
      const __m256 v = _mm256_blendv_ps(only1, v0, _mm256_castsi256_ps(_mm256_cmpeq_epi32(p0, row)));
      _mm256_storeu_ps(dst + size_t(r - r0) * nr + j0, v);
    }
  }
}

}  // namespace

void expand_palette__avx2(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                          float* dst, size_t nr) {
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

void expand_sparse24__avx2(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
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
