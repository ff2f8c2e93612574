// Reading and checking a sweep space file (see space.h).
#include "sweep/space.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "sim/npu_config.h"
#include "base/error.h"

namespace zoomrt::sweep {

namespace {
using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr size_t kMaxAxisValues = 1000000;

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail_input("{}: cannot read {}", what, path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A JSON NPU description by preset name or .json path, as JSON (checked by the NPU reader).
json npu_description(const std::string& name, const std::string& where) {
  std::string text, origin;
  const auto presets = sim::npu_preset_names();
  if (std::find(presets.begin(), presets.end(), name) != presets.end()) {
    text = sim::npu_preset_json(name);
    origin = "preset " + name;
  } else {
    if (ends_with(name, ".cfg"))
      fail_input("{}: {}: a sweep needs a JSON NPU description, not a SCALE-Sim .cfg", where, name);
    std::string names;
    for (const auto& n : presets) names += (names.empty() ? "" : ", ") + n;
    std::ifstream probe(name);
    if (!probe)
      fail_input("{}: {}: not an NPU preset ({}) nor a readable file", where, name, names);
    text = read_file(name, where);
    origin = name;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail_input("{}: {}: not a JSON object", where, origin);
  try {
    sim::parse_npu_json(text, origin);
  } catch (const InputError& e) {
    fail_input("{}: {}", where, e.what());
  }
  return j;
}

const char* kind_of(const json& v) {
  if (v.is_boolean()) return "true or false";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  return "a scalar";
}

// `v` may stand where `like` stands (same JSON kind; a float where an integer is expected fails).
bool same_kind(const json& v, const json& like) {
  if (like.is_boolean()) return v.is_boolean();
  if (like.is_number_integer()) return v.is_number_integer();
  if (like.is_number()) return v.is_number();
  if (like.is_string()) return v.is_string();
  return false;
}

std::vector<json> expand_values(const ojson& spec, const std::string& where) {
  std::vector<json> out;
  if (spec.is_array()) {
    if (spec.empty()) fail_input("{}: an empty list of values", where);
    if (spec.size() > kMaxAxisValues) fail_input("{}: more than {} values", where, kMaxAxisValues);
    for (const auto& v : spec) {
      if (!v.is_primitive() || v.is_null())
        fail_input("{}: values must be numbers, strings or true/false", where);
      out.push_back(json::parse(v.dump()));
    }
    return out;
  }
  if (!spec.is_object() || spec.size() != 1 ||
      !(spec.contains("range") || spec.contains("geometric")))
    fail_input(
        "{}: expected a list of values, {{\"range\": [min, max, step]}} or {{\"geometric\": [min, "
        "max, factor]}}",
        where);
  const bool range = spec.contains("range");
  const ojson& a = range ? spec["range"] : spec["geometric"];
  const char* name = range ? "range" : "geometric";
  if (!a.is_array() || a.size() != 3 || !a[0].is_number() || !a[1].is_number() || !a[2].is_number())
    fail_input("{}.{}: expected three numbers [min, max, {}]", where, name,
               range ? "step" : "factor");
  const double lo = a[0].get<double>(), hi = a[1].get<double>(), k = a[2].get<double>();
  const bool integral = a[0].is_number_integer() && a[2].is_number_integer();
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi >= lo))
    fail_input("{}.{}: max must be >= min", where, name);
  if (range && !(k > 0)) fail_input("{}.range: step must be positive", where);
  if (!range && !(k > 1 && lo > 0)) fail_input("{}.geometric: needs min > 0 and factor > 1", where);
  const double count = range ? std::floor((hi - lo) / k + 1e-9) + 1
                             : std::floor(std::log(hi / lo) / std::log(k) + 1e-9) + 1;
  if (!(count <= double(kMaxAxisValues)))
    fail_input("{}.{}: more than {} values", where, name, kMaxAxisValues);
  for (int64_t i = 0; i < int64_t(count); ++i) {
    const double v = range ? lo + double(i) * k : lo * std::pow(k, double(i));
    if (integral) {
      out.push_back(json(int64_t(std::llround(v))));
    } else {
      out.push_back(json(v));
    }
  }
  return out;
}

// The base value at npu path `rest` ("array.rows"), or null when a parent object is missing.
const json* find_npu(const json& npu, const std::string& rest) {
  const json* cur = &npu;
  std::stringstream ss(rest);
  std::string seg;
  while (std::getline(ss, seg, '.')) {
    if (!cur->is_object() || !cur->contains(seg)) return nullptr;
    cur = &(*cur)[seg];
  }
  return cur;
}

void check_npu_axis(const Space& s, const Axis& a, const std::string& where) {
  const std::string rest = a.path.substr(4);
  if (rest == "dram.standard" || rest == "power.vf_scale") {
    for (const auto& v : a.values) {
      if (rest == "dram.standard" && !v.is_string())
        fail_input(
            "{}: values must be NPU preset names or .json paths (the `dram` object is taken)",
            where);
      if (rest == "power.vf_scale" && !(v.is_number() && v.get<double>() > 0))
        fail_input("{}: values must be positive numbers (each V-F point's frequency is multiplied)",
                   where);
    }
    if (rest == "dram.standard")
      for (const auto& v : a.values) {
        const json d = npu_description(v.get<std::string>(), where);
        if (!d.contains("dram"))
          fail_input("{}: {}: has no `dram` object", where, v.get<std::string>());
      }
    return;
  }
  const auto dot = rest.rfind('.');
  const std::string parent = dot == std::string::npos ? "" : rest.substr(0, dot);
  const json* p = parent.empty() ? &s.base_npu : find_npu(s.base_npu, parent);
  if (!p || !p->is_object())
    fail_input("{}: unknown path (the NPU description has no object {})", where, parent);
  const json* leaf = find_npu(s.base_npu, rest);
  if (leaf && !leaf->is_primitive())
    fail_input(
        "{}: not a scalar field of the NPU description (sweep its fields, or npu.power.vf_scale)",
        where);
  if (leaf)
    for (const auto& v : a.values)
      if (!same_kind(v, *leaf) && !(leaf->is_number() && v.is_number()))
        fail_input("{}: {} is not {} like the base value", where, v.dump(), kind_of(*leaf));
}

PathValue resolve_path(const Space& s, const std::string& path) {
  for (size_t i = 0; i < s.axes.size(); ++i) {
    if (s.axes[i].path != path) continue;
    for (const auto& v : s.axes[i].values)
      if (!v.is_number()) fail_input("axis {} is not numeric", path);
    return {int(i), 0};
  }
  const json* v = nullptr;
  if (path.rfind("npu.", 0) == 0) {
    for (const auto& a : s.axes)
      if ((a.path == "npu.dram.standard" && path.rfind("npu.dram.", 0) == 0) ||
          ((a.path == "npu.array.rows" || a.path == "npu.array.cols") &&
           path.rfind("npu.array.macs_per_cycle", 0) == 0) ||
          (a.path == "npu.power.vf_scale" && path.rfind("npu.power.vf", 0) == 0))
        fail_input("{} depends on axis {}: not usable in a constraint", path, a.path);
    v = find_npu(s.base_npu, path.substr(4));
  } else if (path.rfind("run.", 0) == 0 && s.base_run.contains(path.substr(4))) {
    v = &s.base_run[path.substr(4)];
  }
  if (!v) fail_input("{}: unknown path (an axis, npu.<field> or run.<option>)", path);
  if (!v->is_number()) fail_input("{}: not a number", path);
  return {-1, v->get<double>()};
}

double positive_number(const ojson& t, const char* key, const std::string& origin) {
  if (!t.contains(key)) return 0;
  if (!t[key].is_number() || !(t[key].get<double>() > 0))
    fail_input("{}: targets.{}: expected a positive number", origin, key);
  return t[key].get<double>();
}

}  // namespace

bool axis_is_tiling_free(const std::string& path) {
  return path.rfind("npu.area.", 0) == 0 || path == "run.power_policy" || path == "run.power_cap" ||
         path == "npu.power.dfs_step_mhz";
}

Space parse_space(const std::string& text, const std::string& origin, const json& run_defaults) {
  Space s;
  s.origin = origin;
  ojson j;
  try {
    j = ojson::parse(text);
  } catch (const ojson::parse_error& e) {
    fail_input("{}: not valid JSON: {}", origin, e.what());
  }
  if (!j.is_object()) fail_input("{}: (top level): expected an object", origin);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "base" && it.key() != "axes" && it.key() != "constraints" &&
        it.key() != "targets")
      fail_input("{}: {}: unknown key (base, axes, constraints, targets)", origin, it.key());
  if (!j.contains("base") || !j["base"].is_object())
    fail_input("{}: base: missing or not an object", origin);
  const ojson& base = j["base"];
  for (auto it = base.begin(); it != base.end(); ++it)
    if (it.key() != "npu" && it.key() != "run")
      fail_input("{}: base.{}: unknown key (npu, run)", origin, it.key());

