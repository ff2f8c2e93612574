// Renderings of a CompareResult for `zoomrt tiling compare`: a terminal table, JSON, CSV and a
// grouped bar chart (PNG). Units: bytes, J, s; row-hit rate as a fraction in JSON/CSV.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/compare.h"

namespace zoomrt::sched {

std::string compare_table(const CompareResult& r);
nlohmann::json compare_json(const CompareResult& r);
// One row per (layer, strategy); a final "TOTAL" row per strategy.
std::string compare_csv(const CompareResult& r);
// Grouped bars: one group per layer, one bar per strategy, height = DRAM energy of the layer
// (linear, scaled to the largest). Colours follow strategy order: chart_colour_names().
std::vector<unsigned char> compare_chart_png(const CompareResult& r);
std::vector<std::string> chart_colour_names();

}  // namespace zoomrt::sched
