// JsonConfig: typed access to a config.json-like object whose every error names the file and
// the key ("unet/config.json: key 'layers_per_block' must be an integer"). Types are exact:
// an integer field does not accept 2.0 or "2", a list field does not accept a scalar; floats
// accept integers. A key whose value is null counts as absent (diffusers writes null for
// "use the default"): has() is false and the defaulted getters return the default.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace zoomrt {

class JsonConfig {
 public:
  // Reads and parses a JSON object. InputError "<path>: cannot read: ...",
  // "<path>: invalid JSON: ...", "<path>: must be a JSON object".
  static JsonConfig load(const std::string& path);
  // Wraps an already parsed object; `origin` names it in errors (a path, or "<file> [key]").
  static JsonConfig from_json(nlohmann::json j, std::string origin);

  bool has(std::string_view key) const;  // present and not null

  // Required getters: InputError "<path>: key 'k' missing" or "<path>: key 'k' must be ...".
  int64_t get_int(std::string_view key) const;
  double get_float(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  // Optional getters: absent or null gives the default; a value of the wrong type is an error.
  int64_t get_int(std::string_view key, int64_t dflt) const;
  double get_float(std::string_view key, double dflt) const;
  bool get_bool(std::string_view key, bool dflt) const;
  std::string get_string(std::string_view key, std::string dflt) const;
  // Integers that size, index or bound something: the value as an int, checked to lie in
  // [lo, hi] ("<path>: key 'k' is 99999, expected 0..999"); never a silent truncation.
  int get_int_in(std::string_view key, int64_t lo, int64_t hi) const;
  int get_int_in(std::string_view key, int64_t dflt, int64_t lo, int64_t hi) const;
  // A finite number in [lo, hi].
  double get_float_in(std::string_view key, double dflt, double lo, double hi) const;

  // Required lists of exactly that element type.
  std::vector<int64_t> get_int_list(std::string_view key) const;
  std::vector<double> get_float_list(std::string_view key) const;
  std::vector<std::string> get_string_list(std::string_view key) const;
  // For diffusers fields that are an int or a per-block list (attention_head_dim,
  // transformer_layers_per_block): n copies of an int, a list of exactly n ints, or n copies of
  // dflt when absent/null. A list of another length is an error.
  std::vector<int64_t> get_int_or_list(std::string_view key, size_t n, int64_t dflt) const;

  // A nested object (e.g. "text_config"); its errors name keys as "parent.key".
  JsonConfig child(std::string_view key) const;

  const nlohmann::json& json() const { return j_; }
  const std::string& path() const { return path_; }

 private:
  JsonConfig(nlohmann::json j, std::string path, std::string prefix);
  const nlohmann::json* lookup(std::string_view key) const;  // nullptr when absent or null
  const nlohmann::json& require(std::string_view key) const;
  [[noreturn]] void fail_type(std::string_view key, const nlohmann::json& v,
                              std::string_view expected) const;

  nlohmann::json j_;
  std::string path_;    // file (or origin) named in errors
  std::string prefix_;  // "parent." for child objects
};

// Writes pretty JSON (2-space indent, trailing newline) to "<path>.tmp.<pid>", then renames.
// InputError on I/O failure or strings that are not valid UTF-8.
void write_json_atomic(const std::string& path, const nlohmann::json& j);

}  // namespace zoomrt
