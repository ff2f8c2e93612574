// zoomrt sweep (issue 13 items 3, 4, 7): a point's figures are exactly `zoomrt sim`'s with the
// same options (and, for a patched NPU, sim on the patched description written to a file);
// resume after a killed run (torn last line) ends with the same file as an uninterrupted run;
// the batch mode prints the same lines; bad spaces and options are one line, exit 2, and
// leave nothing under --out.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_util.h"

using nlohmann::json;

namespace {
std::string scratch(const std::string& name) {
  const std::string d = "/tmp/zoomrt_cli_sweep_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(d);
  return d;
}
std::string write_space(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}
// A tiny-model zoom: a few hundred ms per point.
const std::string kBase =
    R"("base": {"npu": "phone-npu", "run": {"model": "tiny", "size": 64, "steps": 2, "keyframes": 2}})";
const std::string kSimArgs = "--model tiny --size 64 --steps 2 --keyframes 2 --json --no-layers";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t e = text.find('\n', pos);
    out.push_back(text.substr(pos, e - pos));
    pos = e + 1;
  }
  return out;
}
}  // namespace

TEST_CASE("zoomrt sweep: a point's figures equal zoomrt sim's with the same options") {
  const std::string dir = scratch("same");
  std::filesystem::create_directories(dir);
  const std::string space = write_space(
      dir + "/space.json",
      "{" + kBase + R"(, "axes": {"run.dtype": ["int4"], "npu.array.rows": [32, 16]}})");
  const CliResult r = run_cli("sweep " + space + " --out " + dir + "/out --jobs 2");
  REQUIRE(r.status == 0);
  const auto lines = lines_of(read_text(dir + "/out/points.jsonl"));
  REQUIRE(lines.size() == 2);
  // Point 0 is phone-npu itself (rows 32): sim with --npu phone-npu.
  const json p0 = json::parse(lines[0]);
  const CliResult sim = run_cli("sim " + kSimArgs + " --dtype int4");
  REQUIRE(sim.status == 0);
  CHECK(p0["figures"] == json::parse(sim.out));
  CHECK(p0["config"]["run"]["dtype"] == "int4");
  // Point 1 (rows 16): sim on the patched description written out.
  const json p1 = json::parse(lines[1]);
  CHECK(p1["config"]["npu"]["array"]["rows"] == 16);
  CHECK(p1["config"]["npu"]["array"]["macs_per_cycle"]["int8"] == 1024);  // 16 x 64 PEs
  std::ofstream(dir + "/npu16.json") << p1["config"]["npu"].dump();
  const CliResult sim16 = run_cli("sim " + kSimArgs + " --dtype int4 --npu " + dir + "/npu16.json");
  REQUIRE(sim16.status == 0);
  CHECK(p1["figures"] == json::parse(sim16.out));
  CHECK(p1["figures"]["fps"].get<double>() < p0["figures"]["fps"].get<double>());  // half the array
  // The batch mode (a Ray task's unit) prints the same line.
  const CliResult batch = run_cli("sweep " + space + " --points 1:2 --lines -");
  REQUIRE(batch.status == 0);
  CHECK(batch.out == lines[1] + "\n");
  // Pareto files and the dry run.
  CHECK(std::filesystem::exists(dir + "/out/pareto.json"));
  CHECK(std::filesystem::exists(dir + "/out/pareto.csv"));
  const CliResult dry = run_cli("sweep " + space + " --dry-run");
  REQUIRE(dry.status == 0);
  CHECK(dry.out.rfind("2 points (2 combinations before the constraints)\n0 ", 0) == 0);
  CHECK(count_lines(dry.out) == 3);
  std::filesystem::remove_all(dir);
}

