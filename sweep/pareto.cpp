// Pareto front and targets of a finished sweep (see pareto.h).
#include "sweep/pareto.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace zoomrt::sweep {

namespace {
using nlohmann::json;

json targets_json(const Targets& t) {
  json j = json::object();
  if (t.min_fps > 0) j["min_fps"] = t.min_fps;
  if (t.max_avg_power_w > 0) j["max_avg_power_w"] = t.max_avg_power_w;
  if (t.max_area_mm2 > 0) j["max_area_mm2"] = t.max_area_mm2;
  return j;
}

json entry(const PointResult& p, bool meets) {
  return json{{"index", p.index},
              {"hash", p.hash},
              {"axes", p.axes},
              {"fps", p.figures["fps"]},
              {"avg_power_w", p.figures["avg_power_w"]},
              {"area_mm2", p.figures["area_mm2"]},
              {"fps_per_watt", p.figures["fps_per_watt"]},
              {"fps_per_mm2", p.figures["fps_per_mm2"]},
              {"meets_targets", meets}};
}

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") != std::string::npos) {
    std::string q(1, '"');
    for (char c : s) {
      q.push_back(c);
      if (c == '"') q.push_back('"');
    }
    q.push_back('"');
    return q;
  }
  return s;
}

}  // namespace

bool dominates(const Objectives& a, const Objectives& b) {
  const bool no_worse =
      a.fps >= b.fps && a.avg_power_w <= b.avg_power_w && a.area_mm2 <= b.area_mm2;
  const bool better = a.fps > b.fps || a.avg_power_w < b.avg_power_w || a.area_mm2 < b.area_mm2;
  return no_worse && better;
}

std::vector<size_t> pareto_front(const std::vector<Objectives>& points) {
  // Visit by FPS descending (then power, area ascending): a point can only be dominated by one
  // visited before it, and every dominated point's dominator chain ends at a front point, so
  // comparing with the front found so far is enough.
  std::vector<size_t> order;
  for (size_t i = 0; i < points.size(); ++i)
    if (!std::isnan(points[i].area_mm2)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Objectives &x = points[a], &y = points[b];
    if (x.fps != y.fps) return x.fps > y.fps;
    if (x.avg_power_w != y.avg_power_w) return x.avg_power_w < y.avg_power_w;
    return x.area_mm2 < y.area_mm2;
  });
  std::vector<size_t> front;
  for (size_t i : order) {
    bool dominated = false;
    for (size_t f : front) dominated = dominated || dominates(points[f], points[i]);
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end());
  return front;
}

bool meets_targets(const Targets& t, const Objectives& o) {
  if (t.min_fps > 0 && !(o.fps >= t.min_fps)) return false;
  if (t.max_avg_power_w > 0 && !(o.avg_power_w <= t.max_avg_power_w)) return false;
  if (t.max_area_mm2 > 0 && !(o.area_mm2 <= t.max_area_mm2)) return false;
  return true;
}

json pareto_report(const std::vector<PointResult>& points, const Targets& targets) {
  std::vector<Objectives> obj;
  for (const auto& p : points) obj.push_back(p.objectives);
  json front = json::array(), meeting = json::array();
  for (size_t i : pareto_front(obj))
    front.push_back(entry(points[i], meets_targets(targets, obj[i])));
  const PointResult* smallest = nullptr;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!meets_targets(targets, obj[i])) continue;
    meeting.push_back(points[i].index);
    if (std::isnan(obj[i].area_mm2)) continue;
    if (!smallest || obj[i].area_mm2 < smallest->objectives.area_mm2) smallest = &points[i];
  }
  return json{{"objectives", {{"fps", "max"}, {"avg_power_w", "min"}, {"area_mm2", "min"}}},
              {"targets", targets_json(targets)},
              {"points", points.size()},
              {"front", front},
              {"meeting_targets", meeting},
              {"smallest_area_meeting_targets", smallest ? entry(*smallest, true) : json(nullptr)}};
}

std::string pareto_csv(const json& report, const std::vector<std::string>& axis_paths) {
  std::string out = "index,hash";
  for (const auto& p : axis_paths) {
    out.push_back(',');
    out += csv_field(p);
  }
  out += ",fps,avg_power_w,area_mm2,fps_per_watt,fps_per_mm2,meets_targets\n";
  for (const json& e : report["front"]) {
    out += fmt::format("{},{}", e["index"].get<size_t>(), e["hash"].get<std::string>());
    for (const auto& p : axis_paths) {
      out.push_back(',');
      out += csv_field(e["axes"].value(p, json(nullptr)));
    }
    for (const char* k : {"fps", "avg_power_w", "area_mm2", "fps_per_watt", "fps_per_mm2"}) {
      out.push_back(',');
      out += csv_field(e[k]);
    }
    out += e["meets_targets"].get<bool>() ? ",true\n" : ",false\n";
  }
  return out;
}

}  // namespace zoomrt::sweep
