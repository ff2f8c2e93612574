#include "scheduler/fused_exec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "scheduler/sram_buffer.h"

namespace zoomrt {

using namespace sched;

namespace {

float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

// Rows of one layer's input held in SRAM (row -> its elements: conv [C][W], GEMM [K]).
struct Window {
  std::map<int64_t, std::vector<float>> rows;
  int64_t row_bytes = 0;
};

class FusedRunner {
 public:
  FusedRunner(const FusedChain& c, const FusedTiling& t, const SramBudget& b, const float* in,
              std::span<const float* const> w, float* out)
      : c_(c), t_(t), sram_(b), in_(in), w_(w), out_(out), n_(c.layers.size()), win_(n_) {
    for (size_t i = 0; i < n_; ++i) {
      g_.push_back(chain_geometry(c, int(i)));
      win_[i].row_bytes = bytes_of(g_[i].in_row_elems, g_[i].in_bits);
    }
  }

  TiledExecStats run() {
    resident_.resize(n_);
    for (size_t i = 0; i < n_; ++i) {  // attention: K then V, a transfer each
      if (!resident(i)) continue;
      const int64_t parts = g_[i].weight_parts, b = bytes_of(g_[i].weight_elems / parts, g_[i].weight_bits);
      sram_.take(Partition::filter, parts * b);
      resident_[i].assign(w_[i], w_[i] + g_[i].weight_elems);
      for (int64_t k = 0; k < parts; ++k) read(b);
    }
    for (const FusedStep& st : fused_schedule(c_, t_)) step(st);
    for (size_t i = 0; i < n_; ++i) trim(i, Range{0, 0}, true);
    for (size_t i = 0; i < n_; ++i)
      if (resident(i))
        sram_.give(Partition::filter, g_[i].weight_parts * bytes_of(g_[i].weight_elems / g_[i].weight_parts, g_[i].weight_bits));
    stats_.peak_sram_bytes = sram_.peak();
    return stats_;
  }

 private:
  bool resident(size_t i) const { return layer_weights_resident(c_, t_, int(i)); }
  void read(int64_t bytes) { stats_.read_bytes += uint64_t(bytes), ++stats_.transfers; }
  void write(int64_t bytes) { stats_.write_bytes += uint64_t(bytes), ++stats_.transfers; }

