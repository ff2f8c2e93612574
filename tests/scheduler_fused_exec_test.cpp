// Fused (depth-first) chains are executable: run step by step through the instrumented SRAM
// buffer, they move exactly sched::fused_traffic()'s DRAM bytes (and the hand-counted bytes of an
// independent formula), stay under the SRAM bound, and compute what the unfused reference
// kernels (kernels/ref, layer by layer) compute. Odd shapes, 3x3 halos, stride 2, GEGLU.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "exec_compare.h"
#include "kernels/ref/ops.h"
#include "scheduler/fused_exec.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

using exec_test::check_close;
using exec_test::random_vec;

ref::Conv2dShape ref_shape(const ConvShape& s) {
  return {int(s.n), int(s.c), int(s.h), int(s.w), int(s.k), int(s.r), int(s.s), int(s.stride), int(s.pad), int(s.groups)};
}

struct ChainCase {
  FusedChain chain;
  std::vector<float> x, expected;
  std::vector<std::vector<float>> w;
};

ChainCase conv_chain(std::vector<ConvShape> shapes) {
  ChainCase c;
  std::vector<float> act = random_vec(size_t(shapes[0].c * shapes[0].h * shapes[0].w), 11);
  c.x = act;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const ConvShape& s = shapes[i];
    c.chain.layers.push_back(make_conv("conv" + std::to_string(i), s));
    if (i) c.chain.links.push_back(LinkKind::direct);
    c.w.push_back(random_vec(size_t(s.k * (s.c / s.groups) * s.r * s.s), uint32_t(20 + i)));
    std::vector<float> y(size_t(s.k * s.p() * s.q()));
    ref::conv2d(ref_shape(s), act.data(), c.w.back().data(), nullptr, y.data(), default_pool());
    act = std::move(y);
  }
  c.expected = std::move(act);
  return c;
}

// linear [m, k] -> [m, 2f] -> GEGLU -> [m, f] -> linear -> [m, n]: the transformer feed-forward.
ChainCase feed_forward(int64_t m, int64_t k, int64_t f, int64_t n) {
  ChainCase c;
  c.chain.layers = {make_gemm("ff.proj", m, 2 * f, k), make_gemm("ff.out", m, n, f)};
  c.chain.links = {LinkKind::geglu};
  c.x = random_vec(size_t(m * k), 31);
  c.w = {random_vec(size_t(2 * f * k), 32), random_vec(size_t(n * f), 33)};
  std::vector<float> h(size_t(m * 2 * f)), a(size_t(m * f));
  c.expected.resize(size_t(m * n));
  ref::linear(int(m), int(2 * f), int(k), c.x.data(), c.w[0].data(), nullptr, h.data(), default_pool());
  ref::geglu(m, int(f), h.data(), a.data(), default_pool());
  ref::linear(int(m), int(n), int(f), a.data(), c.w[1].data(), nullptr, c.expected.data(), default_pool());
  return c;
}

// linear [B*Lq, C] -> q -> attention against K, V [B, Lk, H*D] -> linear [B*Lq, N]: the attention
// chain (K and V are the attention's "weights": one array, K then V).
ChainCase attention_chain(int64_t b, int64_t lq, int64_t lk, int64_t heads, int64_t d, int64_t c_in, int64_t n) {
  ChainCase c;
  const int64_t m = b * lq, hd = heads * d;
  AttentionShape s;
  s.b = b, s.heads = heads, s.lq = lq, s.lk = lk, s.d = d;
  c.chain.layers = {make_gemm("to_q", m, hd, c_in), make_attention("attn", s), make_gemm("to_out", m, n, hd)};
  c.chain.links = {LinkKind::attention, LinkKind::attention};
  c.x = random_vec(size_t(m * c_in), 41);
  c.w = {random_vec(size_t(hd * c_in), 42), random_vec(size_t(2 * b * lk * hd), 43), random_vec(size_t(n * hd), 44)};
  std::vector<float> q(size_t(m * hd)), o(size_t(m * hd));
  const float* k = c.w[1].data();
  const float* v = k + b * lk * hd;
  ref::linear(int(m), int(hd), int(c_in), c.x.data(), c.w[0].data(), nullptr, q.data(), default_pool());
  ref::attention(int(b), int(lq), int(lk), int(heads), int(d), 1.0f / std::sqrt(float(d)), false, q.data(), k, v,
                 o.data(), default_pool());
  c.expected.resize(size_t(m * n));
  ref::linear(int(m), int(n), int(hd), o.data(), c.w[2].data(), nullptr, c.expected.data(), default_pool());
  return c;
}

