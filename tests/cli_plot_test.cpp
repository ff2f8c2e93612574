// The --plot charts (tools/plot/, drawn by matplotlib): each chart rendered from a committed
// fixture output (tests/fixtures/plot/) and by the commands themselves is a valid PNG of
// 1200 x 700 pixels (signature, IHDR with its CRC, IEND); the chart data `sim` writes adds up to
// its own summary; bad input and a missing python3 or matplotlib are one line and exit 2, with
// the data still written. Needs python3-matplotlib (scripts/setup.sh): without it at configure
// time only the tests that need no matplotlib are built (tests/CMakeLists.txt).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace {
using nlohmann::json;

std::string scratch() {
  static const std::string d = [] {
    std::string p = "/tmp/zoomrt_cli_plot_" + std::to_string(::getpid());
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
  }();
  return d;
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

uint32_t be32(const std::vector<unsigned char>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | uint32_t(b[at + 3]);
}

// CRC-32 of the PNG specification (ISO 3309 polynomial, reflected), bit by bit.
uint32_t crc32(const unsigned char* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

// A PNG: the 8-byte signature, an IHDR chunk first (length 13, CRC right) of width x height,
// and an IEND chunk last. (Unused when matplotlib is missing at configure time.)
[[maybe_unused]] void check_png(const std::string& path, uint32_t width = 1200, uint32_t height = 700) {
  INFO(path);
  const auto b = read_bytes(path);
  REQUIRE(b.size() > 8 + 25 + 12);
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  CHECK(std::equal(sig, sig + 8, b.begin()));
  CHECK(be32(b, 8) == 13);
  CHECK(std::string(b.begin() + 12, b.begin() + 16) == "IHDR");
  CHECK(be32(b, 16) == width);
  CHECK(be32(b, 20) == height);
  CHECK(crc32(&b[12], 4 + 13) == be32(b, 29));
  CHECK(std::string(b.end() - 8, b.end() - 4) == "IEND");
}

const std::string kFixtures = std::string(ZOOMRT_FIXTURES_DIR) + "/plot";
const std::string kPlotPy = std::string(ZOOMRT_SOURCE_DIR) + "/tools/plot/plot.py";

CliResult run_plot_py(const std::string& args) {
  const std::string base = scratch() + "/py";
  const std::string cmd = std::string(ZOOMRT_CHART_PYTHON) + " " + kPlotPy + " " + args + " >" + base + ".out 2>" +
                          base + ".err";
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = read_text(base + ".out");
  r.err = read_text(base + ".err");
  return r;
}

void expect_one_line(const CliResult& r, int status, const std::string& must_mention) {
  INFO("status " << r.status << ", stderr: " << r.err);
  CHECK(r.status == status);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(must_mention) != std::string::npos);
}

json read_json(const std::string& path) { return json::parse(read_text(path)); }

// A small sim run: 2 keyframes, PNDM with 2 steps.
const std::string kSim = "sim --model tiny --steps 2 --size 64 --keyframes 2 --keyframe-every 3";

}  // namespace

TEST_CASE("plot.py: bad input is one line and exit 2") {
  expect_one_line(run_plot_py("tiling " + scratch() + "/none.json " + scratch() + "/x.png"), 2,
                  "none.json: cannot read");
  std::ofstream(scratch() + "/broken.json") << "{\"strategies\": [";
  expect_one_line(run_plot_py("tiling " + scratch() + "/broken.json " + scratch() + "/x.png"), 2,
                  "broken.json: not JSON");
  std::ofstream(scratch() + "/nokey.json") << "{\"model\": \"tiny\"}";
  expect_one_line(run_plot_py("energy " + scratch() + "/nokey.json " + scratch() + "/x.png"), 2,
                  "missing key \"phase_energy_j\"");
  expect_one_line(run_plot_py("sweep " + scratch() + "/no_such_dir " + scratch() + "/x.png"), 2,
                  "not a sweep folder");
  expect_one_line(run_plot_py("pie " + scratch() + "/nokey.json " + scratch() + "/x.png"), 2, "usage");
  CHECK_FALSE(std::filesystem::exists(scratch() + "/x.png"));
}

TEST_CASE("zoomrt --plot without python3 or without matplotlib: one line, exit 2, the data written") {
  const std::string png = scratch() + "/nopython.png";
  const CliResult r = run_cli_env("ZOOMRT_PYTHON=/nonexistent/python3",
                                  "tiling compare --model vgg16 --strategies naive,adaptive --plot " + png);
  expect_one_line(r, 2, "--plot: cannot run /nonexistent/python3");
  CHECK(r.err.find("scripts/setup.sh") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(png));
  CHECK(read_json(scratch() + "/nopython.json")["strategies"].size() == 2);
  // A python3 whose `import matplotlib` fails (a module of that name that raises ImportError).
  std::filesystem::create_directories(scratch() + "/fake/matplotlib");
  std::ofstream(scratch() + "/fake/matplotlib/__init__.py") << "raise ImportError('no matplotlib here')\n";
  const CliResult m = run_cli_env("PYTHONPATH=" + scratch() + "/fake",
                                  kSim + " --plot-timeline " + scratch() + "/nompl.png");
  expect_one_line(m, 2, "has no matplotlib to draw");
  CHECK(m.err.find("python3-matplotlib") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(scratch() + "/nompl.png"));
  CHECK(read_json(scratch() + "/nompl.json").contains("timeline"));
}

