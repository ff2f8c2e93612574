// The flash-style attention kernel, written once over a small per-ISA vector trait V and
// instantiated in that ISA's translation unit (attention_avx2.cpp, attention_avx512.cpp; never
// include this from a file compiled without the matching flags). Internal linkage on purpose:
// the per-ISA copies must not be merged by the linker.
//
// V provides: Reg, W (lanes), zero, set1, load, store (unaligned), bcast (from memory), fma,
// mul, add, sub, max, round (to nearest), pow2i (2^k for integral k in [-127, 0] as float bits;
// -127 gives +0). Everything else (the one register-tile product, lane reductions, exp2) is
// written here once.
//
// Work: per (batch, head), for one group of heads at a time (run(), kPackBytes), K packed as
// tiles of NR = 2W keys, each [d][NR] (the last one [d][W] when lk_pad = lk rounded up to W is
// not a multiple of NR; zero padded), and V as rows [lk_pad][d_pad] (d_pad = d rounded up to W,
// zero padded). A task owns MR query rows (pre-scaled by scale·log2 e, so the softmax uses
// exp2) and walks the keys in blocks of KB:
//   S[MR, KB] = Qs · K_blkᵀ (register tiles MR x NR), masked (-inf past lk / past the causal
//   limit), m' = max(m, rowmax S), P = 2^(S - m'), l = l·2^(m - m') + rowsum P,
//   O = O·2^(m - m') + P · V_blk (register tiles MR x 2W columns);
// finally out = O / l. S stays in a [MR, KB] buffer (3 KB on AVX2, 12 KB on AVX-512: L1), O in
// an [MR, d_pad] buffer; any d works (d = 512 just streams bigger K tiles from L2).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels/thread_pool.h"

namespace zoomrt::attn {
namespace {  // NOLINT: see above

template <class V, int MR>
struct Flash {
  using R = typename V::Reg;
  static constexpr int W = V::W;
  static constexpr int NR = 2 * W;   // keys per score register tile
  static constexpr int KB = 8 * NR;  // keys per online-softmax step
  static constexpr float kLog2e = 1.44269504088896341f;

  struct Shape {
    int b, lq, lk, heads, d;
    float scale;
    bool causal;
    int lk_pad, d_pad;
    size_t row() const { return size_t(heads) * size_t(d); }
  };

  // 2^x for x <= 0: k = round(x), r = x - k in [-1/2, 1/2], 2^r by its degree-6 Taylor series
  // (relative error < 1.2e-7). x is clamped at -127, where pow2i gives exactly 0 (masked keys).
  static R exp2(R x) {
    x = V::max(x, V::set1(-127.0f));
    const R k = V::round(x);
    const R r = V::sub(x, k);
    R p = V::set1(1.5403530393381606e-4f);
    p = V::fma(p, r, V::set1(1.3333558146428443e-3f));
    p = V::fma(p, r, V::set1(9.6181291076284772e-3f));
    p = V::fma(p, r, V::set1(5.5504108664821580e-2f));
    p = V::fma(p, r, V::set1(0.24022650695910071f));
    p = V::fma(p, r, V::set1(0.69314718055994531f));
    p = V::fma(p, r, V::set1(1.0f));
    return V::mul(p, V::pow2i(k));
  }

