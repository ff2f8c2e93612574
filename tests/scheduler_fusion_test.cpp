// The fused strategy's schedule and traffic against hand counts, its search against the per-layer
// plans it falls back to (never worse, on real layers), and its bad input.
#include <catch2/catch.hpp>

#include "scheduler/fused_plan.h"
#include "scheduler/topology.h"
#include "sim/npu_config.h"
#include "base/error.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

ConvShape conv3x3(int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride) {
  ConvShape s;
  s.c = c, s.h = h, s.w = w, s.k = k, s.r = 3, s.s = 3, s.stride = stride, s.pad = 1;
  return s;
}

double total(Objective o, const std::vector<Plan>& plans) {
  double e = 0, t = 0, v = 0;
  for (const Plan& p : plans) e += p.cost.energy_j(), t += p.cost.latency_s(), v += objective_value(o, p.cost);
  return o == Objective::edp ? e * t : v;
}

}  // namespace

TEST_CASE("input windows of a 3x3 stride-2 conv, by hand", "[fusion]") {
  const Layer l = make_conv("c", conv3x3(4, 23, 19, 4, 2));  // P = 12
  CHECK(input_window(l, {0, 1}).lo == 0);                      // row 0 reads -1..1, -1 is padding
  CHECK(input_window(l, {0, 1}).hi == 2);
  CHECK(input_window(l, {5, 7}).lo == 9);  // rows 5, 6 read 9..11 and 11..13
  CHECK(input_window(l, {5, 7}).hi == 14);
  CHECK(input_window(l, {11, 12}).hi == 23);  // the last row's window is clipped at H
}

TEST_CASE("line buffers read every input row once, recompute re-reads the halo", "[fusion]") {
  FusedChain c;
  c.layers = {make_conv("a", conv3x3(8, 32, 16, 8, 1)), make_conv("b", conv3x3(8, 32, 16, 8, 1))};
  c.links = {LinkKind::direct};
  const int64_t x = 8 * 32 * 16, w = 8 * 8 * 9, y = 8 * 32 * 16;  // int8: bytes = elements
  const FusedTraffic lb = fused_traffic(c, {4, HaloMode::line_buffer, true});
  CHECK(lb.total_read() == uint64_t(x + 2 * w));
  CHECK(lb.total_write() == uint64_t(y));
  CHECK(lb.macs[0] == Approx(double(8 * 32 * 16 * 8 * 9)));
  // Recompute, 8 steps of 4 rows: layer b needs rows [4s-1, 4s+5) of a (6 rows, 5 at the edges),
  // a needs rows [4s-2, 4s+6) of x (8 rows; 6 at the first and last step).
  const FusedTraffic rc = fused_traffic(c, {4, HaloMode::recompute, true});
  CHECK(rc.total_read() == uint64_t((6 * 8 + 6 + 6) * 8 * 16 + 2 * w));
  CHECK(rc.macs[0] == Approx(double((6 * 6 + 5 + 5) * 16 * 8 * 8 * 9)));
  // Streamed weights: every step reads every filter again.
  const FusedTraffic sw = fused_traffic(c, {4, HaloMode::line_buffer, false});
  CHECK(sw.weight_read_bytes[0] == uint64_t(8 * w));
  CHECK(sw.weight_read_bytes[1] == uint64_t(8 * w));
}

TEST_CASE("a group-norm link costs a statistics pass over the producer", "[fusion]") {
  FusedChain c;
  c.layers = {make_conv("a", conv3x3(8, 32, 16, 8, 1)), make_conv("b", conv3x3(8, 32, 16, 8, 1))};
  c.links = {LinkKind::group_norm};
  const int64_t x = 8 * 32 * 16, w = 8 * 8 * 9;
  const FusedTraffic t = fused_traffic(c, {4, HaloMode::line_buffer, true});
  CHECK(t.read_bytes[0] == uint64_t(2 * x + w));  // the input read twice: statistics, then output
  CHECK(t.macs[0] == Approx(2.0 * double(x * 8 * 9)));
  CHECK(t.macs[1] == Approx(double(x * 8 * 9)));
}

