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
