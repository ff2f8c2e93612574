// The Pareto front of a sweep over (FPS: higher is better, average power: lower, area: lower)
// and the points that meet the space's targets. A point dominates another when it is at least as
// good in all three and strictly better in one; the front is every point no other dominates
// (identical figures: both stay). Points without an area (an NPU description with no `area`
// object) are left out of the front and of the targets' area test fails for them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/space.h"

namespace zoomrt::sweep {

struct Objectives {
  double fps = 0, avg_power_w = 0, area_mm2 = 0;  // area NaN: no area model
};

bool dominates(const Objectives& a, const Objectives& b);
// Indices into `points` of the front, in increasing index order.
std::vector<size_t> pareto_front(const std::vector<Objectives>& points);
bool meets_targets(const Targets& t, const Objectives& o);

// One finished point as the report needs it.
struct PointResult {
  size_t index = 0;
  std::string hash;
  nlohmann::json axes;     // {path: value}
  nlohmann::json figures;  // the line's figures
  Objectives objectives;
};

// pareto.json: {objectives, targets, points, front [...], meeting_targets [...],
// smallest_area_meeting_targets (null when none)}; pareto.csv: one row per front point.
nlohmann::json pareto_report(const std::vector<PointResult>& points, const Targets& targets);
std::string pareto_csv(const nlohmann::json& report, const std::vector<std::string>& axis_paths);

}  // namespace zoomrt::sweep
