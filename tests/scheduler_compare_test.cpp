// compare_strategies and its renderings: the DRAM model sees exactly the plans' bytes, totals are
// the sums of the layers, and the JSON / CSV / PNG outputs carry every strategy and layer.
#include <catch2/catch.hpp>

#include "scheduler/compare_report.h"
#include "scheduler/topology.h"
#include "sim/compute.h"
#include "sim/npu_config.h"

using namespace zoomrt;
using namespace zoomrt::sched;

TEST_CASE("tiling compare on AlexNet: consistent counts and outputs", "[compare]") {
  const sim::NpuConfig npu = sim::load_npu("eyeriss-like");
  const auto layers = load_topology("alexnet", operand_bits_for(sim::MacDtype::int8));
  const std::vector<Strategy> strategies = {Strategy::naive, Strategy::output_stationary,
                                            Strategy::romanet, Strategy::adaptive};
  const CompareResult r = compare_strategies(layers, strategies, npu, sim::MacDtype::int8);
  REQUIRE(r.cells.size() == strategies.size());
  for (size_t s = 0; s < strategies.size(); ++s) {
    uint64_t read = 0;
    double energy = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      const CompareCell& c = r.cells[s][i];
      CHECK(c.dram.bytes_read == c.plan.dram_read_bytes());
      CHECK(c.dram.bytes_written == c.plan.dram_write_bytes());
      CHECK(c.dram.row_hits + c.dram.row_misses + c.dram.row_conflicts == c.dram.accesses);
      CHECK(c.compute_cycles > 0);
      CHECK(c.latency_s > 0);
      read += c.dram.bytes_read;
      energy += c.energy_j;
    }
    CHECK(r.totals[s].bytes_read == read);
    CHECK(r.totals[s].energy_j == Approx(energy));
  }
  // naive moves more than any reuse strategy on a 54 KiB (double-buffered) SRAM.
  CHECK(r.totals[0].bytes_read > r.totals[1].bytes_read);

  const auto j = compare_json(r);
  CHECK(j["layers"].size() == layers.size());
  CHECK(j["layers"][0]["results"].contains("romanet"));
  CHECK(j["totals"]["naive"]["dram_bytes_read"].get<uint64_t>() == r.totals[0].bytes_read);
  const std::string csv = compare_csv(r);
  CHECK(size_t(std::count(csv.begin(), csv.end(), '\n')) ==
        1 + layers.size() * strategies.size() + strategies.size());
}

TEST_CASE("compute cycles of a single-tile GEMM equal the array model's", "[compare]") {
  const sim::NpuConfig npu = sim::load_npu("eyeriss-like");
  const Layer l = make_gemm("g", 20, 30, 40);
  const Plan p = plan_layer(l, Strategy::exhaustive, sram_budget(npu.sram));
  REQUIRE(p.tile == "M20 N30 K40");
  CHECK(plan_compute_cycles(l, p, npu.array, sim::MacDtype::int8) ==
        sim::compute_cycles(npu.array, sim::MacDtype::int8, 20, 30, 40));
}