TEST_CASE("chains: which layers can feed which", "[fusion]") {
  const Layer a = make_conv("a", conv3x3(8, 32, 16, 8, 2)), b = make_conv("b", conv3x3(8, 16, 8, 4, 1));
  CHECK(chainable(a, b, LinkKind::direct));
  CHECK_FALSE(chainable(b, a, LinkKind::direct));
  CHECK_FALSE(chainable(a, b, LinkKind::geglu));
  CHECK(chainable(make_gemm("p", 10, 64, 16), make_gemm("o", 10, 8, 32), LinkKind::geglu));
  CHECK_FALSE(chainable(make_gemm("p", 10, 64, 16), make_gemm("o", 10, 8, 32), LinkKind::direct));
  FusedChain one;
  one.layers = {a};
  CHECK_FALSE(chain_problem(one).empty());
}

TEST_CASE("fused is never worse than adaptive on VGG-16 and MobileNet, and fuses where it pays", "[fusion]") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  for (const char* model : {"vgg16", "mobilenet"})
    for (Objective o : {Objective::energy, Objective::bytes, Objective::edp}) {
      INFO(model << " " << objective_name(o));
      const CostContext ctx = cost_context(npu, sim::MacDtype::int8, o);
      const std::vector<Layer> layers = load_topology(model);
      const std::vector<Plan> adaptive = plan_layers(layers, Strategy::adaptive, ctx);
      const std::vector<Plan> fused = plan_layers(layers, Strategy::fused, ctx);
      REQUIRE(fused.size() == layers.size());
      CHECK(total(o, fused) <= total(o, adaptive));
      if (o == Objective::bytes) {
        int chained = 0;
        for (const Plan& p : fused) chained += p.fused != nullptr;
        CHECK(chained >= 2);
        CHECK(total(o, fused) < total(o, adaptive));
      }
    }
}

TEST_CASE("a chain that cannot fit SRAM even at one row is refused in one line", "[fusion]") {
  FusedChain c;
  c.layers = {make_conv("big.a", conv3x3(512, 64, 512, 512, 1)), make_conv("big.b", conv3x3(512, 64, 512, 512, 1))};
  c.links = {LinkKind::direct};
  const CostContext ctx = bytes_context(unified_budget(64 * 1024));
  CHECK_FALSE(best_fused(c, ctx).has_value());
  CHECK_THROWS_WITH(require_fused(c, ctx), Catch::Contains("fused chain big.a -> big.b") &&
                                               Catch::Contains("SRAM too small"));
  // The strategy falls back to the per-layer plans.
  const std::vector<Plan> plans = plan_layers(c.layers, Strategy::fused, ctx);
  CHECK(plans[0].fused == nullptr);
  CHECK(plans[1].fused == nullptr);
}

