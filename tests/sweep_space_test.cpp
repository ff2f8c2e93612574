// Sweep spaces (sweep/space.h, sweep/points.h, issue 13 item 1): value lists and ranges expanded
// as counted by hand, enumeration order, constraint pruning counted by hand, derived axes
// (dram.standard, vf_scale, rows/cols -> macs_per_cycle) against the presets' own numbers, the
// hash against published FNV-1a test vectors, and bad spaces as one-line InputErrors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/npu_config.h"
#include "sweep/points.h"
#include "sweep/space.h"
#include "base/error.h"

using namespace zoomrt::sweep;
using nlohmann::json;

namespace {
// A run-option table like the CLI's (the library takes it from its caller).
const json kRunDefaults = {{"model", "tiny"},
                           {"size", 64},
                           {"dtype", "int8"},
                           {"power_policy", "fixed"},
                           {"power_cap", 0.0}};

Space space_of(const std::string& axes, const std::string& extra = "") {
  return parse_space(R"({"base": {"npu": "phone-npu"}, "axes": )" + axes + extra + "}",
                     "space.json", kRunDefaults);
}

std::string error_of(const std::string& text) {
  try {
    Space s = parse_space(text, "space.json", kRunDefaults);
    PointSet ps(s);
    for (size_t i = 0; i < ps.size(); ++i) ps.config(i);
  } catch (const zoomrt::InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<double> numbers(const Axis& a) {
  std::vector<double> v;
  for (const auto& x : a.values) v.push_back(x.get<double>());
  return v;
}
}  // namespace

TEST_CASE("sweep space: lists, ranges and geometric series expand as counted by hand") {
  const Space s = space_of(
      R"({"npu.array.rows": {"range": [16, 64, 16]}, "npu.sram.bytes": {"geometric": [1048576, 8388608, 2]},
          "npu.power.vf_scale": {"range": [0.5, 1.0, 0.25]}, "run.dtype": ["int8", "int4"]})");
  REQUIRE(s.axes.size() == 4);
  CHECK(numbers(s.axes[0]) == std::vector<double>{16, 32, 48, 64});
  CHECK(s.axes[0].values[0].is_number_integer());
  CHECK(numbers(s.axes[1]) == std::vector<double>{1048576, 2097152, 4194304, 8388608});
  CHECK(numbers(s.axes[2]) == std::vector<double>{0.5, 0.75, 1.0});
  CHECK(s.axes[3].values == std::vector<json>{"int8", "int4"});
  const PointSet ps(s);
  CHECK(ps.size() == 4 * 4 * 3 * 2);
}

TEST_CASE("sweep space: the first axis varies slowest, tiling-free axes fastest") {
  const Space s = space_of(R"({"run.power_policy": ["fixed", "dvfs"], "npu.array.rows": [16, 32],
                              "run.dtype": ["int8", "int4"]})");
  REQUIRE(s.axes.size() == 3);
  CHECK(s.axes[0].path == "npu.array.rows");
  CHECK(s.axes[1].path == "run.dtype");
  CHECK(s.axes[2].path == "run.power_policy");
  const PointSet ps(s);
  REQUIRE(ps.size() == 8);
  CHECK(ps.label(0) == R"(npu.array.rows=16, run.dtype="int8", run.power_policy="fixed")");
  CHECK(ps.label(1) == R"(npu.array.rows=16, run.dtype="int8", run.power_policy="dvfs")");
  CHECK(ps.label(2) == R"(npu.array.rows=16, run.dtype="int4", run.power_policy="fixed")");
  CHECK(ps.label(7) == R"(npu.array.rows=32, run.dtype="int4", run.power_policy="dvfs")");
}

TEST_CASE("sweep space: constraints prune the combinations counted by hand") {
  // rows x cols <= 4096 keeps 8 of the 9 pairs (only 64 x 128 = 8192 fails); rows >= 32 then
  // leaves 32x32, 32x64, 32x128, 64x32, 64x64 = 5.
  const std::string axes = R"({"npu.array.rows": [16, 32, 64], "npu.array.cols": [32, 64, 128]})";
  const Space one =
      space_of(axes, R"(, "constraints": ["npu.array.rows * npu.array.cols <= 4096"])");
  CHECK(PointSet(one).size() == 8);
  CHECK(PointSet(one).combinations() == 9);
  const Space two = space_of(
      axes, R"(, "constraints": ["npu.array.rows*npu.array.cols<=4096", "npu.array.rows >= 32"])");
  const PointSet ps(two);
  REQUIRE(ps.size() == 5);
  CHECK(ps.label(0) == "npu.array.rows=32, npu.array.cols=32");
  CHECK(ps.label(4) == "npu.array.rows=64, npu.array.cols=64");
  // Arithmetic, precedence, parentheses, unary minus and a base value (phone-npu: 4 channels).
  const Space three = space_of(
      axes,
      R"(, "constraints": ["(npu.array.rows + npu.array.cols) / 2 - -1 == 49 * npu.dram.channels / 4"])");
  CHECK(PointSet(three).size() == 2);  // (32 + 64) / 2 + 1 = 49 and (64 + 32) / 2 + 1 = 49
}