TiledExecStats run(const ChainCase& c, const FusedTiling& t, const SramBudget& b, std::vector<float>& out) {
  std::vector<const float*> w;
  for (const auto& v : c.w) w.push_back(v.data());
  out.assign(c.expected.size(), std::nanf(""));
  return run_fused(c.chain, t, b, c.x.data(), w, out.data());
}

// One tiling: counted == analytic, output == reference, peak <= the scheduler's SRAM bound (and
// that bound, as the budget, is enough), unified and per partition.
void check_tiling(const ChainCase& c, const FusedTiling& t) {
  INFO(t.describe());
  const FusedTraffic want = fused_traffic(c.chain, t);
  const SramUse use = fused_sram_use(c.chain, t);
  std::vector<float> out;
  const TiledExecStats st = run(c, t, unified_budget(use.total()), out);
  CHECK(st.read_bytes == want.total_read());
  CHECK(st.write_bytes == want.total_write());
  CHECK(st.transfers == want.total_transfers());
  CHECK(st.peak_sram_bytes <= use.total());
  check_close(out, c.expected);
  // The same schedule under per-partition budgets of exactly the bound.
  run(c, t, partitioned_budget(use.bytes[0], use.bytes[1], use.bytes[2]), out);
  check_close(out, c.expected);
}

// Every tiling of a conv or GEMM chain: row counts, halo modes, weights resident or streamed.
void check_all_tilings(const ChainCase& c) {
  const int64_t rows = output_rows(c.chain.layers.back());
  for (int64_t r : {int64_t(1), int64_t(2), int64_t(3), rows / 2 + 1, rows})
    for (HaloMode h : {HaloMode::line_buffer, HaloMode::recompute})
      for (bool resident : {true, false}) check_tiling(c, FusedTiling{std::min(r, rows), h, resident});
}

// As check_all_tilings, over K/V resident and streamed too (no halos: attention rows are their own).
void check_attention_tilings(const ChainCase& c) {
  const int64_t rows = output_rows(c.chain.layers.back());
  for (int64_t r : {int64_t(1), int64_t(2), int64_t(5), rows / 2 + 1, rows})
    for (bool resident : {true, false})
      for (KvMode kv : {KvMode::resident, KvMode::streamed})
        for (int64_t kv_rows : {int64_t(0), int64_t(7), int64_t(64)})  // blocks of 7 keys: a short last one
          check_tiling(c, FusedTiling{std::min(r, rows), HaloMode::line_buffer, resident, kv, kv_rows});
}

int64_t int8_bytes(int64_t elems) { return elems; }  // 8-bit operands: one byte per element

}  // namespace

TEST_CASE("fused conv chain with a 3x3 halo and stride 2: traffic and output", "[fused_exec]") {
  ConvShape a;  // 3x3 stride 1 pad 1: 23x19 -> 23x19
  a.c = 3, a.h = 23, a.w = 19, a.k = 5, a.r = 3, a.s = 3, a.stride = 1, a.pad = 1;
  ConvShape b;  // 3x3 stride 2 pad 1: 23x19 -> 12x10
  b.c = 5, b.h = 23, b.w = 19, b.k = 7, b.r = 3, b.s = 3, b.stride = 2, b.pad = 1;
  const ChainCase c = conv_chain({a, b});
  check_all_tilings(c);
  // Independent count: with line buffers every input byte is read once, each weight once,
  // each output byte written once; the 5 x 23 x 19 intermediate never reaches DRAM.
  const FusedTiling t{2, HaloMode::line_buffer, true};
  std::vector<float> out;
  const TiledExecStats st = run(c, t, unified_budget(fused_sram_use(c.chain, t).total()), out);
  CHECK(st.read_bytes == uint64_t(int8_bytes(3 * 23 * 19) + int8_bytes(5 * 3 * 9) + int8_bytes(7 * 5 * 9)));
  CHECK(st.write_bytes == uint64_t(int8_bytes(7 * 12 * 10)));
  // Recomputing the halo instead re-reads the input rows two steps share.
  const TiledExecStats rc = run(c, {2, HaloMode::recompute, true}, unified_budget(1 << 20), out);
  CHECK(rc.read_bytes > st.read_bytes);
}

TEST_CASE("fused three-conv chain: stride 2 first, 1x1, depthwise 3x3 (odd shapes)", "[fused_exec]") {
  ConvShape a;  // 3x3 stride 2 pad 0: 17x14 -> 8x6
  a.c = 4, a.h = 17, a.w = 14, a.k = 6, a.r = 3, a.s = 3, a.stride = 2, a.pad = 0;
  ConvShape b;  // 1x1
  b.c = 6, b.h = 8, b.w = 6, b.k = 6, b.r = 1, b.s = 1;
  ConvShape d;  // depthwise 3x3 pad 1
  d.c = 6, d.h = 8, d.w = 6, d.k = 6, d.r = 3, d.s = 3, d.pad = 1, d.groups = 6;
  check_all_tilings(conv_chain({a, b, d}));
}

