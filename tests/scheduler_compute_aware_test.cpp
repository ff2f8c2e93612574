// Compute-aware tiling: with the array in the budget, heuristic strategies keep tiles that use the
// array (within kComputeSlack of the fastest fitting tiling); exhaustive stays the byte minimum;
// plan_sram_bytes by hand on a one-tile GEMM.
#include <catch2/catch.hpp>

#include "scheduler/compare.h"
#include "scheduler/search.h"
#include "scheduler/strategy.h"
#include "scheduler/topology.h"
#include "sim/npu_config.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

// The phone NPU's shape: 32 x 64 weight-stationary (K on the 64 columns), 2 MiB unified,
// double buffered -> 1 MiB per tile set.
SramBudget phone_like_budget() {
  SramBudget b = unified_budget(1 << 20);
  b.has_array = true;
  b.array.rows = 32, b.array.cols = 64, b.array.dataflow = "ws";
  b.array.macs_per_cycle_int8 = 2048;
  return b;
}

// Fewest cycles of any fitting tiling on the heuristic grid, found without the guard.
int64_t fewest_grid_cycles(const Layer& l, const SramBudget& b) {
  const LoopNest n = make_loop_nest(l);
  int64_t fewest = -1;
  for_each_fitting_tiling(n, b, SearchSpace{false, nullptr},
                          [&](const Tiling& t, const OperandBases&, const SramUse&) {
                            const int64_t c =
                                tiling_compute_cycles(l, n, t, b.array, sim::MacDtype::int8);
                            if (fewest < 0 || c < fewest) fewest = c;
                          });
  return fewest;
}

}  // namespace

TEST_CASE("compute-aware: SD2 upsampler conv keeps all 64 array columns busy", "[compute]") {
  // up_blocks.2.upsamplers.0.conv of the SD2 UNet with guidance: the byte-minimal tiling on
  // 1 MiB takes 4 filters per tile (4 of 64 columns: ~10x the cycles).
  ConvShape c;
  c.n = 2, c.c = 640, c.h = 64, c.w = 64, c.k = 640, c.r = 3, c.s = 3, c.pad = 1;
  const Layer l = make_conv("up2.upsample", c);
  const SramBudget aware = phone_like_budget();
  SramBudget bytes_only = aware;
  bytes_only.has_array = false;
  const int64_t fewest = fewest_grid_cycles(l, aware);
  for (Strategy s : {Strategy::weight_stationary, Strategy::output_stationary,
                     Strategy::input_stationary, Strategy::romanet, Strategy::adaptive}) {
    INFO(strategy_name(s));
    const Plan p = plan_layer(l, s, aware);
    CHECK(p.tiling.tile[2] >= 64);  // conv dims G N K C P Q: K is mapped on the columns
    CHECK(double(plan_compute_cycles(l, p, aware.array, sim::MacDtype::int8)) <=
          kComputeSlack * double(fewest));
    // Without the array the same strategy may pick a skinnier, byte-cheaper tile, never one
    // that moves more bytes.
    CHECK(plan_layer(l, s, bytes_only).dram_bytes() <= p.dram_bytes());
  }
  // exhaustive ignores compute: it stays the lower bound of bytes.
  const uint64_t lower = plan_layer(l, Strategy::exhaustive, aware).dram_bytes();
  CHECK(lower == plan_layer(l, Strategy::exhaustive, bytes_only).dram_bytes());
  CHECK(lower <= plan_layer(l, Strategy::romanet, aware).dram_bytes());
}

TEST_CASE("compute-aware: every AlexNet layer on the Eyeriss-like NPU within the slack", "[compute]") {
  const sim::NpuConfig npu = sim::load_npu("eyeriss-like");
  const SramBudget b = sram_budget(npu);
  REQUIRE(b.has_array);
  REQUIRE(b.key() != sram_budget(npu.sram).key());  // cached apart from SRAM-only plans
  for (const Layer& l : load_topology("alexnet", operand_bits_for(sim::MacDtype::int8))) {
    const int64_t fewest = fewest_grid_cycles(l, b);
    for (Strategy s : {Strategy::weight_stationary, Strategy::romanet}) {
      INFO(l.name << " " << strategy_name(s));
      const Plan p = plan_layer(l, s, b);
      CHECK(double(plan_compute_cycles(l, p, npu.array, sim::MacDtype::int8)) <=
            kComputeSlack * double(fewest));
    }
  }
}

TEST_CASE("plan_sram_bytes by hand: one-tile 4x4x4 GEMM", "[sram]") {
  const Layer l = make_gemm("g", 4, 4, 4);  // 8-bit x, w, y
  const Plan p = plan_layer(l, Strategy::romanet, unified_budget(1 << 20));
  REQUIRE(p.tile == "M4 N4 K4");
  const SramBytes s = plan_sram_bytes(l, p);
  // DRAM -> SRAM: x 16 B + w 16 B written; SRAM -> DRAM: y 16 B read out, plus the array reading
  // x and w once (one step): 16 + 32.
  CHECK(s.write == 32.0);
  CHECK(s.read == 48.0);
}
