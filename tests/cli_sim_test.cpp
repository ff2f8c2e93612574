// zoomrt sim: a small run end to end (JSON fields, consistency, the DRAM trace format) and bad
// input: one line on stderr naming the option or file, exit status 2.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>

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

const std::string kSmall = "sim --model tiny --steps 2 --size 64 --keyframe-every 3";

}  // namespace

TEST_CASE("zoomrt sim --json: the pipeline's phases and consistent totals") {
  CliResult r = run_cli(kSmall + " --dtype int8 --strategy adaptive --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json s = nlohmann::json::parse(r.out);
  const double lat = s["sim_latency_s"];
  REQUIRE(lat > 0);
  CHECK(double(s["frames"]) == 3);
  CHECK(double(s["fps"]) == Approx(3 / lat));
  CHECK(double(s["fps_per_watt"]) == Approx(double(s["fps"]) / double(s["avg_power_w"])));
  std::vector<std::string> phases;
  for (const auto& p : s["phases"]) phases.push_back(p["name"]);
  CHECK(phases == std::vector<std::string>{"text_encoder", "vae_encoder", "unet", "vae_decoder", "interpolation"});
  bool unet_repeats = false;
  for (const auto& row : s["layers"]) {
    if (row["phase"] == "unet" && row["op"] == "conv2d") unet_repeats = row["repeats"] == 2;
    CHECK(row["dtype"] == "int8");
  }
  CHECK(unet_repeats);
  CHECK(uint64_t(s["dram"]["accesses"]) > 0);
}

TEST_CASE("zoomrt sim: more steps cost more UNet time, dfs-layer respects the cap") {
  auto unet_latency = [](const nlohmann::json& s) {
    for (const auto& p : s["phases"])
      if (p["name"] == "unet") return double(p["latency_s"]);
    return -1.0;
  };
  CliResult a = run_cli(kSmall + " --json --no-layers");
  CliResult b = run_cli("sim --model tiny --steps 4 --size 64 --keyframe-every 3 --json --no-layers");
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  CHECK(unet_latency(nlohmann::json::parse(b.out)) == Approx(2 * unet_latency(nlohmann::json::parse(a.out))));
  CliResult c = run_cli(kSmall + " --power-policy dfs-layer --power-cap 0.6 --json --no-layers");
  INFO("stderr: " << c.err);
  REQUIRE(c.status == 0);
  const nlohmann::json s = nlohmann::json::parse(c.out);
  CHECK(s["power_policy"] == "dfs-layer");
  // Uncapped, this run peaks at ~1.2 W on phone-npu; 0.6 W is reachable at a lower frequency.
  CHECK(s["cap_met"] == true);
  CHECK(double(s["peak_power_w"]) <= 0.6 + 1e-9);
}

TEST_CASE("zoomrt sim: a topology CSV and a DRAMsim3 trace") {
  const std::string trace = "/tmp/zoomrt_cli_sim_trace_" + std::to_string(::getpid()) + ".trc";
  CliResult r = run_cli("sim --model alexnet --npu eyeriss-like --strategy romanet --dram-trace " + trace +
                        " --dram-trace-lines 1000");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("FPS/W") != std::string::npos);
  std::ifstream f(trace);
  std::string line;
  int lines = 0;
  const std::regex fmt("0x[0-9A-F]+ (READ|WRITE) [0-9]+");
  while (std::getline(f, line)) {
    ++lines;
    if (!std::regex_match(line, fmt)) FAIL("bad trace line: " << line);
  }
  CHECK(lines == 1000);
  std::remove(trace.c_str());
}

TEST_CASE("zoomrt sim: bad input is one line and exit 2") {
  expect_bad(run_cli(kSmall + " --strategy sideways"), "sideways");
  expect_bad(run_cli(kSmall + " --npu no-such-npu"), "no-such-npu");
  expect_bad(run_cli(kSmall + " --dtype fp8"), "--dtype");
  expect_bad(run_cli(kSmall + " --power-cap -3"), "--power-cap");
  expect_bad(run_cli(kSmall + " --power-cap watts"), "--power-cap");
  expect_bad(run_cli(kSmall + " --power-policy dfs-layer"), "--power-cap");
  expect_bad(run_cli(kSmall + " --power-policy turbo --power-cap 1"), "turbo");
  expect_bad(run_cli(kSmall + " --steps 0"), "--steps");
  expect_bad(run_cli("sim --model tiny --size 100"), "--size");
  expect_bad(run_cli("sim --model /nonexistent/topology.csv"), "/nonexistent/topology.csv");
  expect_bad(run_cli("sim --model /nonexistent/model_dir"), "/nonexistent/model_dir");
}