TEST_CASE("fused feed-forward chain linear -> GEGLU -> linear: traffic and output", "[fused_exec]") {
  const ChainCase c = feed_forward(37, 24, 31, 19);
  check_all_tilings(c);
  const FusedTiling t{5, HaloMode::line_buffer, true};
  std::vector<float> out;
  const TiledExecStats st = run(c, t, unified_budget(fused_sram_use(c.chain, t).total()), out);
  CHECK(st.read_bytes == uint64_t(37 * 24 + 62 * 24 + 19 * 31));
  CHECK(st.write_bytes == uint64_t(37 * 19));
  // Streamed weights: each of the 8 steps reads both weight matrices again.
  const TiledExecStats sw = run(c, {5, HaloMode::line_buffer, false}, unified_budget(1 << 20), out);
  CHECK(sw.read_bytes == uint64_t(37 * 24 + 8 * (62 * 24 + 19 * 31)));
}

TEST_CASE("fused chain with 4-bit activations and 4.5-bit weights counts packed bytes", "[fused_exec]") {
  ChainCase c = feed_forward(13, 11, 7, 9);
  for (Layer& l : c.chain.layers) l.bits = {4, 4.5, 4, 32};
  for (bool resident : {true, false}) {
    const FusedTiling t{3, HaloMode::line_buffer, resident};
    std::vector<float> out;
    const TiledExecStats st = run(c, t, unified_budget(fused_sram_use(c.chain, t).total()), out);
    const FusedTraffic want = fused_traffic(c.chain, t);
    CHECK(st.read_bytes == want.total_read());
    CHECK(st.write_bytes == want.total_write());
  }
}

TEST_CASE("the SRAM buffer refuses a fused schedule larger than the budget", "[fused_exec]") {
  const ChainCase c = feed_forward(37, 24, 31, 19);
  const FusedTiling t{37, HaloMode::line_buffer, true};
  std::vector<float> out;
  CHECK_THROWS_AS(run(c, t, unified_budget(fused_sram_use(c.chain, t).total() / 2), out), std::logic_error);
}

TEST_CASE("fused attention chain q projection -> attention -> output projection: traffic and output",
          "[fused_exec]") {
  // Cross attention (Lk 29 keys for 37 queries) and self attention (Lk = Lq), batch 2, 3 heads, D 8.
  for (int64_t lk : {int64_t(29), int64_t(37)}) {
    INFO("Lk " << lk);
    const ChainCase c = attention_chain(2, 37, lk, 3, 8, 11, 13);
    check_attention_tilings(c);
    // Independent count, rows 5 (15 steps over M = 74; step 7 holds rows 35..39, both batches):
    // the input, W_q and W_out once, the output once; Q and the attention output never reach DRAM.
    const int64_t m = 74, hd = 24, io = m * 11 + hd * 11 + 13 * hd;
    std::vector<float> out;
    const FusedTiling res{5, HaloMode::line_buffer, true, KvMode::resident};
    const TiledExecStats r = run(c, res, unified_budget(1 << 22), out);
    CHECK(r.read_bytes == uint64_t(io + 2 * 2 * lk * hd));  // K and V once
    CHECK(r.write_bytes == uint64_t(m * 13));
    // Streamed: each step reads, for each batch its rows touch, every head's K and V (16 batch
    // visits over 15 steps), and each step writes its rows.
    const TiledExecStats sm = run(c, {5, HaloMode::line_buffer, true, KvMode::streamed}, unified_budget(1 << 22), out);
    CHECK(sm.read_bytes == uint64_t(io + 16 * 3 * 2 * lk * 8));
    CHECK(sm.transfers == uint64_t(15 + 1 + 16 * 3 * 2 + 1 + 15));
    check_close(out, c.expected);
    // Keys 8 at a time: the same bytes in ceil(Lk / 8) blocks of K and of V per head and visit.
    const FusedTiling by8{5, HaloMode::line_buffer, true, KvMode::streamed, 8};
    const TiledExecStats b8 = run(c, by8, unified_budget(fused_sram_use(c.chain, by8).total()), out);
    CHECK(b8.read_bytes == sm.read_bytes);
    CHECK(b8.transfers == uint64_t(15 + 1 + 16 * 3 * 2 * ((lk + 7) / 8) + 1 + 15));
    check_close(out, c.expected);
  }
}
