// Enumeration and configurations of sweep points (see points.h).
#include "sweep/points.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "sim/npu_config.h"
#include "base/error.h"

namespace zoomrt::sweep {

namespace {
using nlohmann::json;

constexpr size_t kMaxCombinations = 10000000, kMaxPoints = 1000000;

json dram_object(const std::string& name, const std::string& where) {
  std::string text;
  const auto presets = sim::npu_preset_names();
  bool preset = false;
  for (const auto& n : presets) preset = preset || n == name;
  if (preset) {
    text = sim::npu_preset_json(name);
  } else {
    std::ifstream f(name, std::ios::binary);
    if (!f) fail_input("{}: {}: not readable", where, name);
    std::ostringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("dram"))
    fail_input("{}: {}: has no `dram` object", where, name);
  return j["dram"];
}

void set_path(json& root, const std::string& dotted, const json& v) {
  json* cur = &root;
  std::stringstream ss(dotted);
  std::string seg;
  std::vector<std::string> segs;
  while (std::getline(ss, seg, '.')) segs.push_back(seg);
  for (size_t i = 0; i + 1 < segs.size(); ++i) cur = &(*cur)[segs[i]];
  (*cur)[segs.back()] = v;
}

// Scales a number, keeping an integer an integer when the result is whole.
json scaled(const json& v, double k) {
  const double r = v.get<double>() * k;
  if (v.is_number_integer() && r == std::floor(r) && std::fabs(r) < 9e15) return json(int64_t(r));
  return json(r);
}

}  // namespace

uint64_t fnv1a64(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hash_hex(uint64_t h) { return fmt::format("{:016x}", h); }

std::string canonical(const json& config) { return config.dump(); }  // std::map keys: sorted

std::string config_hash(const json& config) { return hash_hex(fnv1a64(canonical(config))); }

PointSet::PointSet(const Space& space) : space_(space) {
  double total = 1;
  for (const Axis& a : space.axes) total *= double(a.values.size());
  if (total > double(kMaxCombinations))
    fail_input("{}: axes: {:.0f} combinations, more than the {} a sweep enumerates", space.origin,
               total, kMaxCombinations);
  combinations_ = size_t(total);
  for (const Axis& a : space.axes)
    if (a.path == "npu.dram.standard")
      for (const json& v : a.values) {
        const std::string name = v.get<std::string>();
        if (!dram_of_.count(name))
          dram_of_[name] = dram_object(name, space.origin + ": axes.npu.dram.standard");
      }
  const size_t n_axes = space.axes.size();
  std::vector<uint32_t> digit(n_axes, 0);
  std::vector<double> value(n_axes, 0);
  for (size_t c = 0; c < combinations_; ++c) {
    for (size_t a = 0; a < n_axes; ++a) {
      const json& v = space.axes[a].values[digit[a]];
      value[a] = v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
    }
    bool keep = true;
    for (const Constraint& k : space.constraints) keep = keep && k.holds(value);
    if (keep) {
      if (combos_.size() >= kMaxPoints)
        fail_input("{}: more than {} points after the constraints", space.origin, kMaxPoints);
      combos_.push_back(digit);
    }
    for (size_t a = n_axes; a-- > 0;) {  // the last axis varies fastest
      if (++digit[a] < space.axes[a].values.size()) break;
      digit[a] = 0;
    }
  }
  if (combos_.empty())
    fail_input("{}: constraints: no point of the {} combinations satisfies every constraint",
               space.origin, combinations_);
}

std::string PointSet::label(size_t i) const {
  std::string s;
  for (size_t a = 0; a < space_.axes.size(); ++a)
    s += fmt::format("{}{}={}", s.empty() ? "" : ", ", space_.axes[a].path,
                     space_.axes[a].values[combos_[i][a]].dump());
  return s.empty() ? "base" : s;
}

json PointSet::axis_values(size_t i) const {
  json j = json::object();
  for (size_t a = 0; a < space_.axes.size(); ++a)
    j[space_.axes[a].path] = space_.axes[a].values[combos_[i][a]];
  return j;
}

json PointSet::config(size_t i) const {
  json npu = space_.base_npu, run = space_.base_run;
  const auto& axes = space_.axes;
  const auto value = [&](size_t a) -> const json& { return axes[a].values[combos_[i][a]]; };
  bool macs_axis = false, shape_axis = false;
  // The dram object first, so a field axis (npu.dram.channels) applies on top of it.
  for (size_t a = 0; a < axes.size(); ++a)
    if (axes[a].path == "npu.dram.standard") npu["dram"] = dram_of_.at(value(a).get<std::string>());
  for (size_t a = 0; a < axes.size(); ++a) {
    const std::string& p = axes[a].path;
    if (p.rfind("run.", 0) == 0) {
      run[p.substr(4)] = value(a);
    } else if (p != "npu.dram.standard" && p != "npu.power.vf_scale") {
      set_path(npu, p.substr(4), value(a));
      macs_axis = macs_axis || p.rfind("npu.array.macs_per_cycle", 0) == 0;
      shape_axis = shape_axis || p == "npu.array.rows" || p == "npu.array.cols";
    }
  }
  for (size_t a = 0; a < axes.size(); ++a)
    if (axes[a].path == "npu.power.vf_scale" && npu.contains("power") &&
        npu["power"].contains("vf") && npu["power"]["vf"].is_array())
      for (json& op : npu["power"]["vf"])
        if (op.is_object() && op.contains("freq_mhz") && op["freq_mhz"].is_number())
          op["freq_mhz"] = scaled(op["freq_mhz"], value(a).get<double>());
  // A larger array has a proportionally higher peak rate unless an axis sets the rate itself.
  const json& b = space_.base_npu;
  if (shape_axis && !macs_axis && b.contains("array") && npu["array"]["rows"].is_number() &&
      npu["array"]["cols"].is_number() && b["array"].contains("macs_per_cycle") &&
      b["array"]["macs_per_cycle"].is_object()) {
    const double base_pe = b["array"]["rows"].get<double>() * b["array"]["cols"].get<double>();
    const double pe = npu["array"]["rows"].get<double>() * npu["array"]["cols"].get<double>();
    if (base_pe > 0)
      for (auto& [k, v] : npu["array"]["macs_per_cycle"].items())
        if (v.is_number() && b["array"]["macs_per_cycle"][k].is_number())
          v = scaled(b["array"]["macs_per_cycle"][k], pe / base_pe);
  }
  const std::string origin = fmt::format("{}: point {} ({})", space_.origin, i, label(i));
  sim::parse_npu_json(npu.dump(), origin);
  return json{{"npu", std::move(npu)}, {"run", std::move(run)}};
}

}  // namespace zoomrt::sweep
