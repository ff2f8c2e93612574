// Fused chains: schedule (row windows per step), exact DRAM traffic and SRAM footprint.
#include "scheduler/fusion.h"

#include <algorithm>

#include <fmt/format.h>

namespace zoomrt::sched {

const char* link_kind_name(LinkKind k) {
  switch (k) {
    case LinkKind::none: return "none";
    case LinkKind::direct: return "direct";
    case LinkKind::geglu: return "geglu";
    case LinkKind::group_norm: return "group-norm";
    case LinkKind::attention: return "attention";
  }
  return "?";
}

const char* halo_mode_name(HaloMode h) { return h == HaloMode::line_buffer ? "line-buffer" : "recompute"; }

std::string FusedTiling::describe() const {
  std::string s =
      fmt::format("rows {} {} weights {}", rows, halo_mode_name(halo), weights_resident ? "resident" : "streamed");
  if (kv != KvMode::none) s += kv == KvMode::resident ? " kv resident" : " kv streamed";
  if (kv != KvMode::none && kv_rows > 0) s += fmt::format(" by {}", kv_rows);
  return s;
}

bool chain_has_attention(const FusedChain& c) {
  for (const Layer& l : c.layers)
    if (l.kind == LayerKind::attention) return true;
  return false;
}

bool layer_weights_resident(const FusedChain& c, const FusedTiling& t, int i) {
  if (c.layers[size_t(i)].kind == LayerKind::attention) return t.kv != KvMode::streamed;
  return t.weights_resident;
}

int64_t batches_touched(const Layer& l, Range rows) {
  if (l.kind != LayerKind::attention || rows.hi <= rows.lo) return 1;
  return (rows.hi - 1) / l.attn.lq - rows.lo / l.attn.lq + 1;
}

bool chainable(const Layer& a, const Layer& b, LinkKind k) {
  if (k == LinkKind::attention) {  // the query rows (GEMM -> attention) or the output rows (-> GEMM)
    if (a.kind == LayerKind::gemm && b.kind == LayerKind::attention)
      return a.gemm.m == b.attn.b * b.attn.lq && a.gemm.n == b.attn.heads * b.attn.d;
    if (a.kind == LayerKind::attention && b.kind == LayerKind::gemm)
      return b.gemm.m == a.attn.b * a.attn.lq && b.gemm.k == a.attn.heads * a.attn.d;
    return false;
  }
  if (k == LinkKind::none || a.kind != b.kind) return false;
  if (a.kind == LayerKind::conv) {
    if (k == LinkKind::geglu) return false;
    const ConvShape &x = a.conv, &y = b.conv;
    return x.n == 1 && y.n == 1 && x.k == y.c && x.p() == y.h && x.q() == y.w;
  }
  if (a.kind == LayerKind::gemm) {
    if (k == LinkKind::group_norm) return false;
    const int64_t cols = k == LinkKind::geglu ? 2 * b.gemm.k : b.gemm.k;
    return a.gemm.m == b.gemm.m && a.gemm.n == cols;
  }
  return false;  // attention -> attention: never
}

std::string chain_problem(const FusedChain& c) {
  if (c.layers.size() < 2 || c.layers.size() > size_t(kMaxChainLayers))
    return fmt::format("a fused chain has 2 to {} layers, not {}", kMaxChainLayers, c.layers.size());
  if (c.links.size() + 1 != c.layers.size()) return "links must join consecutive layers";
  for (size_t i = 0; i + 1 < c.layers.size(); ++i)
    if (!chainable(c.layers[i], c.layers[i + 1], c.links[i]))
      return fmt::format("layer '{}' cannot feed layer '{}' through a {} link", c.layers[i].name,
                         c.layers[i + 1].name, link_kind_name(c.links[i]));
  return "";
}

int64_t output_rows(const Layer& l) {
  if (l.kind == LayerKind::attention) return l.attn.b * l.attn.lq;
  return l.kind == LayerKind::conv ? l.conv.p() : l.gemm.m;
}
int64_t input_rows(const Layer& l) {
  if (l.kind == LayerKind::attention) return l.attn.b * l.attn.lq;
  return l.kind == LayerKind::conv ? l.conv.h : l.gemm.m;
}

Range input_window(const Layer& l, Range r) {
  if (l.kind != LayerKind::conv) return r;
  const ConvShape& s = l.conv;
  if (r.hi <= r.lo) {
    const int64_t at = std::clamp<int64_t>(r.lo * s.stride - s.pad, 0, s.h);
    return {at, at};
  }
  const int64_t lo = std::clamp<int64_t>(r.lo * s.stride - s.pad, 0, s.h);
  const int64_t hi = std::clamp<int64_t>((r.hi - 1) * s.stride - s.pad + s.r, 0, s.h);
  return {lo, std::max(lo, hi)};
}

int64_t fused_steps(const FusedChain& c, const FusedTiling& t) {
  const int64_t p = output_rows(c.layers.back());
  return (p + t.rows - 1) / t.rows;
}

std::vector<FusedStep> fused_schedule(const FusedChain& c, const FusedTiling& t) {
  const size_t n = c.layers.size();
  const int64_t steps = fused_steps(c, t), last_rows = output_rows(c.layers.back());
  std::vector<FusedStep> out;
  out.reserve(size_t(steps));
  std::vector<int64_t> done(n, 0);  // line buffer: rows [0, done) computed so far
  int64_t fetched = 0;
  for (int64_t s = 0; s < steps; ++s) {
    FusedStep st;
    st.need.resize(n);
    st.compute.resize(n);
    st.need[n - 1] = {s * t.rows, std::min(last_rows, (s + 1) * t.rows)};
    for (size_t i = n - 1; i > 0; --i) st.need[i - 1] = input_window(c.layers[i], st.need[i]);
    st.in_window = input_window(c.layers[0], st.need[0]);
    for (size_t i = 0; i < n; ++i) {
      const Range& w = st.need[i];
      if (t.halo == HaloMode::recompute) {
        st.compute[i] = w;
      } else {
        st.compute[i] = {std::min(w.hi, std::max(w.lo, done[i])), w.hi};
        done[i] = std::max(done[i], w.hi);
      }
    }
    if (t.halo == HaloMode::recompute) {
      st.fetch = st.in_window;
    } else {
      st.fetch = {std::min(st.in_window.hi, std::max(st.in_window.lo, fetched)), st.in_window.hi};
      fetched = std::max(fetched, st.in_window.hi);
    }
    out.push_back(std::move(st));
  }
  return out;
}

ChainLayerGeometry chain_geometry(const FusedChain& c, int i) {
  const Layer& l = c.layers[size_t(i)];
  const bool geglu_out = size_t(i) + 1 < c.layers.size() && c.links[size_t(i)] == LinkKind::geglu;
  const LoopNest nest = make_loop_nest(l);
  ChainLayerGeometry g;
  g.in_bits = nest.operands[size_t(nest.input_operand)].bits_milli;
  g.weight_bits = nest.operands[size_t(nest.weight_operand)].bits_milli;
  g.psum_bits = nest.operands[size_t(nest.output_operand)].bits_milli;
  g.out_bits = nest.operands[size_t(nest.output_operand)].final_bits_milli;
  if (l.kind == LayerKind::conv) {
    const ConvShape& s = l.conv;
    g.in_row_elems = s.c * s.w;
    g.out_row_elems = s.k * s.q();
    g.channels = s.k;
    g.channel_row_elems = s.q();
    g.filter_elems = s.c / s.groups * s.r * s.s;
    g.weight_elems = s.k * g.filter_elems;
    g.macs_per_row = double(s.k) * double(s.q()) * double(g.filter_elems);
  } else if (l.kind == LayerKind::attention) {
    const AttentionShape& s = l.attn;
    g.in_row_elems = g.out_row_elems = s.heads * s.d;
    g.channels = s.heads;
    g.channel_row_elems = s.d;
    g.filter_elems = 2 * s.lk * s.d;
    g.weight_elems = 2 * s.b * s.lk * s.heads * s.d;
    g.weight_parts = 2;
    g.macs_per_row = 2.0 * double(s.heads) * double(s.lk) * double(s.d);
  } else {
    const GemmShape& s = l.gemm;
    g.in_row_elems = s.k;
    g.out_row_elems = s.n;
    g.channels = geglu_out ? s.n / 2 : s.n;
    g.channel_row_elems = geglu_out ? 2 : 1;
    g.filter_elems = geglu_out ? 2 * s.k : s.k;
    g.weight_elems = s.n * s.k;
    g.macs_per_row = double(s.n) * double(s.k);
  }
  return g;
}

int64_t kv_block(const Layer& l, const FusedTiling& t) {
  return t.kv_rows > 0 ? std::min(t.kv_rows, l.attn.lk) : l.attn.lk;
}

uint64_t kv_head_bytes(const Layer& l, const FusedTiling& t, uint64_t& transfers) {
  const int64_t blk = kv_block(l, t), full = l.attn.lk / blk, rest = l.attn.lk % blk;
  const int64_t bits = int64_t(l.bits.input) * 1000;
  transfers = uint64_t(2 * (full + (rest > 0)));
  return uint64_t(2 * (full * bytes_of(blk * l.attn.d, bits) + bytes_of(rest * l.attn.d, bits)));
}

int64_t attention_head_scratch(const Layer& l, const FusedTiling& t, int64_t rows) {
  return rows * (bytes_of(2, int64_t(l.bits.psum) * 1000) + bytes_of(kv_block(l, t), 32000));
}

uint64_t FusedTraffic::total_read() const {
  uint64_t s = 0;
  for (uint64_t v : read_bytes) s += v;
  return s;
}
uint64_t FusedTraffic::total_write() const {
  uint64_t s = 0;
  for (uint64_t v : write_bytes) s += v;
  return s;
}
uint64_t FusedTraffic::total_transfers() const {
  uint64_t s = 0;
  for (uint64_t v : transfers) s += v;
  return s;
}

std::vector<FusedChain> statistics_passes(const FusedChain& c) {
  std::vector<FusedChain> out;
  for (size_t j = 0; j < c.links.size(); ++j) {
    if (c.links[j] != LinkKind::group_norm) continue;
    FusedChain p;
    p.layers.assign(c.layers.begin(), c.layers.begin() + std::ptrdiff_t(j + 1));
    p.links.assign(c.links.begin(), c.links.begin() + std::ptrdiff_t(j));
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

// One pass over `c` (main pass: writes its output and reads resident weights once; a statistics
// pass: no output, resident weights are already on chip), added into `t` per layer.
void add_pass(const FusedChain& c, const FusedTiling& tiling, bool main_pass, FusedTraffic& t) {
  const size_t n = c.layers.size();
  std::vector<ChainLayerGeometry> g(n);
  for (size_t i = 0; i < n; ++i) g[i] = chain_geometry(c, int(i));
  if (main_pass)
    for (size_t i = 0; i < n; ++i) {
      if (!layer_weights_resident(c, tiling, int(i))) continue;
      const uint64_t b = uint64_t(g[i].weight_parts * bytes_of(g[i].weight_elems / g[i].weight_parts, g[i].weight_bits));
      t.read_bytes[i] += b;
      t.weight_read_bytes[i] += b;
      t.transfers[i] += uint64_t(g[i].weight_parts);
    }
  const Layer& last = c.layers.back();
  for (const FusedStep& st : fused_schedule(c, tiling)) {
    if (const int64_t rows = st.fetch.hi - st.fetch.lo; rows > 0) {
      t.read_bytes[0] += uint64_t(bytes_of(rows * g[0].in_row_elems, g[0].in_bits));
      ++t.transfers[0];
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t rows = st.compute[i].hi - st.compute[i].lo;
      if (rows <= 0) continue;
      t.macs[i] += double(rows) * g[i].macs_per_row;
      if (!layer_weights_resident(c, tiling, int(i)) && c.layers[i].kind == LayerKind::attention) {
        uint64_t tr = 0;
        const uint64_t b = kv_head_bytes(c.layers[i], tiling, tr);
        const uint64_t visits = uint64_t(batches_touched(c.layers[i], st.compute[i]) * g[i].channels);
        t.read_bytes[i] += visits * b;
        t.weight_read_bytes[i] += visits * b;
        t.transfers[i] += visits * tr;
      } else if (!layer_weights_resident(c, tiling, int(i))) {
        const int64_t parts = batches_touched(c.layers[i], st.compute[i]) * g[i].channels * g[i].weight_parts;
        const uint64_t b = uint64_t(parts * bytes_of(g[i].filter_elems / g[i].weight_parts, g[i].weight_bits));
        t.read_bytes[i] += b;
        t.weight_read_bytes[i] += b;
        t.transfers[i] += uint64_t(parts);
      }
    }
    if (!main_pass) continue;
    const int64_t rows = st.compute[n - 1].hi - st.compute[n - 1].lo;
    if (rows <= 0) continue;
    if (last.kind == LayerKind::conv) {
      t.write_bytes[n - 1] += uint64_t(last.conv.k * bytes_of(rows * last.conv.q(), g[n - 1].out_bits));
      t.transfers[n - 1] += uint64_t(last.conv.k);
    } else {
      t.write_bytes[n - 1] += uint64_t(bytes_of(rows * g[n - 1].out_row_elems, g[n - 1].out_bits));
      ++t.transfers[n - 1];
    }
  }
}

}  // namespace

FusedTraffic fused_traffic(const FusedChain& c, const FusedTiling& tiling) {
  FusedTraffic t;
  const size_t n = c.layers.size();
  t.read_bytes.assign(n, 0), t.write_bytes.assign(n, 0), t.transfers.assign(n, 0), t.macs.assign(n, 0);
  t.weight_read_bytes.assign(n, 0);
  for (const FusedChain& pass : statistics_passes(c)) {
    FusedTraffic p;
    p.read_bytes.assign(pass.layers.size(), 0), p.write_bytes.assign(pass.layers.size(), 0);
    p.transfers.assign(pass.layers.size(), 0), p.macs.assign(pass.layers.size(), 0);
    p.weight_read_bytes.assign(pass.layers.size(), 0);
    add_pass(pass, tiling, false, p);
    for (size_t i = 0; i < pass.layers.size(); ++i) {
      t.read_bytes[i] += p.read_bytes[i], t.transfers[i] += p.transfers[i], t.macs[i] += p.macs[i];
      t.weight_read_bytes[i] += p.weight_read_bytes[i];
    }
  }
  add_pass(c, tiling, true, t);
  return t;
}

SramUse fused_sram_use(const FusedChain& c, const FusedTiling& tiling) {
  const size_t n = c.layers.size();
  std::vector<ChainLayerGeometry> g(n);
  for (size_t i = 0; i < n; ++i) g[i] = chain_geometry(c, int(i));
  SramUse u;
  int64_t& ifmap = u.bytes[int(Partition::ifmap)];
  int64_t& filter = u.bytes[int(Partition::filter)];
  int64_t& ofmap = u.bytes[int(Partition::ofmap)];
  // Resident weights are all held at once; streamed filters one layer at a time.
  int64_t streamed = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t parts = g[i].weight_parts;
    if (layer_weights_resident(c, tiling, int(i)))
      filter += parts * bytes_of(g[i].weight_elems / parts, g[i].weight_bits);
    else if (c.layers[i].kind == LayerKind::attention)  // one block of one head's K and V
      streamed = std::max(streamed, 2 * bytes_of(kv_block(c.layers[i], tiling) * c.layers[i].attn.d, g[i].weight_bits));
    else
      streamed = std::max(streamed, parts * bytes_of(g[i].filter_elems / parts, g[i].weight_bits));
  }
  filter += streamed;
  const bool gemm_last = c.layers.back().kind != LayerKind::conv;
  for (const FusedStep& st : fused_schedule(c, tiling)) {
    int64_t in = (st.in_window.hi - st.in_window.lo) * bytes_of(g[0].in_row_elems, g[0].in_bits);
    for (size_t i = 0; i + 1 < n; ++i)
      in += (st.need[i].hi - st.need[i].lo) * bytes_of(g[i + 1].in_row_elems, g[i + 1].in_bits);
    ifmap = std::max(ifmap, in);
    for (size_t i = 0; i < n; ++i) {
      const int64_t rows = st.compute[i].hi - st.compute[i].lo;
      const bool whole_rows = gemm_last && i + 1 == n;  // the last GEMM/attention keeps rows x N
      const int64_t elems = whole_rows ? g[i].out_row_elems : g[i].channel_row_elems;
      int64_t bytes = rows * bytes_of(elems, g[i].psum_bits);
      if (c.layers[i].kind == LayerKind::attention) bytes += attention_head_scratch(c.layers[i], tiling, rows);
      ofmap = std::max(ofmap, bytes);
    }
  }
  return u;
}

}  // namespace zoomrt::sched
