// The tile search against SCALE-Sim on configs and layers the project had not used before
// (tests/fixtures/sim/scalesim_tiled.csv and scalesim_tiled/, made by
// tools/reference/scalesim_tiled_fixtures.py with SCALE-Sim 3.0.0): where some tiling that folds
// onto the array exactly as SCALE-Sim folds the whole layer fits the config's own SRAM, exhaustive
// with the latency objective must report SCALE-Sim's compute cycles within 1 %.
// The cfgs say InterfaceBandwidth CALC: SCALE-Sim sizes the DRAM interface so that the array never
// stalls (0 stall cycles in every row). The NPU here gets that too: the cfg's DRAM (the phone-npu
// LPDDR, see docs/sim.md) clocked 1000x faster, so that compute decides the latency.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "scheduler/plan_cost.h"
#include "scheduler/search.h"
#include "scheduler/strategy.h"
#include "scheduler/topology.h"
#include "sim/compute.h"
#include "sim/npu_config.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

const std::string kDir = std::string(ZOOMRT_FIXTURES_DIR) + "/sim/";

std::vector<std::map<std::string, std::string>> read_rows(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

Layer fixture_layer(const std::string& kind, const std::string& name) {
  for (const Layer& l : load_topology(kDir + "scalesim_tiled/" + kind + ".csv"))
    if (l.name == name) return l;
  FAIL("no layer " << name << " in " << kind << ".csv");
  return {};
}

sim::NpuConfig calc_bandwidth(sim::NpuConfig npu) {
  npu.dram.tck_ns /= 1000;  // a DRAM clock 1000x faster: transfers take no time that matters
  sim::validate_npu(npu, "test");
  return npu;
}

// Does a fitting tiling fold exactly like the whole layer (same cycles as one tile)?
bool exact_folding_fits(const Layer& l, const CostContext& c, int64_t whole_cycles) {
  const LoopNest n = make_loop_nest(l);
  bool found = false;
  for_each_fitting_tiling(n, c.budget, SearchSpace{true, &c.npu.array}, [&](const Tiling& t) {
    found = found || tiling_compute_cycles(l, n, t, c.npu.array, c.dtype) == whole_cycles;
  });
  return found;
}

}  // namespace

TEST_CASE("exhaustive (latency) reports SCALE-Sim's cycles where an exact folding fits", "[scalesim]") {
  int checked = 0;
  for (const auto& row : read_rows(kDir + "scalesim_tiled.csv")) {
    const sim::NpuConfig npu = calc_bandwidth(sim::load_npu(kDir + "scalesim_tiled/" + row.at("config") + ".cfg"));
    const CostContext c = cost_context(npu, sim::MacDtype::int8, Objective::latency);
    const Layer l = fixture_layer(row.at("kind"), row.at("layer"));
    const double scalesim = std::stod(row.at("total_cycles"));
    const int64_t whole = sim::compute_cycles(npu.array, sim::MacDtype::int8, std::stoll(row.at("m")),
                                              std::stoll(row.at("n")), std::stoll(row.at("k")));
    INFO(row.at("config") << " " << row.at("layer") << " SCALE-Sim " << scalesim << " whole-layer " << whole);
    CHECK(std::abs(double(whole) - scalesim) <= 0.002 * scalesim);  // the array formula itself
    if (!exact_folding_fits(l, c, whole)) continue;
    const Plan p = plan_layer(l, Strategy::exhaustive, c);
    INFO("exhaustive " << p.tile << " " << p.loop_order << ": " << p.cost.layer.cycles << " cycles");
    CHECK(std::abs(double(p.cost.layer.cycles) - scalesim) <= 0.01 * scalesim);
    ++checked;
  }
  CHECK(checked >= 20);  // of 33 rows: the test must not pass on an empty set
}

TEST_CASE("197x150x64 GEMM on the 48x24 os array: SCALE-Sim's cycles + 1", "[scalesim]") {
  const sim::NpuConfig npu = calc_bandwidth(sim::load_npu(kDir + "scalesim_tiled/os48x24.cfg"));
  const CostContext c = cost_context(npu, sim::MacDtype::int8, Objective::latency);
  const Plan p = plan_layer(fixture_layer("gemm", "vit_qkv"), Strategy::exhaustive, c);
  INFO(p.tile);
  CHECK(p.cost.layer.cycles == 4689 + 1);  // 5 x 7 folds of 64 + 48 + 24 - 2 cycles
}