  // Drops rows outside [keep.lo, ...) (all of them when `all`).
  void trim(size_t i, Range keep, bool all) {
    auto& rows = win_[i].rows;
    for (auto it = rows.begin(); it != rows.end();) {
      if (all || it->first < keep.lo) {
        sram_.give(Partition::ifmap, win_[i].row_bytes);
        it = rows.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<float>& new_row(size_t i, int64_t r) {
    sram_.take(Partition::ifmap, win_[i].row_bytes);
    auto [it, inserted] = win_[i].rows.emplace(r, std::vector<float>(size_t(g_[i].in_row_elems), 0.0f));
    if (!inserted) throw std::logic_error("fused schedule computes a row twice");
    return it->second;
  }

  const std::vector<float>& row(size_t i, int64_t r) const {
    auto it = win_[i].rows.find(r);
    if (it == win_[i].rows.end()) throw std::logic_error(fmt::format("layer {} input row {} is not in SRAM", i, r));
    return it->second;
  }

  void step(const FusedStep& st) {
    const bool recompute = t_.halo == HaloMode::recompute;
    for (size_t i = 0; i < n_; ++i) trim(i, i == 0 ? st.in_window : st.need[i - 1], recompute);
    if (st.fetch.hi > st.fetch.lo) {  // the first layer's new input rows, all channels
      const Layer& l = c_.layers[0];
      for (int64_t r = st.fetch.lo; r < st.fetch.hi; ++r) {
        std::vector<float>& v = new_row(0, r);
        if (l.kind == LayerKind::conv) {
          for (int64_t ch = 0; ch < l.conv.c; ++ch)
            for (int64_t x = 0; x < l.conv.w; ++x) v[size_t(ch * l.conv.w + x)] = in_[(ch * l.conv.h + r) * l.conv.w + x];
        } else {
          for (int64_t k = 0; k < l.gemm.k; ++k) v[size_t(k)] = in_[r * l.gemm.k + k];
        }
      }
      read(bytes_of((st.fetch.hi - st.fetch.lo) * g_[0].in_row_elems, g_[0].in_bits));
    }
    for (size_t i = 0; i < n_; ++i)
      if (st.compute[i].hi > st.compute[i].lo) layer(i, st.compute[i]);
  }

  // The filter of channel ch in SRAM (streamed: read now; the caller gives it back).
  std::vector<float> filter(size_t i, int64_t ch) {
    const ChainLayerGeometry& g = g_[i];
    const Layer& l = c_.layers[i];
    const float* src = resident(i) ? resident_[i].data() : w_[i];
    std::vector<float> f(size_t(g.filter_elems));
    if (l.kind == LayerKind::gemm && g.channel_row_elems == 2) {  // GEGLU: value row ch, gate row F + ch
      for (int64_t k = 0; k < l.gemm.k; ++k) {
        f[size_t(k)] = src[ch * l.gemm.k + k];
        f[size_t(l.gemm.k + k)] = src[(g.channels + ch) * l.gemm.k + k];
      }
    } else {
      for (int64_t e = 0; e < g.filter_elems; ++e) f[size_t(e)] = src[ch * g.filter_elems + e];
    }
    if (!resident(i)) {
      const int64_t b = bytes_of(g.filter_elems, g.weight_bits);
      sram_.take(Partition::filter, b);
      read(b);
    }
    return f;
  }
  void drop_filter(size_t i) {
    if (!resident(i)) sram_.give(Partition::filter, bytes_of(g_[i].filter_elems, g_[i].weight_bits));
  }

  void layer(size_t i, Range rows) {
    const Layer& l = c_.layers[i];
    const ChainLayerGeometry& g = g_[i];
    const bool last = i + 1 == n_;
    const int64_t nrows = rows.hi - rows.lo;
    std::vector<std::vector<float>*> dst;  // consumer rows (not last)
    if (!last)
      for (int64_t r = rows.lo; r < rows.hi; ++r) dst.push_back(&new_row(i + 1, r));
    if (l.kind == LayerKind::conv) {
      conv(i, rows, dst);
      return;
    }
    if (l.kind == LayerKind::attention) {
      attention(i, rows, dst);
      return;
    }
    // GEMM: the last layer keeps a rows x N output tile; others one column (pair) at a time.
    std::vector<float> out_tile;
    if (last) {
      sram_.take(Partition::ofmap, nrows * bytes_of(l.gemm.n, g.psum_bits));
      out_tile.assign(size_t(nrows * l.gemm.n), 0.0f);
    }
    for (int64_t ch = 0; ch < g.channels; ++ch) {
      const std::vector<float> f = filter(i, ch);
      const int64_t tile_bytes = nrows * bytes_of(g.channel_row_elems, g.psum_bits);
      if (!last) sram_.take(Partition::ofmap, tile_bytes);
      for (int64_t r = rows.lo; r < rows.hi; ++r) {
        const std::vector<float>& x = row(i, r);
        float a = 0, b = 0;
        for (int64_t k = 0; k < l.gemm.k; ++k) a += x[size_t(k)] * f[size_t(k)];
        if (g.channel_row_elems == 2)
          for (int64_t k = 0; k < l.gemm.k; ++k) b += x[size_t(k)] * f[size_t(l.gemm.k + k)];
        if (last) out_tile[size_t((r - rows.lo) * l.gemm.n + ch)] = a;
        else (*dst[size_t(r - rows.lo)])[size_t(ch)] = g.channel_row_elems == 2 ? a * gelu_erf(b) : a;
      }
      if (!last) sram_.give(Partition::ofmap, tile_bytes);
      drop_filter(i);
    }
    if (last) {
      for (int64_t r = rows.lo; r < rows.hi; ++r)
        for (int64_t j = 0; j < l.gemm.n; ++j) out_[r * l.gemm.n + j] = out_tile[size_t((r - rows.lo) * l.gemm.n + j)];
      write(bytes_of(nrows * l.gemm.n, g.out_bits));
      sram_.give(Partition::ofmap, nrows * bytes_of(l.gemm.n, g.psum_bits));
    }
  }

  // One head at a time: for each batch the rows touch, that batch's K and V of the head block by
  // block (kv_block keys; streamed: each block's K and V read now, a transfer each), with the
  // online softmax of flash attention: per query row a running max and sum (the statistics) and the
  // rescaled rows x D accumulator (the head's tile). Then the head's columns go to the consumer's
  // window (or the last layer's rows x H*D output tile).
  void attention(size_t i, Range rows, const std::vector<std::vector<float>*>& dst) {
    const Layer& l = c_.layers[i];
    const AttentionShape& a = l.attn;
    const ChainLayerGeometry& g = g_[i];
    const bool last = i + 1 == n_;
    const int64_t nrows = rows.hi - rows.lo, hd = a.heads * a.d, blk = kv_block(l, t_);
    const float* kv = resident(i) ? resident_[i].data() : w_[i];
    const float scale = 1.0f / std::sqrt(float(a.d));
    std::vector<float> out_tile;
    if (last) {
      sram_.take(Partition::ofmap, nrows * bytes_of(hd, g.psum_bits));
      out_tile.assign(size_t(nrows * hd), 0.0f);
    }
    const int64_t head_bytes = (last ? 0 : nrows * bytes_of(a.d, g.psum_bits)) + attention_head_scratch(l, t_, nrows);
    const size_t kv_elems = size_t(blk * a.d), tile_elems = size_t(nrows * a.d), n = size_t(nrows);
    std::vector<float> k(kv_elems), v(kv_elems), s(static_cast<size_t>(blk)), acc(tile_elems), mx(n), sum(n);
    for (int64_t h = 0; h < a.heads; ++h) {
      sram_.take(Partition::ofmap, head_bytes);
      std::fill(acc.begin(), acc.end(), 0.0f);
      std::fill(mx.begin(), mx.end(), -INFINITY);
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (int64_t b = rows.lo / a.lq; b <= (rows.hi - 1) / a.lq; ++b)
        for (int64_t j0 = 0; j0 < a.lk; j0 += blk) {
          const int64_t nk = std::min(blk, a.lk - j0);
          const int64_t kv_bytes = bytes_of(nk * a.d, g.weight_bits);
          if (!resident(i)) {
            sram_.take(Partition::filter, 2 * kv_bytes);
            read(kv_bytes), read(kv_bytes);
          }
          for (int64_t j = 0; j < nk; ++j)
            for (int64_t e = 0; e < a.d; ++e) {
              const int64_t at = (b * a.lk + j0 + j) * hd + h * a.d + e;
              k[size_t(j * a.d + e)] = kv[at];
              v[size_t(j * a.d + e)] = kv[a.b * a.lk * hd + at];
            }
          for (int64_t r = std::max(rows.lo, b * a.lq); r < std::min(rows.hi, (b + 1) * a.lq); ++r) {
            const std::vector<float>& q = row(i, r);
            const size_t ri = size_t(r - rows.lo);
            float m = mx[ri];
            for (int64_t j = 0; j < nk; ++j) {
              float x = 0;
              for (int64_t e = 0; e < a.d; ++e) x += q[size_t(h * a.d + e)] * k[size_t(j * a.d + e)];
              s[size_t(j)] = x * scale;
              m = std::max(m, s[size_t(j)]);
            }
            const float rescale = std::exp(mx[ri] - m);  // exp(-inf) = 0 on the first block
            float* o = &acc[ri * size_t(a.d)];
            for (int64_t e = 0; e < a.d; ++e) o[e] *= rescale;
            sum[ri] *= rescale;
            for (int64_t j = 0; j < nk; ++j) {
              const float p = std::exp(s[size_t(j)] - m);
              sum[ri] += p;
              for (int64_t e = 0; e < a.d; ++e) o[e] += p * v[size_t(j * a.d + e)];
            }
            mx[ri] = m;
          }
          if (!resident(i)) sram_.give(Partition::filter, 2 * kv_bytes);
        }
      for (int64_t r = rows.lo; r < rows.hi; ++r) {
        const size_t ri = size_t(r - rows.lo);
        float* to = last ? &out_tile[ri * size_t(hd)] : dst[ri]->data();
        for (int64_t e = 0; e < a.d; ++e) to[h * a.d + e] = acc[ri * size_t(a.d) + size_t(e)] / sum[ri];
      }
      sram_.give(Partition::ofmap, head_bytes);
    }
    if (last) {
      for (int64_t r = rows.lo; r < rows.hi; ++r)
        for (int64_t e = 0; e < hd; ++e) out_[r * hd + e] = out_tile[size_t((r - rows.lo) * hd + e)];
      write(bytes_of(nrows * hd, g.out_bits));
      sram_.give(Partition::ofmap, nrows * bytes_of(hd, g.psum_bits));
    }
  }

  void conv(size_t i, Range rows, const std::vector<std::vector<float>*>& dst) {
    const ConvShape& s = c_.layers[i].conv;
    const ChainLayerGeometry& g = g_[i];
    const bool last = i + 1 == n_;
    const int64_t nrows = rows.hi - rows.lo, q = s.q(), cg = s.c / s.groups, kg = s.k / s.groups;
    std::vector<float> tile(size_t(nrows * q));
    for (int64_t k = 0; k < s.k; ++k) {
      const std::vector<float> f = filter(i, k);
      const int64_t tile_bytes = nrows * bytes_of(q, g.psum_bits);
      sram_.take(Partition::ofmap, tile_bytes);
      const int64_t c0 = k / kg * cg;
      for (int64_t p = rows.lo; p < rows.hi; ++p)
        for (int64_t x = 0; x < q; ++x) {
          float acc = 0;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t r = 0; r < s.r; ++r) {
              const int64_t h = p * s.stride - s.pad + r;
              if (h < 0 || h >= s.h) continue;
              const std::vector<float>& in = row(i, h);
              for (int64_t t = 0; t < s.s; ++t) {
                const int64_t w = x * s.stride - s.pad + t;
                if (w < 0 || w >= s.w) continue;
                acc += in[size_t((c0 + c) * s.w + w)] * f[size_t((c * s.r + r) * s.s + t)];
              }
            }
          tile[size_t((p - rows.lo) * q + x)] = acc;
        }
      if (last) {
        for (int64_t p = rows.lo; p < rows.hi; ++p)
          for (int64_t x = 0; x < q; ++x) out_[(k * s.p() + p) * q + x] = tile[size_t((p - rows.lo) * q + x)];
        write(bytes_of(nrows * q, g.out_bits));
      } else {
        for (int64_t p = rows.lo; p < rows.hi; ++p)
          for (int64_t x = 0; x < q; ++x) (*dst[size_t(p - rows.lo)])[size_t(k * q + x)] = tile[size_t((p - rows.lo) * q + x)];
      }
      sram_.give(Partition::ofmap, tile_bytes);
      drop_filter(i);
    }
  }

  const FusedChain& c_;
  FusedTiling t_;
  SramBuffer sram_;
  const float* in_;
  std::span<const float* const> w_;
  float* out_;
  size_t n_;
  std::vector<ChainLayerGeometry> g_;
  std::vector<Window> win_;
  std::vector<std::vector<float>> resident_;
  TiledExecStats stats_;
};

}  // namespace

TiledExecStats run_fused(const FusedChain& chain, const FusedTiling& tiling, const SramBudget& budget,
                         const float* input, std::span<const float* const> weights, float* output) {
  if (const std::string why = chain_problem(chain); !why.empty()) throw std::logic_error("run_fused: " + why);
  for (LinkKind k : chain.links)
    if (k == LinkKind::group_norm) throw std::logic_error("run_fused: group_norm links are costed, not executed");
  if (weights.size() != chain.layers.size())
    throw std::logic_error(fmt::format("run_fused: {} layers need {} weight tensors, got {}", chain.layers.size(),
                                       chain.layers.size(), weights.size()));
  if (tiling.rows < 1) throw std::logic_error("run_fused: rows must be >= 1");
  FusedRunner r(chain, tiling, budget, input, weights, output);
  return r.run();
}

}  // namespace zoomrt