TEST_CASE("zoomrt sim --plot: the chart data adds up to the run's own summary") {
  const std::string png = scratch() + "/data.png";
  const CliResult r = run_cli_env("ZOOMRT_PYTHON=/nonexistent/python3",
                                  kSim + " --power-policy dfs-layer --power-cap 0.8 --json --plot " + png);
  REQUIRE(r.status == 2);  // no python: the data is still written
  const json s = read_json(scratch() + "/data.json");
  // Per-component sums over the phases = the run's energy_j (summed over all layers at once).
  for (const char* k : {"mac", "sram", "dram", "static"}) {
    double sum = 0;
    for (const auto& p : s["phase_energy_j"]) sum += p[k].get<double>();
    CHECK(sum == Approx(s["energy_j"][k].get<double>()).epsilon(1e-9));
  }
  // Each phase's components = that phase's energy in `phases`.
  REQUIRE(s["phase_energy_j"].size() == s["phases"].size());
  for (size_t i = 0; i < s["phases"].size(); ++i) {
    const auto& p = s["phase_energy_j"][i];
    CHECK(p["name"] == s["phases"][i]["name"]);
    CHECK(p["mac"].get<double>() + p["sram"].get<double>() + p["dram"].get<double>() + p["static"].get<double>() ==
          Approx(s["phases"][i]["energy_j"].get<double>()).epsilon(1e-9));
  }
  // The timeline (from --plot-timeline): one execution per layer; latency x repeats adds up to the
  // run's latency, starts are the running sum, and dfs-layer keeps every layer under the cap.
  const CliResult t = run_cli_env("ZOOMRT_PYTHON=/nonexistent/python3",
                                  kSim + " --power-policy dfs-layer --power-cap 0.8 --plot-timeline " + png);
  REQUIRE(t.status == 2);
  const json tl = read_json(scratch() + "/data.json")["timeline"];
  const size_t n = tl["start_s"].size();
  REQUIRE(n > 10);
  double total = 0, at = 0;
  for (size_t i = 0; i < n; ++i) {
    CHECK(tl["start_s"][i].get<double>() == Approx(at).margin(1e-15));
    at += tl["latency_s"][i].get<double>();
    total += tl["latency_s"][i].get<double>() * tl["repeats"][i].get<double>();
    CHECK(tl["power_w"][i].get<double>() <= 0.8 + 1e-12);
    CHECK(tl["freq_mhz"][i].get<double>() > 0);
  }
  CHECK(total == Approx(s["sim_latency_s"].get<double>()).epsilon(1e-9));
}

#ifdef ZOOMRT_HAVE_MATPLOTLIB
TEST_CASE("plot.py: each chart from its fixture is a 1200 x 700 PNG") {
  for (const auto& [kind, input] : std::vector<std::pair<std::string, std::string>>{
           {"tiling", kFixtures + "/tiling_compare.json"},
           {"energy", kFixtures + "/sim_energy.json"},
           {"dfs", kFixtures + "/sim_timeline.json"},
           {"sweep", kFixtures + "/sweep"}}) {
    const std::string png = scratch() + "/fixture_" + kind + ".png";
    const CliResult r = run_plot_py(kind + " " + input + " " + png);
    INFO(kind << ": " << r.err);
    REQUIRE(r.status == 0);
    check_png(png);
  }
}

TEST_CASE("zoomrt tiling compare / sim --plot draw their charts") {
  const std::string tiling = scratch() + "/tiling.png";
  const CliResult r = run_cli("tiling compare --model vgg16 --strategies naive,adaptive,fused --plot " + tiling);
  INFO(r.err);
  REQUIRE(r.status == 0);
  check_png(tiling);
  CHECK(read_json(scratch() + "/tiling.json")["layers"].size() == 16);  // VGG-16: 13 conv + 3 FC
  const std::string energy = scratch() + "/energy.png", dfs = scratch() + "/dfs.png";
  const CliResult s = run_cli(kSim + " --power-policy dfs-layer --power-cap 0.8 --plot " + energy +
                              " --plot-timeline " + dfs);
  INFO(s.err);
  REQUIRE(s.status == 0);
  check_png(energy);
  check_png(dfs);
}
#endif
