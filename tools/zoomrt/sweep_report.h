// The end of a sweep (tools/zoomrt/cmd_sweep.cpp): once every point of the space has its line,
// points.jsonl is rewritten in point order (lines of points no longer in the space follow, by
// hash), and pareto.json / pareto.csv are written atomically (sweep/pareto.h); the chart
// (pareto.png) is drawn from them by tools/plot/sweep_chart.py (plot.h) when python3 has
// matplotlib, otherwise one line says what to install. Does nothing but report while points are
// missing.
#pragma once
#include <string>
#include <vector>

#include "sweep/points.h"

namespace zoomrt::cli {

// `hashes[i]` = config_hash of point i. Returns false when points are still missing.
bool finish_sweep(const sweep::PointSet& ps, const std::vector<std::string>& hashes,
                  const std::string& dir);

// The Python environment of the Ray engine (ZOOMRT_SWEEPENV, default ../sweepenv beside the checkout).
std::string sweep_env();

}  // namespace zoomrt::cli
