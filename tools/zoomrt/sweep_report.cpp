// Finishing a sweep: ordered points file, Pareto report, chart (see sweep_report.h).
#include "tools/zoomrt/sweep_report.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "sweep/pareto.h"
#include "sweep/points_file.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "tools/zoomrt/plot.h"

namespace zoomrt::cli {

namespace {
using nlohmann::json;

void write_atomic(const std::string& path, const std::string& text) {
  AtomicFile f(path);
  f.write(text);
  f.commit();
}

// pareto.png (tools/plot/sweep_chart.py). The chart is a by-product of every sweep, not asked
// for: without python3 or matplotlib the sweep says what to install and still succeeds.
void draw_pareto_chart(const std::string& dir) {
  try {
    draw_chart("chart", "sweep", dir, dir + "/pareto.png");
  } catch (const InputError& e) {
    std::fprintf(stderr, "zoomrt sweep: %s\n", e.what());
  }
}

}  // namespace

std::string sweep_env() {
  if (const char* e = std::getenv("ZOOMRT_SWEEPENV")) return e;
  return std::string(ZOOMRT_SOURCE_DIR) + "/../sweepenv";
}

bool finish_sweep(const sweep::PointSet& ps, const std::vector<std::string>& hashes,
                  const std::string& dir) {
  const std::string points_path = dir + "/points.jsonl";
  auto lines = sweep::read_points(points_path, true);
  size_t missing = 0;
  for (const auto& h : hashes) missing += !lines.count(h);
  if (missing) {
    std::fprintf(stderr, "zoomrt sweep: %zu of %zu points still to run; rerun to resume\n", missing,
                 hashes.size());
    return false;
  }
  std::vector<std::string> ordered;
  std::vector<sweep::PointResult> results;
  for (size_t i = 0; i < hashes.size(); ++i) {
    const std::string& line = lines.at(hashes[i]);
    ordered.push_back(line);
    const json j = json::parse(line);
    sweep::PointResult r;
    r.index = i;
    r.hash = hashes[i];
    r.axes = ps.axis_values(i);
    r.figures = j.at("figures");
    r.objectives.fps = r.figures.at("fps").get<double>();
    r.objectives.avg_power_w = r.figures.at("avg_power_w").get<double>();
    r.objectives.area_mm2 = r.figures.at("area_mm2").is_number()
                                ? r.figures["area_mm2"].get<double>()
                                : std::numeric_limits<double>::quiet_NaN();
    results.push_back(std::move(r));
    lines.erase(hashes[i]);
  }
  for (const auto& [h, line] : lines) ordered.push_back(line);  // points of an earlier space
  sweep::rewrite_points(points_path, ordered);
  const json report = sweep::pareto_report(results, ps.space().targets);
  std::vector<std::string> paths;
  for (const auto& a : ps.space().axes) paths.push_back(a.path);
  write_atomic(dir + "/pareto.json", report.dump(2) + "\n");
  write_atomic(dir + "/pareto.csv", sweep::pareto_csv(report, paths));
  std::fprintf(stderr, "zoomrt sweep: %zu points, %zu on the Pareto front, %zu meet the targets\n",
               results.size(), report["front"].size(), report["meeting_targets"].size());
  const json& best = report["smallest_area_meeting_targets"];
  if (!best.is_null())
    std::fprintf(
        stderr,
        "zoomrt sweep: smallest meeting the targets: point %zu (%s): %.4g mm², %.4g FPS, %.4g W\n",
        best["index"].get<size_t>(), best["axes"].dump().c_str(), best["area_mm2"].get<double>(),
        best["fps"].get<double>(), best["avg_power_w"].get<double>());
  draw_pareto_chart(dir);
  return true;
}

}  // namespace zoomrt::cli
