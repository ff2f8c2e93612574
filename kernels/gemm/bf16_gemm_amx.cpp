// AMX BF16 GEMM (kernels/gemm/bf16_gemm.h): a 32x32 block of C in four 16x16 f32 tiles, two
// tiles of A rows and two of B columns per 32 k, TDPBF16PS over the whole k. Tiles 0-3 hold C,
// 4-5 the two halves of A's rows, 6-7 the two halves of B's columns.
#include <immintrin.h>

#include <cstring>

#include "kernels/dtype.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

namespace {

// LDTILECFG's 64-byte operand, palette 1.
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t bytes_per_row[16] = {};
  uint8_t rows[16] = {};
};

constexpr TileConfig make_config() {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) cfg.rows[t] = 16, cfg.bytes_per_row[t] = 64;
  return cfg;
}

}  // namespace

void bf16_tiles_begin__amx() {
  static constexpr TileConfig kConfig = make_config();
  _tile_loadconfig(&kConfig);
}

void bf16_tiles_end__amx() { _tile_release(); }

void bf16_gemm_32x32__amx(size_t k_steps, const uint16_t* a, size_t lda, const uint16_t* b, float* c, size_t ldc) {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  const size_t a_stride = lda * sizeof(uint16_t);
  const uint16_t* a_low = a + 16 * lda;
  for (size_t s = 0; s < k_steps; ++s, b += 1024) {
    _tile_loadd(4, a + s * 32, a_stride);
    _tile_loadd(6, b, 64);
    _tile_loadd(7, b + 512, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_loadd(5, a_low + s * 32, a_stride);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  const size_t c_stride = ldc * sizeof(float);
  _tile_stored(0, c, c_stride);
  _tile_stored(1, c + 16, c_stride);
  _tile_stored(2, c + 16 * ldc, c_stride);
  _tile_stored(3, c + 16 * ldc + 16, c_stride);
}

// float_to_bf16 on 16 lanes: round to nearest even by adding 0x7fff plus the kept part's lowest
// bit, NaNs kept quiet.
void bf16_round_rows__amx(const float* a, size_t lda, size_t rows, size_t k, size_t k_padded, uint16_t* out,
                          size_t ld_out) {
  const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff), quiet = _mm512_set1_epi32(0x40);
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  for (size_t r = 0; r < rows; ++r) {
    const float* src = a + r * lda;
    uint16_t* dst = out + r * ld_out;
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
      const __m512i x = _mm512_castps_si512(_mm512_loadu_ps(src + kk));
      const __m512i top = _mm512_srli_epi32(x, 16);
      const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(x, _mm512_add_epi32(bias, _mm512_and_si512(top, one))), 16);
      const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(x, abs_mask), inf);
      const __m512i v = _mm512_mask_or_epi32(rounded, nan, top, quiet);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + kk), _mm512_cvtepi32_epi16(v));
    }
    for (; kk < k; ++kk) dst[kk] = float_to_bf16(src[kk]);
    if (k_padded > k) std::memset(dst + k, 0, (k_padded - k) * sizeof(uint16_t));
  }
}

}  // namespace zoomrt::kern