TEST_CASE("zoomrt sweep: resume after a killed run loses nothing and duplicates nothing") {
  const std::string dir = scratch("resume");
  std::filesystem::create_directories(dir);
  const std::string space =
      write_space(dir + "/space.json",
                  "{" + kBase + R"(, "axes": {"npu.sram.bytes": [1048576, 2097152, 4194304]}})");
  REQUIRE(run_cli("sweep " + space + " --out " + dir + "/full --jobs 1").status == 0);
  const std::string full = read_text(dir + "/full/points.jsonl");
  const auto lines = lines_of(full);
  REQUIRE(lines.size() == 3);
  // A killed run: point 2 finished, point 0 torn mid-line, no Pareto files yet.
  std::filesystem::create_directories(dir + "/killed");
  std::ofstream(dir + "/killed/points.jsonl") << lines[2] << "\n" << lines[0].substr(0, 100);
  const CliResult r = run_cli("sweep " + space + " --out " + dir + "/killed --jobs 2");
  REQUIRE(r.status == 0);
  CHECK(r.err.find("2 points run (1 already done)") != std::string::npos);
  CHECK(read_text(dir + "/killed/points.jsonl") == full);  // point order, each once
  CHECK(read_text(dir + "/killed/pareto.json") == read_text(dir + "/full/pareto.json"));
  // Rerunning a finished sweep runs nothing and changes nothing.
  const CliResult again = run_cli("sweep " + space + " --out " + dir + "/killed");
  REQUIRE(again.status == 0);
  CHECK(again.err.find("0 points run (3 already done)") != std::string::npos);
  CHECK(read_text(dir + "/killed/points.jsonl") == full);
  std::filesystem::remove_all(dir);
}

TEST_CASE("zoomrt sweep: bad input is one line and exit 2, nothing under --out") {
  const std::string dir = scratch("bad");
  std::filesystem::create_directories(dir);
  const std::string out = dir + "/out";
  const auto check_bad = [&](const std::string& args, const std::string& expect) {
    const CliResult r = run_cli(args);
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find(expect) != std::string::npos);
    CHECK(!std::filesystem::exists(out));
    if (r.err.find(expect) == std::string::npos) FAIL_CHECK(r.err);
  };
  const auto space = [&](const std::string& text) {
    return write_space(dir + "/space.json", text);
  };
  check_bad("sweep " + space("{\"base\": {") + " --out " + out, "space.json: not valid JSON");
  check_bad(
      "sweep " + space("{" + kBase + R"(, "axes": {"npu.array.rowz": [16]}})") + " --out " + out,
      "point 0 (npu.array.rowz=16): array.rowz: unknown key");
  check_bad(
      "sweep " + space("{" + kBase + R"(, "axes": {"npu.sram.bytez.x": [16]}})") + " --out " + out,
      "axes.npu.sram.bytez.x: unknown path");
  check_bad("sweep " + space("{" + kBase + R"(, "axes": {"npu.dram.channels": [4, -1]}})") +
                " --out " + out,
            "point 1 (npu.dram.channels=-1): dram.channels");
  check_bad(
      "sweep " + space("{" + kBase + R"(, "axes": {"run.dtype": ["int9"]}})") + " --out " + out,
      "point 0 (run.dtype=\"int9\"): run.dtype");
  check_bad("sweep " + space("{" + kBase + R"(, "axes": {"run.size": [65]}})") + " --out " + out,
            "point 0 (run.size=65): --size: 65 must be a multiple");
  check_bad(
      "sweep " +
          space("{" + kBase +
                R"(, "axes": {"npu.array.rows": [16]}, "constraints": ["npu.array.rows > 16"]})") +
          " --out " + out,
      "constraints: no point of the 1 combinations satisfies every constraint");
  const std::string ok = space("{" + kBase + R"(, "axes": {"npu.array.rows": [16]}})");
  check_bad("sweep " + ok + " --out " + out + " --ray 127.0.0.1:1",
            "--ray 127.0.0.1:1: cannot connect");
  check_bad("sweep " + ok + " --out " + out + " --ray nohost",
            "--ray nohost: expected auto or HOST:PORT");
  check_bad("sweep " + ok + " --points 0:5 --lines -", "--points: 0:5: must satisfy A < B <= 1");
  check_bad("sweep " + ok, "--out: required");
  check_bad("sweep " + dir + "/missing.json --out " + out,
            "missing.json: cannot read the space file");
  std::filesystem::remove_all(dir);
}
