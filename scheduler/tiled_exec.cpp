#include "scheduler/tiled_exec.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "scheduler/sram_buffer.h"
#include "scheduler/tile_walk.h"

namespace zoomrt {

using namespace sched;

namespace {

// A DRAM tensor viewed through an operand's axes (row-major over them).
struct DramTensor {
  float* data = nullptr;
  std::array<int64_t, 6> extent{};
  int axes = 0;
};

struct Tile {
  TileBox box;
  std::vector<float> v;  // row-major over the box
  int64_t sram_bytes = 0;
  // Element at absolute coordinates (clipped padding is the caller's business).
  float& at(std::initializer_list<int64_t> c) {
    int64_t off = 0, a = 0;
    for (int64_t x : c) {
      off = off * (box.axis[a].hi - box.axis[a].lo) + (x - box.axis[a].lo);
      ++a;
    }
    return v[size_t(off)];
  }
  bool contains(int a, int64_t x) const { return x >= box.axis[a].lo && x < box.axis[a].hi; }
};

// Calls fn(tensor offset, tile offset) for every element of the box.
template <typename Fn>
void for_box(const DramTensor& t, const TileBox& b, Fn fn) {
  if (b.elements() == 0) return;
  std::array<int64_t, 6> i{};
  for (int a = 0; a < b.axes; ++a) i[a] = b.axis[a].lo;
  for (int64_t k = 0;; ++k) {
    int64_t off = 0;
    for (int a = 0; a < b.axes; ++a) off = off * t.extent[a] + i[a];
    fn(off, k);
    int a = b.axes - 1;
    for (; a >= 0; --a) {
      if (++i[a] < b.axis[a].hi) break;
      i[a] = b.axis[a].lo;
    }
    if (a < 0) return;
  }
}

class Executor final : public TileWalkVisitor {
 public:
  Executor(const Layer& l, const Plan& p, const SramBudget& b, std::span<const float* const> in,
           float* out)
      : l_(l), n_(make_loop_nest(l)), p_(p), sram_(b), tiles_(n_.operands.size()) {
    for (size_t i = 0; i < n_.operands.size(); ++i) {
      const Operand& o = n_.operands[i];
      DramTensor t;
      t.axes = int(o.axes.size());
      int64_t elems = 1;
      for (int a = 0; a < t.axes; ++a) elems *= (t.extent[a] = o.axes[a].extent);
      psum_store_.emplace_back(o.role == Role::input ? 0 : size_t(elems), 0.0f);
      DramTensor ps = t;
      ps.data = psum_store_.back().data();
      if (o.role == Role::input) t.data = const_cast<float*>(in[i]);  // read only
      else if (o.role == Role::output) t.data = out;
      main_.push_back(t);
      psum_.push_back(ps);
    }
  }

  void fetch(int op, const TileIndex& idx, Fetch kind) override {
    const Operand& o = n_.operands[op];
    Tile& t = tiles_[op];
    t.box = tile_box(n_, p_.tiling, op, idx);
    t.v.assign(size_t(t.box.elements()), 0.0f);
    t.sram_bytes = bytes_of(t.box.elements(), o.bits_milli);
    sram_.take(o.partition, t.sram_bytes);
    if (kind == Fetch::init) {
      if (o.role == Role::spill)  // running max starts at -inf, running sum at 0
        for (size_t k = 0; k < t.v.size(); k += 2) t.v[k] = -std::numeric_limits<float>::infinity();
      return;
    }
    const DramTensor& src = kind == Fetch::input ? main_[op] : psum_[op];
    for_box(src, t.box, [&](int64_t s, int64_t d) { t.v[size_t(d)] = src.data[s]; });
    stats.read_bytes += uint64_t(t.sram_bytes);
    ++stats.transfers;
  }

  void evict(int op, const TileIndex&, Evict kind) override {
    const Operand& o = n_.operands[op];
    Tile& t = tiles_[op];
    if (kind == Evict::final_write && l_.kind == LayerKind::attention) normalise(t);
    if (kind != Evict::drop) {
      const DramTensor& dst = kind == Evict::final_write ? main_[op] : psum_[op];
      for_box(dst, t.box, [&](int64_t s, int64_t d) { dst.data[s] = t.v[size_t(d)]; });
      const int64_t bits = kind == Evict::final_write ? o.final_bits_milli : o.bits_milli;
      stats.write_bytes += uint64_t(bytes_of(t.box.elements(), bits));
      ++stats.transfers;
    }
    sram_.give(o.partition, t.sram_bytes);
  }

  void compute(const TileIndex&) override {
    switch (l_.kind) {
      case LayerKind::conv: conv(); break;
      case LayerKind::gemm: gemm(); break;
      case LayerKind::attention: attention(); break;
    }
  }

  TiledExecStats stats;
  int64_t peak() const { return sram_.peak(); }

