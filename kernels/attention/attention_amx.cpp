// BF16 attention on AMX tiles (kernels/attention/attention_bf16.h). One group of heads of one
// batch item at a time (their packed K and V within 2 MiB), K and V are packed as bf16 B tiles;
// then each task takes 16 query rows of one head of the group:
//   1. S[16, lk64] = Q·Kᵀ: per 64 keys four 16x16 f32 tiles over d in steps of 32 (Q tile 16 x 32
//      d, K tiles 16 d pairs x 16 keys), stored to a row buffer;
//   2. softmax per row in f32 (AVX-512): P = 2^((S - max)·scale·log2 e),
//      masked past lk and past the causal limit, row sums kept, P rounded to bf16;
//   3. O[16, d] = P·V: per 64 output columns four tiles over the keys in steps of 32 (P tile 16 x
//      32 keys, V tiles 16 key pairs x 16 columns), then out = O / row sum.
// Every output element comes from one task in a fixed order: bit-identical for any thread count.
// Tiles 0-3 accumulate, 4 holds the A operand (Q or P), 5 the B operand (K or V).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/attention/attention_kernels.h"
#include "kernels/attention/avx512_vec.h"
#include "kernels/dtype.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt {
namespace {

using Vec = attn::Avx512Vec;
constexpr float kLog2e = 1.44269504088896341f;
constexpr int kRows = 16;  // query rows per task (one tile of A)

int round_up(int x, int m) { return (x + m - 1) / m * m; }
// A row stride of an odd number of 64-byte lines (`per_line` elements each) holding n elements,
// so the 16 rows of a tile load fall in 16 different L1 sets.
size_t odd_lines(int n, int per_line) { return size_t((round_up(n, per_line) / per_line) | 1) * size_t(per_line); }

struct Shape {
  int b, lq, lk, heads, d;
  float scale;
  bool causal;
  int lk64 = round_up(lk, 64), d32 = round_up(d, 32), d64 = round_up(d, 64);
  size_t row() const { return size_t(heads) * size_t(d); }
  size_t k_elems() const { return size_t(lk64) * size_t(d32); }  // one head's packed K
  size_t v_elems() const { return size_t(lk64) * size_t(d64); }  // one head's packed V
};

// Keys [j0, j1) of one head's K as B tiles of S = Q·Kᵀ: [key group of 16][d step of 32][16 d
// pairs][16 keys x 2]. Every element of those keys' tiles is written (zero past lk and d).
void pack_k(const Shape& sh, const float* k, uint16_t* out, int j0, int j1) {
  const int steps = sh.d32 / 32;
  for (int j = j0; j < j1; ++j)
    for (int dd = 0; dd < sh.d32; ++dd) {
      const size_t tile = size_t(j / 16) * size_t(steps) + size_t(dd / 32);
      out[tile * 512 + size_t(dd % 32 / 2) * 32 + size_t(j % 16) * 2 + size_t(dd % 2)] =
          j < sh.lk && dd < sh.d ? float_to_bf16(k[size_t(j) * sh.row() + size_t(dd)]) : uint16_t(0);
    }
}

// Keys [j0, j1) of one head's V as B tiles of O = P·V: [key step of 32][column group of 16][16 key
// pairs][16 columns x 2], every element written.
void pack_v(const Shape& sh, const float* v, uint16_t* out, int j0, int j1) {
  const int groups = sh.d64 / 16;
  for (int j = j0; j < j1; ++j)
    for (int dd = 0; dd < sh.d64; ++dd) {
      const size_t tile = size_t(j / 32) * size_t(groups) + size_t(dd / 16);
      out[tile * 512 + size_t(j % 32 / 2) * 32 + size_t(dd % 16) * 2 + size_t(j % 2)] =
          j < sh.lk && dd < sh.d ? float_to_bf16(v[size_t(j) * sh.row() + size_t(dd)]) : uint16_t(0);
    }
}

// A thread's task buffers, kept across calls and grown to the largest shape seen.
struct Scratch {
  std::vector<uint16_t> q, p;  // [16][d32] and [16][ld_p] bf16
  std::vector<float> s, o;     // [16][ld_s] scores, [16][64] one column block of O
  size_t ld_s = 0, ld_p = 0;
  void fit(const Shape& sh) {
    ld_s = odd_lines(sh.lk64, 16), ld_p = odd_lines(sh.lk64, 32);
    auto grow = [](auto& v, size_t n) {
      if (v.size() < n) v.resize(n);
    };
    grow(q, size_t(kRows) * size_t(sh.d32));
    grow(s, size_t(kRows) * ld_s);
    grow(p, size_t(kRows) * ld_p);
    grow(o, size_t(kRows) * 64);
  }
};

// 2^x for x <= 0 (x clamped at -127, where it gives exactly 0): k = round(x), 2^(x - k) by its
// degree-4 Taylor series, relative error below 4.3e-5, far under the 2^-9 of the bf16 weights
// it produces.
Vec::Reg exp2_for_weights(Vec::Reg x) {
  x = Vec::max(x, Vec::set1(-127.0f));
  const Vec::Reg k = Vec::round(x), r = Vec::sub(x, k);
  Vec::Reg p = Vec::set1(9.6181291076284772e-3f);
  p = Vec::fma(p, r, Vec::set1(5.5504108664821580e-2f));
  p = Vec::fma(p, r, Vec::set1(0.24022650695910071f));
  p = Vec::fma(p, r, Vec::set1(0.69314718055994531f));
  p = Vec::fma(p, r, Vec::set1(1.0f));
  return Vec::mul(p, Vec::pow2i(k));
}

// Softmax of one score row into bf16 weights (VCVTNEPS2BF16: round to nearest even); returns the
// row sum of the unrounded weights.
float softmax_row(const float* s, int limit, int lk64, float scale_log2, uint16_t* p) {
  using R = Vec::Reg;
  R mv = Vec::set1(-INFINITY);
  int j = 0;
  for (; j + 16 <= limit; j += 16) mv = Vec::max(mv, Vec::load(s + j));
  float m = _mm512_reduce_max_ps(mv);
  for (; j < limit; ++j) m = std::max(m, s[j]);
  const R scale = Vec::set1(scale_log2), mb = Vec::set1(m);
  R sum = Vec::zero();
  for (j = 0; j < lk64; j += 16) {
    const __mmask16 live = limit - j >= 16 ? __mmask16(0xffff) : limit > j ? __mmask16((1u << (limit - j)) - 1) : 0;
    // Masked lanes: -inf, which exp2_for_weights clamps to 2^-127 = +0.
    const R e = exp2_for_weights(_mm512_mask_mul_ps(Vec::set1(-INFINITY), live, Vec::sub(Vec::load(s + j), mb), scale));
    sum = Vec::add(sum, e);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + j), reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(e)));
  }
  return _mm512_reduce_add_ps(sum);
}

