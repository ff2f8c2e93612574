#include "base/json_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include "base/atomic_file.h"
#include "base/checked_number.h"
#include "base/input_file.h"
#include "base/error.h"

namespace zoomrt {
namespace {

using Json = nlohmann::json;

bool as_int(const Json& v, int64_t& out) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max())) return false;
    out = int64_t(u);
    return true;
  }
  if (v.is_number_integer()) {
    out = v.get<int64_t>();
    return true;
  }
  return false;
}

// A short rendering of a bad value for the error line.
std::string snippet(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

}  // namespace

JsonConfig::JsonConfig(Json j, std::string path, std::string prefix)
    : j_(std::move(j)), path_(std::move(path)), prefix_(std::move(prefix)) {}

JsonConfig JsonConfig::load(const std::string& path) {
  // Capped: stops a wrong path (a weights file, /dev/zero) from being slurped into memory.
  const std::string text = read_input_file(path, kMaxConfigBytes, "JSON config");
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    fail_input("{}: invalid JSON: {}", path, e.what());
  }
  return from_json(std::move(j), path);
}

JsonConfig JsonConfig::from_json(Json j, std::string origin) {
  if (!j.is_object()) fail_input("{}: must be a JSON object", origin);
  return JsonConfig(std::move(j), std::move(origin), "");
}

const Json* JsonConfig::lookup(std::string_view key) const {
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& JsonConfig::require(std::string_view key) const {
  const Json* v = lookup(key);
  if (!v) fail_input("{}: key '{}{}' missing", path_, prefix_, key);
  return *v;
}

void JsonConfig::fail_type(std::string_view key, const Json& v, std::string_view expected) const {
  fail_input("{}: key '{}{}' must be {} (got {})", path_, prefix_, key, expected, snippet(v));
}

bool JsonConfig::has(std::string_view key) const { return lookup(key) != nullptr; }

int64_t JsonConfig::get_int(std::string_view key) const {
  const Json& v = require(key);
  int64_t out = 0;
  if (!as_int(v, out)) fail_type(key, v, "an integer");
  return out;
}

int64_t JsonConfig::get_int(std::string_view key, int64_t dflt) const {
  return has(key) ? get_int(key) : dflt;
}

int JsonConfig::get_int_in(std::string_view key, int64_t lo, int64_t hi) const {
  return checked_int(get_int(key), lo, hi, fmt::format("{}: key '{}{}'", path_, prefix_, key));
}

int JsonConfig::get_int_in(std::string_view key, int64_t dflt, int64_t lo, int64_t hi) const {
  return has(key) ? get_int_in(key, lo, hi) : checked_int(dflt, lo, hi, "default value");
}

double JsonConfig::get_float_in(std::string_view key, double dflt, double lo, double hi) const {
  if (!has(key)) return dflt;
  return checked_real(get_float(key), lo, hi, fmt::format("{}: key '{}{}'", path_, prefix_, key));
}

double JsonConfig::get_float(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_number()) fail_type(key, v, "a number");
  return v.get<double>();
}

double JsonConfig::get_float(std::string_view key, double dflt) const {
  return has(key) ? get_float(key) : dflt;
}

bool JsonConfig::get_bool(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_boolean()) fail_type(key, v, "true or false");
  return v.get<bool>();
}

bool JsonConfig::get_bool(std::string_view key, bool dflt) const {
  return has(key) ? get_bool(key) : dflt;
}

std::string JsonConfig::get_string(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_string()) fail_type(key, v, "a string");
  return v.get<std::string>();
}

std::string JsonConfig::get_string(std::string_view key, std::string dflt) const {
  return has(key) ? get_string(key) : std::move(dflt);
}

std::vector<int64_t> JsonConfig::get_int_list(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_array()) fail_type(key, v, "a list of integers");
  std::vector<int64_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    if (!as_int(v[i], out[i])) fail_type(key, v, "a list of integers");
  return out;
}

std::vector<double> JsonConfig::get_float_list(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_array()) fail_type(key, v, "a list of numbers");
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) fail_type(key, v, "a list of numbers");
    out[i] = v[i].get<double>();
  }
  return out;
}

std::vector<std::string> JsonConfig::get_string_list(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_array()) fail_type(key, v, "a list of strings");
  std::vector<std::string> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) fail_type(key, v, "a list of strings");
    out[i] = v[i].get<std::string>();
  }
  return out;
}

std::vector<int64_t> JsonConfig::get_int_or_list(std::string_view key, size_t n,
                                                 int64_t dflt) const {
  const Json* v = lookup(key);
  if (!v) return std::vector<int64_t>(n, dflt);
  int64_t scalar = 0;
  if (as_int(*v, scalar)) return std::vector<int64_t>(n, scalar);
  if (!v->is_array()) fail_type(key, *v, "an integer or a list of integers");
  std::vector<int64_t> out = get_int_list(key);
  if (out.size() != n)
    fail_input("{}: key '{}{}' must have {} entries, has {}", path_, prefix_, key, n, out.size());
  return out;
}

JsonConfig JsonConfig::child(std::string_view key) const {
  const Json& v = require(key);
  if (!v.is_object()) fail_type(key, v, "an object");
  return JsonConfig(v, path_, fmt::format("{}{}.", prefix_, key));
}

void write_json_atomic(const std::string& path, const Json& j) {
  std::string text;
  try {
    text = j.dump(2, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception& e) {
    fail_input("{}: cannot write JSON: {}", path, e.what());
  }
  text += '\n';
  AtomicFile out(path);
  out.write(text);
  out.commit();
}

}  // namespace zoomrt