  // c[i, 0:NV·W] = c[i, 0:NV·W]·alpha[i] (0 when alpha is null) + a[i, 0:n] · b[0:n, 0:NV·W],
  // i < MR; row strides lda, ldb, ldc. The register-tile product behind both S = Qs·K_blkᵀ (a =
  // Qs, b = a packed K tile, c = S) and O = O·alpha + P·V_blk (a = P, b = V rows, c = O).
  template <int NV>
  static void tile(const float* a, int lda, int n, const float* b, int ldb, float* c, int ldc, const float* alpha) {
    R acc[MR][NV];
    if (alpha) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const R s = V::set1(alpha[i]);
        for (int j = 0; j < NV; ++j) acc[i][j] = V::mul(V::load(c + size_t(i) * ldc + j * W), s);
      }
    } else {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < NV; ++j) acc[i][j] = V::zero();
    }
    for (int kk = 0; kk < n; ++kk) {
      R bv[NV];
      for (int j = 0; j < NV; ++j) bv[j] = V::load(b + size_t(kk) * ldb + j * W);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const R ab = V::bcast(a + size_t(i) * lda + kk);
        for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(ab, bv[j], acc[i][j]);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NV; ++j) V::store(c + size_t(i) * ldc + j * W, acc[i][j]);
  }

  // Lane reductions in a fixed order (lane 0 first).
  static float hmax(R x) {
    alignas(64) float l[W];
    V::store(l, x);
    float m = l[0];
    for (int i = 1; i < W; ++i) m = m > l[i] ? m : l[i];
    return m;
  }
  static float hsum(R x) {
    alignas(64) float l[W];
    V::store(l, x);
    float s = 0.0f;
    for (int i = 0; i < W; ++i) s += l[i];
    return s;
  }

  // One online-softmax step on s[MR, 0:nk] (keys k0...): masks, turns scores into P in place,
  // updates m and l, and sets alpha (the factor the old O is scaled by).
  static void softmax_step(float* s, int nk, int k0, const int* limit, float* m, float* l, float* alpha) {
    for (int i = 0; i < MR; ++i) {
      float* srow = s + size_t(i) * KB;
      const int valid = std::clamp(limit[i] - k0, 0, nk);
      std::fill(srow + valid, srow + nk, -INFINITY);
      R mx = V::set1(-INFINITY);
      for (int j = 0; j < nk; j += W) mx = V::max(mx, V::load(srow + j));
      const float m_new = std::max(m[i], hmax(mx));
      if (m_new == -INFINITY) {  // nothing visible yet: P = 0, O and l stay 0
        std::fill(srow, srow + nk, 0.0f);
        alpha[i] = 1.0f;
        continue;
      }
      alpha[i] = std::exp2(m[i] - m_new);  // m = -inf at the start: 0
      m[i] = m_new;
      const R mv = V::set1(m_new);
      R sum = V::zero();
      for (int j = 0; j < nk; j += W) {
        const R pj = exp2(V::sub(V::load(srow + j), mv));
        V::store(srow + j, pj);
        sum = V::add(sum, pj);
      }
      l[i] = l[i] * alpha[i] + hsum(sum);
    }
  }

  struct Scratch {
    std::vector<float> qs, s, o;
    explicit Scratch(const Shape& sh) : qs(size_t(MR) * sh.d), s(size_t(MR) * KB), o(size_t(MR) * sh.d_pad) {}
  };

  // Query rows r0 .. r0+MR-1 of (bi, h); kp, vp: that head's packed K and V.
  static void run_task(const Shape& sh, int bi, int h, int r0, const float* kp, const float* vp, const float* q,
                       float* out, Scratch& sc) {
    const int d = sh.d, rows = std::min(MR, sh.lq - r0);
    const size_t row = sh.row();
    const float qscale = sh.scale * kLog2e;
    int limit[MR];
    float m[MR], l[MR], alpha[MR];
    int max_limit = 0;
    for (int i = 0; i < MR; ++i) {
      const float* qi = q + (size_t(bi) * sh.lq + size_t(r0 + std::min(i, rows - 1))) * row + size_t(h) * d;
      for (int dd = 0; dd < d; ++dd) sc.qs[size_t(i) * d + dd] = i < rows ? qi[dd] * qscale : 0.0f;
      limit[i] = sh.causal ? std::min(sh.lk, r0 + i + 1) : sh.lk;
      if (i < rows) max_limit = std::max(max_limit, limit[i]);
      m[i] = -INFINITY;
      l[i] = 0.0f;
    }
    std::fill(sc.o.begin(), sc.o.end(), 0.0f);
    for (int k0 = 0; k0 < max_limit; k0 += KB) {
      const int nk = std::min(KB, (max_limit - k0 + W - 1) / W * W);  // <= lk_pad - k0
      for (int t = 0; t < nk; t += NR) {
        const int ldk = std::min(NR, sh.lk_pad - (k0 + t));  // the packed tile's width
        const float* kt = kp + size_t(k0 + t) * d;
        if (nk - t >= NR)
          tile<2>(sc.qs.data(), d, d, kt, ldk, sc.s.data() + t, KB, nullptr);
        else
          tile<1>(sc.qs.data(), d, d, kt, ldk, sc.s.data() + t, KB, nullptr);
      }
      softmax_step(sc.s.data(), nk, k0, limit, m, l, alpha);
      const float* vb = vp + size_t(k0) * sh.d_pad;
      int c0 = 0;
      for (; c0 + 2 * W <= sh.d_pad; c0 += 2 * W)
        tile<2>(sc.s.data(), KB, nk, vb + c0, sh.d_pad, sc.o.data() + c0, sh.d_pad, alpha);
      if (c0 < sh.d_pad) tile<1>(sc.s.data(), KB, nk, vb + c0, sh.d_pad, sc.o.data() + c0, sh.d_pad, alpha);
    }
    for (int i = 0; i < rows; ++i) {
      const float inv = 1.0f / l[i];
      float* oi = out + (size_t(bi) * sh.lq + size_t(r0 + i)) * row + size_t(h) * d;
      for (int c = 0; c < d; ++c) oi[c] = sc.o[size_t(i) * sh.d_pad + c] * inv;
    }
  }

  // K tile t of head (bi, h) -> [d][width] (width NR, or W for a short last tile); V rows of
  // the same keys -> [width][d_pad]; zero padded.
  static void pack_tile(const Shape& sh, int bi, int h, int t, const float* k, const float* v, float* kp,
                        float* vp) {
    const int d = sh.d, width = std::min(NR, sh.lk_pad - t * NR);
    float* kt = kp + size_t(t) * NR * d;
    for (int jj = 0; jj < width; ++jj) {
      const int j = t * NR + jj;
      float* vrow = vp + size_t(j) * sh.d_pad;
      if (j >= sh.lk) {
        for (int dd = 0; dd < d; ++dd) kt[size_t(dd) * width + jj] = 0.0f;
        std::fill(vrow, vrow + sh.d_pad, 0.0f);
        continue;
      }
      const size_t src = (size_t(bi) * sh.lk + size_t(j)) * sh.row() + size_t(h) * d;
      for (int dd = 0; dd < d; ++dd) kt[size_t(dd) * width + jj] = k[src + dd];
      std::copy(v + src, v + src + d, vrow);
      std::fill(vrow + d, vrow + sh.d_pad, 0.0f);
    }
  }

  // Packed K and V are held for one group of heads at a time, shared by the threads: as many
  // (batch, head) pairs as fit in kPackBytes, at least one (an SD2 64x64-level head, 4096 keys
  // x d 64, is 2 MiB alone; the 77-key cross-attention packs all ten heads at once). Packing
  // every head up front held 21 MB there. Each group costs two pool rounds, but its K and V
  // stay in cache: the 64x64 self-attention measured 2-3 % faster (zoomrt-bench, 2 threads).
  static constexpr size_t kPackBytes = size_t(2) << 20;

  static void run(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                  const float* v, float* out, ThreadPool& pool) {
    const Shape sh{b, lq, lk, heads, d, scale, causal, (lk + W - 1) / W * W, (d + W - 1) / W * W};
    const size_t heads_total = size_t(b) * size_t(heads);
    const size_t k_stride = size_t(sh.lk_pad) * d, v_stride = size_t(sh.lk_pad) * sh.d_pad;
    const size_t group = std::clamp<size_t>(kPackBytes / (sizeof(float) * (k_stride + v_stride)), 1, heads_total);
    std::vector<float> kp(group * k_stride), vp(group * v_stride);
    const size_t tiles = size_t((sh.lk_pad + NR - 1) / NR), qtiles = size_t((lq + MR - 1) / MR);
    for (size_t g0 = 0; g0 < heads_total; g0 += group) {
      const size_t g_heads = std::min(group, heads_total - g0);
      pool.parallel_for(g_heads * tiles, 16, [&](size_t begin, size_t end) {
        for (size_t task = begin; task < end; ++task) {
          const size_t gh = task / tiles, bh = g0 + gh;
          pack_tile(sh, int(bh / heads), int(bh % heads), int(task % tiles), k, v, kp.data() + gh * k_stride,
                    vp.data() + gh * v_stride);
        }
      });
      pool.parallel_for(g_heads * qtiles, 1, [&](size_t begin, size_t end) {
        Scratch sc(sh);
        for (size_t task = begin; task < end; ++task) {
          const size_t gh = task / qtiles, bh = g0 + gh;
          run_task(sh, int(bh / heads), int(bh % heads), int(task % qtiles) * MR, kp.data() + gh * k_stride,
                   vp.data() + gh * v_stride, q, out, sc);
        }
      });
    }
  }
};

}  // namespace
}  // namespace zoomrt::attn