 private:
  void conv() {
    const ConvShape& s = l_.conv;
    Tile &x = tiles_[0], &w = tiles_[1], &y = tiles_[2];
    // y axes N, G, K, P, Q; w axes G, K, C, R, S; x axes N, G, C, H, W.
    for (int64_t n = y.box.axis[0].lo; n < y.box.axis[0].hi; ++n)
      for (int64_t g = y.box.axis[1].lo; g < y.box.axis[1].hi; ++g)
        for (int64_t k = y.box.axis[2].lo; k < y.box.axis[2].hi; ++k)
          for (int64_t p = y.box.axis[3].lo; p < y.box.axis[3].hi; ++p)
            for (int64_t q = y.box.axis[4].lo; q < y.box.axis[4].hi; ++q) {
              float acc = 0;
              for (int64_t c = w.box.axis[2].lo; c < w.box.axis[2].hi; ++c)
                for (int64_t r = 0; r < s.r; ++r) {
                  const int64_t h = p * s.stride - s.pad + r;
                  if (h < 0 || h >= s.h) continue;  // zero padding
                  if (!x.contains(3, h)) throw std::logic_error("conv tile misses an input row");
                  for (int64_t t = 0; t < s.s; ++t) {
                    const int64_t ww = q * s.stride - s.pad + t;
                    if (ww < 0 || ww >= s.w) continue;
                    acc += x.at({n, g, c, h, ww}) * w.at({g, k, c, r, t});
                  }
                }
              y.at({n, g, k, p, q}) += acc;
            }
  }

  void gemm() {
    Tile &x = tiles_[0], &w = tiles_[1], &y = tiles_[2];
    for (int64_t m = y.box.axis[0].lo; m < y.box.axis[0].hi; ++m)
      for (int64_t j = y.box.axis[1].lo; j < y.box.axis[1].hi; ++j) {
        float acc = 0;
        for (int64_t k = x.box.axis[1].lo; k < x.box.axis[1].hi; ++k) acc += x.at({m, k}) * w.at({j, k});
        y.at({m, j}) += acc;
      }
  }

  // One key tile of flash attention: update running max m, sum l and unnormalised output.
  void attention() {
    const AttentionShape& s = l_.attn;
    Tile &q = tiles_[0], &k = tiles_[1], &v = tiles_[2], &o = tiles_[3], &st = tiles_[4];
    const int64_t lk0 = k.box.axis[1].lo, lk1 = k.box.axis[1].hi;
    const int64_t score_bytes = bytes_of((q.box.axis[0].hi - q.box.axis[0].lo) *
                                             (q.box.axis[2].hi - q.box.axis[2].lo) *
                                             (q.box.axis[1].hi - q.box.axis[1].lo) * (lk1 - lk0),
                                         32 * 1000);
    sram_.take(Partition::ofmap, score_bytes);  // the score tile lives on chip while computing
    const float scale = 1.0f / std::sqrt(float(s.d));
    std::vector<float> score(size_t(lk1 - lk0));
    for (int64_t b = q.box.axis[0].lo; b < q.box.axis[0].hi; ++b)
      for (int64_t h = q.box.axis[2].lo; h < q.box.axis[2].hi; ++h)
        for (int64_t i = q.box.axis[1].lo; i < q.box.axis[1].hi; ++i) {
          float mx = st.at({b, h, i, 0});
          for (int64_t j = lk0; j < lk1; ++j) {
            float dot = 0;
            for (int64_t d = 0; d < s.d; ++d) dot += q.at({b, i, h, d}) * k.at({b, j, h, d});
            score[size_t(j - lk0)] = dot * scale;
            mx = std::max(mx, dot * scale);
          }
          const float old_mx = st.at({b, h, i, 0});
          const float keep = std::isinf(old_mx) ? 0.0f : std::exp(old_mx - mx);
          float sum = st.at({b, h, i, 1}) * keep;
          for (int64_t d = 0; d < s.d; ++d) o.at({b, i, h, d}) *= keep;
          for (int64_t j = lk0; j < lk1; ++j) {
            const float e = std::exp(score[size_t(j - lk0)] - mx);
            sum += e;
            for (int64_t d = 0; d < s.d; ++d) o.at({b, i, h, d}) += e * v.at({b, j, h, d});
          }
          st.at({b, h, i, 0}) = mx;
          st.at({b, h, i, 1}) = sum;
        }
    sram_.give(Partition::ofmap, score_bytes);
  }

  void normalise(Tile& o) {
    Tile& st = tiles_[4];
    for (int64_t b = o.box.axis[0].lo; b < o.box.axis[0].hi; ++b)
      for (int64_t i = o.box.axis[1].lo; i < o.box.axis[1].hi; ++i)
        for (int64_t h = o.box.axis[2].lo; h < o.box.axis[2].hi; ++h)
          for (int64_t d = 0; d < l_.attn.d; ++d) o.at({b, i, h, d}) /= st.at({b, h, i, 1});
  }

  const Layer& l_;
  LoopNest n_;
  const Plan& p_;
  SramBuffer sram_;
  std::vector<Tile> tiles_;
  std::vector<DramTensor> main_, psum_;
  std::vector<std::vector<float>> psum_store_;
};

}  // namespace

TiledExecStats run_tiled(const Layer& layer, const Plan& plan, const SramBudget& budget,
                         std::span<const float* const> inputs, float* output) {
  const LoopNest n = make_loop_nest(layer);
  size_t n_inputs = 0;
  for (const Operand& o : n.operands) n_inputs += o.role == Role::input;
  if (inputs.size() != n_inputs)
    throw std::logic_error(fmt::format("run_tiled: {} needs {} input tensors, got {}",
                                       layer_kind_name(layer.kind), n_inputs, inputs.size()));
  Executor e(layer, plan, budget, inputs, output);
  // adaptive's re-layout: the input tensor streamed through once (read, then written back).
  e.stats.read_bytes += plan.relayout_read_bytes;
  e.stats.write_bytes += plan.relayout_write_bytes;
  walk_tiles(n, plan.tiling, e);
  e.stats.peak_sram_bytes = e.peak();
  return e.stats;
}

}  // namespace zoomrt