void run_task(const Shape& sh, const float* q, const uint16_t* kp, const uint16_t* vp, float* out, int r0,
              Scratch& w) {
  const int rows = std::min(kRows, sh.lq - r0), steps = sh.d32 / 32;
  // Q rows rounded, zero padded to 16 rows and d32 columns.
  std::fill_n(w.q.data(), size_t(kRows) * size_t(sh.d32), uint16_t(0));
  for (int i = 0; i < rows; ++i)
    for (int dd = 0; dd < sh.d; ++dd)
      w.q[size_t(i) * size_t(sh.d32) + size_t(dd)] = float_to_bf16(q[size_t(r0 + i) * sh.row() + size_t(dd)]);
  // 1. Scores.
  const size_t q_stride = size_t(sh.d32) * 2, s_stride = w.ld_s * 4, p_stride = w.ld_p * 2;
  for (int g = 0; g < sh.lk64 / 16; g += 4) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int st = 0; st < steps; ++st) {
      _tile_loadd(4, w.q.data() + st * 32, q_stride);
      const uint16_t* kt = kp + (size_t(g) * size_t(steps) + size_t(st)) * 512;
      const size_t next_group = size_t(steps) * 512;
      _tile_loadd(5, kt, 64);
      _tile_dpbf16ps(0, 4, 5);
      _tile_loadd(5, kt + next_group, 64);
      _tile_dpbf16ps(1, 4, 5);
      _tile_loadd(5, kt + 2 * next_group, 64);
      _tile_dpbf16ps(2, 4, 5);
      _tile_loadd(5, kt + 3 * next_group, 64);
      _tile_dpbf16ps(3, 4, 5);
    }
    float* s = w.s.data() + size_t(g) * 16;
    _tile_stored(0, s, s_stride);
    _tile_stored(1, s + 16, s_stride);
    _tile_stored(2, s + 32, s_stride);
    _tile_stored(3, s + 48, s_stride);
  }
  // 2. Softmax per row (padding rows get weights of their zero scores: never written out).
  float sums[kRows];
  const float scale_log2 = sh.scale * kLog2e;
  for (int i = 0; i < kRows; ++i) {
    const int limit = sh.causal ? std::min(sh.lk, r0 + i + 1) : sh.lk;
    sums[i] = softmax_row(w.s.data() + size_t(i) * w.ld_s, i < rows ? limit : sh.lk, sh.lk64, scale_log2,
                          w.p.data() + size_t(i) * w.ld_p);
  }
  // 3. Weighted sum of V, 64 columns at a time.
  const int groups = sh.d64 / 16;
  for (int c0 = 0; c0 < sh.d; c0 += 64) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int ks = 0; ks < sh.lk64 / 32; ++ks) {
      _tile_loadd(4, w.p.data() + ks * 32, p_stride);
      const uint16_t* vt = vp + (size_t(ks) * size_t(groups) + size_t(c0 / 16)) * 512;
      _tile_loadd(5, vt, 64);
      _tile_dpbf16ps(0, 4, 5);
      _tile_loadd(5, vt + 512, 64);
      _tile_dpbf16ps(1, 4, 5);
      _tile_loadd(5, vt + 1024, 64);
      _tile_dpbf16ps(2, 4, 5);
      _tile_loadd(5, vt + 1536, 64);
      _tile_dpbf16ps(3, 4, 5);
    }
    _tile_stored(0, w.o.data(), 256);
    _tile_stored(1, w.o.data() + 16, 256);
    _tile_stored(2, w.o.data() + 32, 256);
    _tile_stored(3, w.o.data() + 48, 256);
    const int cols = std::min(64, sh.d - c0);
    for (int i = 0; i < rows; ++i) {
      const float inv = 1.0f / sums[i];
      float* dst = out + size_t(r0 + i) * sh.row() + size_t(c0);
      for (int c = 0; c < cols; ++c) dst[c] = w.o[size_t(i) * 64 + size_t(c)] * inv;
    }
  }
}

}  // namespace