TEST_CASE("sweep space: derived NPU axes patch the description as documented") {
  const json phone = json::parse(zoomrt::sim::npu_preset_json("phone-npu"));
  const json tpu = json::parse(zoomrt::sim::npu_preset_json("tpu-v1-like"));
  const Space s = space_of(R"({"npu.dram.standard": ["tpu-v1-like"], "npu.power.vf_scale": [0.5],
                              "npu.array.rows": [64], "npu.dram.channels": [2]})");
  const PointSet ps(s);
  const json c = ps.config(0);
  json dram = tpu["dram"];
  dram["channels"] = 2;  // the field axis applies on top of the taken object
  CHECK(c["npu"]["dram"] == dram);
  CHECK(c["npu"]["power"]["vf"][4]["freq_mhz"].get<double>() == 500);  // 1000 MHz x 0.5
  CHECK(c["npu"]["power"]["vf"][0]["freq_mhz"].get<double>() == 100);
  CHECK(c["npu"]["power"]["vf"][4]["volt"] == phone["power"]["vf"][4]["volt"]);
  // 64 x 64 PEs instead of 32 x 64: twice phone-npu's 4096 / 2048 / 1024 MACs per cycle.
  CHECK(c["npu"]["array"]["macs_per_cycle"] ==
        json{{"int4", 8192}, {"int8", 4096}, {"fp16", 2048}});
  CHECK(!c["npu"].contains("sources"));
  CHECK(c["run"] == kRunDefaults);
}

TEST_CASE("sweep hash: FNV-1a 64 test vectors and canonical (sorted, compact) configurations") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  CHECK(hash_hex(0xaf63dc4c8601ec8cull) == "af63dc4c8601ec8c");
  CHECK(canonical(json::parse(R"({"b": 1, "a": {"d": 2, "c": [1, 2]}})")) ==
        R"({"a":{"c":[1,2],"d":2},"b":1})");
  const PointSet ps(space_of(R"({"npu.array.rows": [16, 32]})"));
  CHECK(config_hash(ps.config(0)) != config_hash(ps.config(1)));
  CHECK(config_hash(ps.config(0)) == hash_hex(fnv1a64(ps.config(0).dump())));
}

TEST_CASE("sweep space: bad spaces are one-line errors naming the file and key") {
  const auto one_line = [](const std::string& e) {
    return !e.empty() && e.find('\n') == std::string::npos;
  };
  std::string e = error_of("{\"base\": ");
  CHECK(one_line(e));
  CHECK(e.find("space.json: not valid JSON") == 0);
  e = error_of(R"({"base": {}, "axes": {}, "extra": 1})");
  CHECK(e == "space.json: extra: unknown key (base, axes, constraints, targets)");
  e = error_of(R"({"base": {"npu": "no-such-npu"}, "axes": {}})");
  CHECK(e.find("space.json: base.npu: no-such-npu: not an NPU preset") == 0);
  e = error_of(R"({"base": {"run": {"sizes": 64}}, "axes": {}})");
  CHECK(e == "space.json: base.run.sizes: unknown run option");
  e = error_of(R"({"base": {}, "axes": {"npu.arry.rows": [16]}})");
  CHECK(e ==
        "space.json: axes.npu.arry.rows: unknown path (the NPU description has no object arry)");
  e = error_of(R"({"base": {}, "axes": {"run.nope": [1]}})");
  CHECK(e == "space.json: axes.run.nope: unknown path (no run option nope)");
  e = error_of(R"({"base": {}, "axes": {"gpu.rows": [1]}})");
  CHECK(e == "space.json: axes.gpu.rows: unknown path (axes are npu.<field> or run.<option>)");
  e = error_of(R"({"base": {}, "axes": {"npu.array.rows": []}})");
  CHECK(e == "space.json: axes.npu.array.rows: an empty list of values");
  e = error_of(R"({"base": {}, "axes": {"npu.array.rows": {"range": [64, 16, 16]}}})");
  CHECK(e == "space.json: axes.npu.array.rows.range: max must be >= min");
  e = error_of(R"({"base": {}, "axes": {"run.size": ["big"]}})");
  CHECK(e == "space.json: axes.run.size: \"big\" is not an integer");
  // A value the NPU reader rejects: its error, prefixed with the point's axis values.
  e = error_of(R"({"base": {}, "axes": {"npu.array.rows": [16, 0]}})");
  CHECK(one_line(e));
  CHECK(e.find("space.json: point 1 (npu.array.rows=0): array.rows") == 0);
  e = error_of(R"({"base": {}, "axes": {"npu.array.foo": [1]}})");
  CHECK(e.find("space.json: point 0 (npu.array.foo=1): array.foo: unknown key") == 0);
  // Constraints: syntax, unknown paths, and one that prunes every point.
  e = error_of(
      R"({"base": {}, "axes": {"npu.array.rows": [16]}, "constraints": ["npu.array.rows * "]})");
  CHECK(e == "space.json: constraints[0]: \"npu.array.rows * \": expression ends early");
  e = error_of(
      R"({"base": {}, "axes": {"npu.array.rows": [16]}, "constraints": ["npu.array.rows"]})");
  CHECK(e.find("expected a comparison") != std::string::npos);
  e = error_of(R"({"base": {}, "axes": {}, "constraints": ["npu.array.rowz < 3"]})");
  CHECK(
      e.find("space.json: constraints[0]: \"npu.array.rowz < 3\": npu.array.rowz: unknown path") ==
      0);
  e = error_of(
      R"({"base": {}, "axes": {"npu.array.rows": [16, 32]}, "constraints": ["npu.array.rows > 64"]})");
  CHECK(e == "space.json: constraints: no point of the 2 combinations satisfies every constraint");
  e = error_of(R"({"base": {}, "axes": {}, "targets": {"min_fps": -1}})");
  CHECK(e == "space.json: targets.min_fps: expected a positive number");
}