  // The NPU: a preset name, a path, or an inline description.
  const ojson npu = base.contains("npu") ? base["npu"] : ojson("phone-npu");
  if (npu.is_string()) {
    s.base_npu = npu_description(npu.get<std::string>(), origin + ": base.npu");
  } else if (npu.is_object()) {
    const std::string inline_text = npu.dump();
    try {
      sim::parse_npu_json(inline_text, origin + ": base.npu");
    } catch (const InputError& e) {
      fail_input("{}", e.what());
    }
    s.base_npu = json::parse(inline_text);
  } else {
    fail_input("{}: base.npu: expected a preset name, a .json path or an NPU description object",
               origin);
  }
  s.base_npu.erase("sources");
  s.base_npu.erase("description");

  s.base_run = run_defaults;
  if (base.contains("run")) {
    if (!base["run"].is_object()) fail_input("{}: base.run: expected an object", origin);
    for (auto it = base["run"].begin(); it != base["run"].end(); ++it) {
      if (!run_defaults.contains(it.key()))
        fail_input("{}: base.run.{}: unknown run option", origin, it.key());
      const json v = json::parse(it.value().dump());
      if (!same_kind(v, run_defaults[it.key()]) &&
          !(run_defaults[it.key()].is_number_float() && v.is_number()))
        fail_input("{}: base.run.{}: expected {}", origin, it.key(),
                   kind_of(run_defaults[it.key()]));
      s.base_run[it.key()] = v;
    }
  }