TEST_CASE("attention chain traffic and SRAM, by hand", "[fusion]") {
  // to_q [10 x 7] -> attention (B 2, H 3, Lq 5, Lk 4, D 2) -> to_out [10 x 6] -> 7; int8: bytes = elements.
  AttentionShape a;
  a.b = 2, a.heads = 3, a.lq = 5, a.lk = 4, a.d = 2;
  FusedChain c;
  c.layers = {make_gemm("to_q", 10, 6, 7), make_attention("attn", a), make_gemm("to_out", 10, 7, 6)};
  c.links = {LinkKind::attention, LinkKind::attention};
  REQUIRE(chain_problem(c).empty());
  CHECK_FALSE(chainable(c.layers[0], c.layers[1], LinkKind::direct));
  CHECK_FALSE(chainable(make_gemm("q", 10, 8, 7), c.layers[1], LinkKind::attention));  // N != H*D
  CHECK_FALSE(chainable(c.layers[1], make_gemm("o", 12, 7, 6), LinkKind::attention));  // M != B*Lq
  // Rows 4: steps [0,4) [4,8) [8,10); the middle one spans both batches (Lq 5).
  const FusedTraffic s = fused_traffic(c, {4, HaloMode::line_buffer, true, KvMode::streamed});
  CHECK(s.read_bytes[0] == uint64_t(10 * 7 + 6 * 7));      // input once, W_q once
  CHECK(s.read_bytes[1] == uint64_t(4 * 3 * 2 * (4 * 2)));  // 4 batch visits x 3 heads x (K + V)
  CHECK(s.transfers[1] == uint64_t(4 * 3 * 2));
  CHECK(s.read_bytes[2] == uint64_t(7 * 6));
  CHECK(s.write_bytes[2] == uint64_t(10 * 7));
  CHECK(s.transfers[2] == uint64_t(1 + 3));
  CHECK(s.macs[1] == Approx(double(2 * 2 * 3 * 5 * 4 * 2)));
  const FusedTraffic r = fused_traffic(c, {4, HaloMode::line_buffer, true, KvMode::resident});
  CHECK(r.read_bytes[1] == uint64_t(2 * 2 * 4 * 6));  // all of K and V once
  CHECK(r.transfers[1] == 2u);
  // SRAM, streamed K/V: W_q + W_out + one head's K and V; windows 4 x (7 + 6 + 6); the attention's
  // head tile 4 x 2 at 32 bits plus statistics 4 x 2 and scores 4 x 4 at 32 bits.
  const SramUse u = fused_sram_use(c, {4, HaloMode::line_buffer, true, KvMode::streamed});
  CHECK(u.bytes[int(Partition::filter)] == 42 + 42 + 2 * 8);
  CHECK(u.bytes[int(Partition::ifmap)] == 4 * (7 + 6 + 6));
  CHECK(u.bytes[int(Partition::ofmap)] == 4 * (8 + 8 + 16));
  // Keys 3 at a time (blocks of 3 and 1): the same bytes, 2 blocks of K and of V per head and visit;
  // one block of K and V (3 x 2 each) and a 4 x 3 score tile in SRAM.
  const FusedTiling by3{4, HaloMode::line_buffer, true, KvMode::streamed, 3};
  const FusedTraffic b = fused_traffic(c, by3);
  CHECK(b.read_bytes[1] == s.read_bytes[1]);
  CHECK(b.transfers[1] == uint64_t(4 * 3 * 2 * 2));
  const SramUse ub = fused_sram_use(c, by3);
  CHECK(ub.bytes[int(Partition::filter)] == 42 + 42 + 2 * 6);
  CHECK(ub.bytes[int(Partition::ofmap)] == 4 * (8 + 8 + 12));
}

TEST_CASE("the fused search chains cross attention where it saves DRAM bytes", "[fusion]") {
  // An SD2 64x64 cross-attention block: 2 x 4096 queries, 77 text tokens, 5 heads of 64.
  AttentionShape a;
  a.b = 2, a.heads = 5, a.lq = 4096, a.lk = 77, a.d = 64;
  const std::vector<Layer> layers = {make_gemm("to_q", 8192, 320, 320), make_attention("attn", a),
                                     make_gemm("to_out", 8192, 320, 320)};
  const CostContext ctx = cost_context(sim::load_npu("phone-npu"), sim::MacDtype::int8, Objective::bytes);
  const std::vector<Plan> adaptive = plan_layers(layers, Strategy::adaptive, ctx);
  const std::vector<Plan> fused =
      plan_layers_fused(layers, {LinkKind::none, LinkKind::attention, LinkKind::attention}, ctx);
  REQUIRE(fused[1].fused != nullptr);
  CHECK(fused[0].fused == fused[1].fused);
  // Q and the attention output (2 x 8192 x 320 bytes each way) no longer reach DRAM.
  uint64_t bytes_a = 0, bytes_f = 0;
  for (const Plan& p : adaptive) bytes_a += p.traffic.read_bytes + p.traffic.write_bytes;
  for (const Plan& p : fused) bytes_f += p.traffic.read_bytes + p.traffic.write_bytes;
  CHECK(bytes_f + 4u * 8192u * 320u <= bytes_a + 8192u * 320u);
  CHECK(total(Objective::bytes, fused) < total(Objective::bytes, adaptive));
}
