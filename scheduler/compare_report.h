// Renderings of a CompareResult for `zoomrt tiling compare`: a terminal table, JSON and CSV (the
// chart is drawn from the JSON by tools/plot/tiling_chart.py). Units: bytes, J, s; row-hit rate
// as a fraction in JSON/CSV.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "scheduler/compare.h"

namespace zoomrt::sched {

std::string compare_table(const CompareResult& r);
nlohmann::json compare_json(const CompareResult& r);
// One row per (layer, strategy); a final "TOTAL" row per strategy.
std::string compare_csv(const CompareResult& r);

}  // namespace zoomrt::sched
