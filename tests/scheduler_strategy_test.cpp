// Tiling strategies: every plan fits its SRAM, the stationary ones keep their operand resident
// (counts computed independently from the tensor sizes), exhaustive is a lower bound, and
// plans of identical layers are computed once.
#include <catch2/catch.hpp>

#include "scheduler/strategy.h"
#include "scheduler/topology.h"
#include "base/error.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

std::vector<Layer> sample_layers() {
  std::vector<Layer> ls;
  ConvShape c;
  c.n = 1, c.c = 64, c.h = 57, c.w = 57, c.k = 37, c.r = 3, c.s = 3, c.stride = 2, c.pad = 1;
  ls.push_back(make_conv("odd", c));
  ConvShape dw = c;
  dw.c = dw.k = dw.groups = 96, dw.stride = 1;
  ls.push_back(make_conv("depthwise", dw));
  ls.push_back(make_gemm("gemm", 77, 1024, 1024));
  ls.push_back(make_attention("attn", {2, 5, 1024, 77, 64}));
  return ls;
}

}  // namespace

TEST_CASE("strategy list: names round-trip, unknown names fail with the list", "[strategy]") {
  REQUIRE(all_strategies().size() == size_t(kStrategyCount));
  for (Strategy s : all_strategies()) CHECK(strategy_from_name(strategy_name(s)) == s);
  CHECK_THROWS_WITH(strategy_from_name("greedy"), Catch::Contains("greedy") &&
                                                      Catch::Contains("weight-stationary"));
  CHECK(parse_strategy_list("naive,romanet").size() == 2);
  CHECK_THROWS_AS(parse_strategy_list("naive,,romanet"), InputError);
}

TEST_CASE("every plan fits, exhaustive is the lower bound", "[strategy]") {
  for (const SramBudget& b : {unified_budget(64 * 1024), partitioned_budget(32768, 32768, 16384)}) {
    for (const Layer& l : sample_layers()) {
      const uint64_t lower = plan_layer(l, Strategy::exhaustive, b).dram_bytes();
      for (Strategy s : all_strategies()) {
        const Plan p = plan_layer(l, s, b);
        INFO(l.name << " " << strategy_name(s) << " " << b.describe() << " tile " << p.tile);
        CHECK(fits(p.sram, b));
        CHECK(p.dram_bytes() >= lower);
      }
    }
  }
}

TEST_CASE("stationary strategies keep their operand on chip (gemm)", "[strategy]") {
  // M=300 N=200 K=500 at 8 bits: x 150000 B, w 100000 B, y 60000 B; 64 KiB holds no operand whole.
  const Layer l = make_gemm("g", 300, 200, 500);
  const SramBudget b = unified_budget(64 * 1024);
  const Plan ws = plan_layer(l, Strategy::weight_stationary, b);
  CHECK(ws.traffic.operands[1].read_bytes == 100000);
  const Plan os = plan_layer(l, Strategy::output_stationary, b);
  CHECK(os.traffic.operands[2].read_bytes == 0);
  CHECK(os.traffic.operands[2].write_bytes == 60000);
  const Plan is = plan_layer(l, Strategy::input_stationary, b);
  CHECK(is.traffic.operands[0].read_bytes == 150000);
  const Plan naive = plan_layer(l, Strategy::naive, b);
  CHECK(naive.dram_bytes() > ws.dram_bytes());
  CHECK(plan_layer(l, Strategy::romanet, b).layout == DramLayout::tiled);
}

TEST_CASE("SRAM smaller than the smallest tile is an input error naming the layer", "[strategy]") {
  ConvShape c;
  c.c = 512, c.h = 14, c.w = 14, c.k = 512, c.r = 3, c.s = 3, c.pad = 1;
  CHECK_THROWS_WITH(plan_layer(make_conv("conv5_1", c), Strategy::romanet, unified_budget(16)),
                    Catch::Contains("conv5_1") && Catch::Contains("SRAM too small"));
}

TEST_CASE("plans of identical layers are computed once", "[strategy]") {
  clear_plan_cache();
  const auto layers = load_topology("mobilenet");  // Conv8_1..5 are five identical pairs
  const SramBudget b = unified_budget(256 * 1024);
  plan_layers(layers, Strategy::weight_stationary, b);
  CHECK(plan_cache_size() == layers.size() - 8);
  const auto again = plan_layers(layers, Strategy::weight_stationary, b);
  CHECK(plan_cache_size() == layers.size() - 8);
  CHECK(again[13].tile == again[15].tile);
}

TEST_CASE("adaptive: adjacent layers share partitions or pay a re-layout", "[strategy]") {
  const auto layers = load_topology("vgg16");
  const SramBudget b = unified_budget(128 * 1024);
  const auto plans = plan_layers(layers, Strategy::adaptive, b);
  REQUIRE(plans.size() == layers.size());
  uint64_t adaptive = 0, alone = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    adaptive += plans[i].dram_bytes();
    alone += plan_layer(layers[i], Strategy::adaptive, b).dram_bytes();
    CHECK(plans[i].relayout_read_bytes == plans[i].relayout_write_bytes);
  }
  // Layers planned alone ignore the constraint, so they can only be cheaper or equal.
  CHECK(alone <= adaptive);
}