  if (!j.contains("axes") || !j["axes"].is_object())
    fail_input("{}: axes: missing or not an object", origin);
  for (auto it = j["axes"].begin(); it != j["axes"].end(); ++it) {
    const std::string where = origin + ": axes." + it.key();
    Axis a;
    a.path = it.key();
    a.values = expand_values(it.value(), where);
    a.tiling_free = axis_is_tiling_free(a.path);
    if (a.path.rfind("npu.", 0) == 0 && a.path.size() > 4) {
      check_npu_axis(s, a, where);
    } else if (a.path.rfind("run.", 0) == 0) {
      const std::string key = a.path.substr(4);
      if (!run_defaults.contains(key))
        fail_input("{}: unknown path (no run option {})", where, key);
      const json& like = run_defaults[key];
      for (const auto& v : a.values)
        if (!same_kind(v, like) && !(like.is_number_float() && v.is_number()))
          fail_input("{}: {} is not {}", where, v.dump(), kind_of(like));
    } else {
      fail_input("{}: unknown path (axes are npu.<field> or run.<option>)", where);
    }
    s.axes.push_back(std::move(a));
  }
  // Tiling-free axes innermost, so consecutive points share the plan caches.
  std::stable_partition(s.axes.begin(), s.axes.end(), [](const Axis& a) { return !a.tiling_free; });

  if (j.contains("constraints")) {
    if (!j["constraints"].is_array())
      fail_input("{}: constraints: expected a list of strings", origin);
    for (size_t i = 0; i < j["constraints"].size(); ++i) {
      const ojson& c = j["constraints"][i];
      const std::string where = fmt::format("{}: constraints[{}]", origin, i);
      if (!c.is_string()) fail_input("{}: expected a string", where);
      s.constraints.emplace_back(c.get<std::string>(), where,
                                 [&](const std::string& p) { return resolve_path(s, p); });
    }
  }
  if (j.contains("targets")) {
    const ojson& t = j["targets"];
    if (!t.is_object()) fail_input("{}: targets: expected an object", origin);
    for (auto it = t.begin(); it != t.end(); ++it)
      if (it.key() != "min_fps" && it.key() != "max_avg_power_w" && it.key() != "max_area_mm2")
        fail_input("{}: targets.{}: unknown key (min_fps, max_avg_power_w, max_area_mm2)", origin,
                   it.key());
    s.targets.min_fps = positive_number(t, "min_fps", origin);
    s.targets.max_avg_power_w = positive_number(t, "max_avg_power_w", origin);
    s.targets.max_area_mm2 = positive_number(t, "max_area_mm2", origin);
  }
  return s;
}

Space load_space(const std::string& path, const json& run_defaults) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail_input("{}: cannot read the space file", path);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (ss.str().size() > (size_t(16) << 20)) fail_input("{}: larger than 16 MiB", path);
  return parse_space(ss.str(), path, run_defaults);
}

}  // namespace zoomrt::sweep
