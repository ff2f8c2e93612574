// zoomrt tiling compare: a small run (JSON totals per strategy, consistent with the per-layer
// rows) and bad input (issue 6 item 11): one line on stderr naming the key or file, exit 2.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace {

void expect_bad(const CliResult& r, const std::string& must_mention) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(must_mention) != std::string::npos);
}

std::string temp_path(const std::string& tag, const std::string& ext) {
  return "/tmp/zoomrt_cli_tiling_" + tag + "_" + std::to_string(::getpid()) + ext;
}

// The phone-npu preset with one edit, written to a temporary file.
std::string npu_file(const std::string& tag, void (*edit)(nlohmann::json&)) {
  nlohmann::json j =
      nlohmann::json::parse(read_text(std::string(ZOOMRT_FIXTURES_DIR) + "/../../sim/presets/phone-npu.json"));
  edit(j);
  const std::string path = temp_path(tag, ".json");
  std::ofstream(path) << j.dump();
  return path;
}

}  // namespace

TEST_CASE("zoomrt tiling compare --json: every strategy's totals are the sum of its layer rows") {
  CliResult r = run_cli("tiling compare --model alexnet --npu eyeriss-like --strategies naive,romanet,adaptive --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j["strategies"].size() == 3);
  for (const std::string s : {"naive", "romanet", "adaptive"}) {
    INFO(s);
    REQUIRE(j["totals"].contains(s));
    const auto& t = j["totals"][s];
    CHECK(double(t["row_hits"]) <= double(t["dram_accesses"]));
    CHECK(double(t["dram_energy_j"]) <= double(t["energy_j"]));
  }
  CHECK(j["objective"] == "energy");
  // Reuse reads fewer bytes than no reuse (AlexNet on a 108 KiB buffer).
  CHECK(double(j["totals"]["romanet"]["dram_bytes_read"]) < double(j["totals"]["naive"]["dram_bytes_read"]));
}

TEST_CASE("zoomrt tiling compare: --dtype f16 and --objective are named as everywhere else") {
  CliResult r = run_cli("tiling compare --model alexnet --strategies naive --dtype f16 --objective latency --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["dtype"] == "f16");
  CHECK(j["objective"] == "latency");
  CliResult t = run_cli("tiling compare --model alexnet --strategies naive --dtype f16 --objective edp");
  REQUIRE(t.status == 0);
  CHECK(t.out.find("dtype f16, objective edp") != std::string::npos);
}

TEST_CASE("zoomrt tiling compare: bad input is one line and exit 2") {
  expect_bad(run_cli("tiling compare --model alexnet --strategies naive,sideways"), "sideways");
  expect_bad(run_cli("tiling compare --model alexnet --dtype int3"), "int3");
  expect_bad(run_cli("tiling compare --model alexnet --dtype fp16"), "f16");  // one spelling: f16
  expect_bad(run_cli("tiling compare --model alexnet --objective speed"), "--objective");
  expect_bad(run_cli("tiling compare --model /nonexistent/t.csv"), "/nonexistent/t.csv");
  const std::string banks = npu_file("banks", [](nlohmann::json& j) { j["dram"]["banks"] = 0; });
  expect_bad(run_cli("tiling compare --model alexnet --npu " + banks), "dram.banks: must be positive");
  const std::string tiny = npu_file("sram", [](nlohmann::json& j) { j["sram"]["bytes"] = 64; });
  expect_bad(run_cli("tiling compare --model alexnet --npu " + tiny), "sram.bytes: SRAM too small");
  const std::string vf = npu_file("vf", [](nlohmann::json& j) { j["power"]["vf"][2]["volt"] = 0.1; });
  expect_bad(run_cli("tiling compare --model alexnet --npu " + vf), "power.vf[2].volt: not increasing");
  const std::string csv = temp_path("bad", ".csv");
  std::ofstream(csv) << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                        "Strides,\nconv1, 10, 10, 3, 3, 4, 8, -1,\n";
  expect_bad(run_cli("tiling compare --model " + csv), csv + ":2");
  for (const std::string& f : {banks, tiny, vf, csv}) std::remove(f.c_str());
}
