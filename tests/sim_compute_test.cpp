// Compute cycles and utilisation against SCALE-Sim's own COMPUTE_REPORT rows
// (tests/fixtures/sim/scalesim_compute.csv, made by tools/reference/scalesim_crosscheck.py).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/compute.h"
#include "base/error.h"

using namespace zoomrt::sim;

namespace {
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

MacArray array_of(int rows, int cols, const std::string& df) {
  MacArray a;
  a.rows = rows;
  a.cols = cols;
  a.macs_per_cycle_int8 = a.macs_per_cycle_int4 = a.macs_per_cycle_fp16 = rows * cols;
  a.dataflow = df;
  return a;
}
}  // namespace

TEST_CASE("compute cycles and utilisation match SCALE-Sim within 1 %", "[sim][compute]") {
  auto rows = read_csv(std::string(ZOOMRT_FIXTURES_DIR) + "/sim/scalesim_compute.csv");
  REQUIRE(rows.size() > 10);
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    REQUIRE(r.size() == 13);
    MacArray a = array_of(std::stoi(r[2]), std::stoi(r[3]), r[1]);
    const int64_t m = std::stoll(r[5]), n = std::stoll(r[6]), k = std::stoll(r[7]);
    const double ref_cycles = std::stod(r[8]) - std::stod(r[9]);  // total - stalls
    ComputeEstimate e = compute_estimate(a, MacDtype::int8, m, n, k);
    INFO(r[0] << " " << r[4] << " m=" << m << " n=" << n << " k=" << k << " ours=" << e.cycles
              << " scalesim=" << ref_cycles);
    CHECK(std::abs(e.cycles - ref_cycles) <= 0.01 * ref_cycles);
    // SCALE-Sim reports the index of the last cycle: exactly one less than our count.
    CHECK(std::abs(e.cycles - ref_cycles) <= 1.0);
    CHECK(e.mapping_efficiency == Approx(std::stod(r[11])).epsilon(0.01));
    CHECK(e.compute_util == Approx(std::stod(r[12])).epsilon(0.01));
    CHECK(compute_cycles(a, MacDtype::int8, m, n, k) == e.cycles);
  }
}

TEST_CASE("compute cycles: hand-computed folds", "[sim][compute]") {
  // 4x4 os array, m=8, n=4, k=10: 2 row folds x 1 col fold, each T + R + C - 2 = 16 cycles.
  MacArray a = array_of(4, 4, "os");
  CHECK(compute_cycles(a, MacDtype::int8, 8, 4, 10) == 32);
  // ws: Sr = k = 10 -> 3 folds, Sc = n = 4 -> 1; each m + 2R + C - 2 = 8 + 8 + 4 - 2 = 18.
  a.dataflow = "ws";
  CHECK(compute_cycles(a, MacDtype::int8, 8, 4, 10) == 54);
  // is: Sr = k = 10 -> 3, Sc = m = 8 -> 2; each n + 2R + C - 2 = 4 + 8 + 4 - 2 = 14.
  a.dataflow = "is";
  CHECK(compute_cycles(a, MacDtype::int8, 8, 4, 10) == 84);
}

TEST_CASE("compute cycles scale with the dtype's MAC rate", "[sim][compute]") {
  MacArray a = array_of(4, 4, "os");
  a.macs_per_cycle_int4 = 32;  // twice the int8 rate
  a.macs_per_cycle_fp16 = 8;   // half
  const int64_t base = compute_cycles(a, MacDtype::int8, 8, 4, 10);
  CHECK(compute_cycles(a, MacDtype::int4, 8, 4, 10) == base / 2);
  CHECK(compute_cycles(a, MacDtype::fp16, 8, 4, 10) == base * 2);
  a.macs_per_cycle_fp16 = 0;
  CHECK_THROWS_AS(compute_cycles(a, MacDtype::fp16, 8, 4, 10), zoomrt::InputError);
  CHECK(compute_cycles(a, MacDtype::int8, 0, 4, 10) == 0);
}
