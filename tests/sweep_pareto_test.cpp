// The Pareto front over (FPS max, power min, area min) and the targets (sweep/pareto.h, issue 13
// item 3) on a set whose front, target hits and smallest qualifying point are worked out by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "sweep/pareto.h"

using namespace zoomrt::sweep;
using nlohmann::json;

namespace {
// A (10 FPS, 1 W, 5 mm²)  front: nothing has >= FPS at <= power and <= area but D, which uses more
// power B (8, 0.5, 5)          front: lowest power (with E) C (10, 1, 6)           dominated by A
// (same FPS and power, larger) D (12, 2, 10)          front: highest FPS E (8, 0.5, 5) front:
// identical to B, so neither dominates the other F (5, 0.6, 6)          dominated by B G (20, 0.1,
// no area)   left out of the front (no area model)
const std::vector<Objectives> kPoints = {{10, 1, 5},
                                         {8, 0.5, 5},
                                         {10, 1, 6},
                                         {12, 2, 10},
                                         {8, 0.5, 5},
                                         {5, 0.6, 6},
                                         {20, 0.1, std::numeric_limits<double>::quiet_NaN()}};

std::vector<PointResult> results() {
  std::vector<PointResult> r;
  for (size_t i = 0; i < kPoints.size(); ++i) {
    PointResult p;
    p.index = i;
    p.hash = std::string(15, '0') + char('a' + i);
    p.axes = {{"npu.array.rows", 16 * (i + 1)}};
    const Objectives& o = kPoints[i];
    p.figures = {{"fps", o.fps},
                 {"avg_power_w", o.avg_power_w},
                 {"area_mm2", std::isnan(o.area_mm2) ? json(nullptr) : json(o.area_mm2)},
                 {"fps_per_watt", o.fps / o.avg_power_w},
                 {"fps_per_mm2", nullptr}};
    p.objectives = o;
    r.push_back(p);
  }
  return r;
}
}  // namespace

TEST_CASE("sweep pareto: the front of a hand-worked set") {
  CHECK(dominates(kPoints[0], kPoints[2]));
  CHECK(!dominates(kPoints[2], kPoints[0]));
  CHECK(!dominates(kPoints[1], kPoints[4]));
  CHECK(!dominates(kPoints[4], kPoints[1]));
  CHECK(dominates(kPoints[1], kPoints[5]));
  CHECK(pareto_front(kPoints) == std::vector<size_t>{0, 1, 3, 4});
  // Order of visit does not matter: reversed input, same points.
  std::vector<Objectives> rev(kPoints.rbegin(), kPoints.rend());
  CHECK(pareto_front(rev) == std::vector<size_t>{2, 3, 5, 6});
}

TEST_CASE("sweep pareto: targets, the smallest point meeting them, JSON and CSV") {
  Targets t;
  t.min_fps = 9;
  t.max_avg_power_w = 1.5;
  // >= 9 FPS at <= 1.5 W: A and C (D draws 2 W, G has 20 FPS at 0.1 W but counts: no area target).
  CHECK(meets_targets(t, kPoints[0]));
  CHECK(!meets_targets(t, kPoints[3]));
  const json r = pareto_report(results(), t);
  CHECK(r["points"] == 7);
  CHECK(r["meeting_targets"] == json{0, 2, 6});
  REQUIRE(r["front"].size() == 4);
  CHECK(r["front"][0]["index"] == 0);
  CHECK(r["front"][0]["meets_targets"] == true);
  CHECK(r["front"][2]["index"] == 3);
  CHECK(r["front"][2]["meets_targets"] == false);
  CHECK(r["smallest_area_meeting_targets"]["index"] == 0);  // A: 5 mm² < C: 6 mm² (G has no area)
  t.max_area_mm2 = 4;
  CHECK(pareto_report(results(), t)["smallest_area_meeting_targets"].is_null());
  const std::string csv = pareto_csv(r, {"npu.array.rows"});
  CHECK(
      csv.substr(0, csv.find('\n')) ==
      "index,hash,npu.array.rows,fps,avg_power_w,area_mm2,fps_per_watt,fps_per_mm2,meets_targets");
  CHECK(csv.find("\n0,000000000000000a,16,10.0,1.0,5.0,10.0,,true\n") != std::string::npos);
  int rows = 0;
  for (char c : csv) rows += c == '\n';
  CHECK(rows == 5);
}