void kern::attention_bf16_16__amx(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q,
                                  const float* k, const float* v, float* out, ThreadPool& pool) {
  const Shape sh{b, lq, lk, heads, d, scale, causal};
  // A group of heads at a time: its packed K and V (4·lk·d bytes per head) in at most 2 MiB, so
  // they stay in L2 while the group's row blocks run (one head if bigger: 1 MiB at lk = 4096,
  // d = 64), and short sequences still get every head in one parallel step.
  const size_t head_elems = sh.k_elems() + sh.v_elems();
  const int group = std::clamp(int((size_t(2) << 20) / (head_elems * sizeof(uint16_t))), 1, heads);
  std::vector<uint16_t> packed(size_t(group) * head_elems);
  const size_t blocks = size_t((lq + kRows - 1) / kRows), key_chunks = size_t(sh.lk64 / 64);
  for (int bi = 0; bi < b; ++bi)
    for (int h0 = 0; h0 < heads; h0 += group) {
      const int hn = std::min(group, heads - h0);
      const size_t kv_base = size_t(bi) * size_t(lk) * sh.row() + size_t(h0) * size_t(d);
      pool.parallel_for(size_t(hn) * key_chunks, 1, [&](size_t c0, size_t c1) {
        for (size_t c = c0; c < c1; ++c) {
          const size_t g = c / key_chunks, j0 = (c % key_chunks) * 64;
          uint16_t* kp = packed.data() + g * head_elems;
          pack_k(sh, k + kv_base + g * size_t(d), kp, int(j0), int(j0) + 64);
          pack_v(sh, v + kv_base + g * size_t(d), kp + sh.k_elems(), int(j0), int(j0) + 64);
        }
      });
      const size_t row_base = size_t(bi) * size_t(lq) * sh.row() + size_t(h0) * size_t(d);
      pool.parallel_for(size_t(hn) * blocks, 1, [&](size_t t0, size_t t1) {
        thread_local Scratch w;
        w.fit(sh);
        bf16_tiles_begin__amx();
        for (size_t t = t0; t < t1; ++t) {
          const size_t g = t / blocks;
          const uint16_t* kp = packed.data() + g * head_elems;
          run_task(sh, q + row_base + g * size_t(d), kp, kp + sh.k_elems(), out + row_base + g * size_t(d),
                   int(t % blocks) * kRows, w);
        }
        bf16_tiles_end__amx();
      });
    }
}

}  // namespace zoomrt
