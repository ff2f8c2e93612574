// zoomrt sim: a small run end to end (JSON fields, consistency, the DRAM trace format) and bad
// input: one line on stderr naming the option or file, exit status 2.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

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

// 2 keyframes, 2 frames between: 1 + (2 - 1) x 3 = 4 frames; PNDM: 2 + 1 UNet calls per keyframe.
const std::string kSmall = "sim --model tiny --steps 2 --size 64 --keyframes 2 --keyframe-every 3";

}  // namespace

TEST_CASE("zoomrt sim --json: the pipeline's phases and consistent totals") {
  CliResult r = run_cli(kSmall + " --dtype int8 --strategy adaptive --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json s = nlohmann::json::parse(r.out);
  const double lat = s["sim_latency_s"];
  REQUIRE(lat > 0);
  CHECK(double(s["frames"]) == 4);
  CHECK(double(s["fps"]) == Approx(4 / lat));
  CHECK(double(s["fps_per_watt"]) == Approx(double(s["fps"]) / double(s["avg_power_w"])));
  // Cost (issue 13 item 2): the NPU's area and FPS per mm² beside FPS per watt.
  const double area = s["area_mm2"];
  const auto& a = s["area"];
  CHECK(area == Approx(double(a["array_mm2"]) + double(a["sram_mm2"]) + double(a["dram_phy_mm2"]) +
                       double(a["fixed_mm2"])));
  CHECK(double(a["process_nm"]) == 7);
  CHECK(double(s["fps_per_mm2"]) == Approx(double(s["fps"]) / area));
  std::vector<std::string> phases;
  for (const auto& p : s["phases"]) phases.push_back(p["name"]);
  CHECK(phases == std::vector<std::string>{"text_encoder", "vae_encoder", "unet", "vae_decoder", "interpolation"});
  bool unet_repeats = false;
  for (const auto& row : s["layers"]) {
    if (row["phase"] == "unet" && row["op"] == "conv2d") unet_repeats = row["repeats"] == 2 * 3;
    CHECK(row["dtype"] == "int8");
  }
  CHECK(unet_repeats);
  CHECK(uint64_t(s["dram"]["accesses"]) > 0);
  // Power: each name says what it covers; the NPU's average never exceeds the NPU's peak.
  const double e = s["energy_j"]["total"], npu_e = double(s["energy_j"]["total"]) - double(s["energy_j"]["dram"]);
  CHECK(double(s["avg_power_w"]) == Approx(e / lat));
  CHECK(double(s["npu_avg_power_w"]) == Approx(npu_e / lat));
  CHECK(double(s["npu_avg_power_w"]) <= double(s["npu_peak_power_w"]));
  CHECK_FALSE(s.contains("peak_power_w"));
  CHECK(s["objective"] == "energy");
}

TEST_CASE("zoomrt sim: more steps cost more UNet time, dfs-layer respects the cap") {
  auto unet_latency = [](const nlohmann::json& s) {
    for (const auto& p : s["phases"])
      if (p["name"] == "unet") return double(p["latency_s"]);
    return -1.0;
  };
  CliResult a = run_cli(kSmall + " --json --no-layers");
  CliResult b = run_cli("sim --model tiny --steps 4 --size 64 --keyframes 2 --keyframe-every 3 --json --no-layers");
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  // PNDM: 4 + 1 UNet calls per keyframe against 2 + 1.
  CHECK(unet_latency(nlohmann::json::parse(b.out)) == Approx(5.0 / 3 * unet_latency(nlohmann::json::parse(a.out))));
  CliResult c = run_cli(kSmall + " --power-policy dfs-layer --power-cap 0.6 --json --no-layers");
  INFO("stderr: " << c.err);
  REQUIRE(c.status == 0);
  const nlohmann::json s = nlohmann::json::parse(c.out);
  CHECK(s["power_policy"] == "dfs-layer");
  // Uncapped, this run peaks at ~1.2 W on phone-npu; 0.6 W is reachable at a lower frequency.
  CHECK(s["cap_met"] == true);
  CHECK(double(s["npu_peak_power_w"]) <= 0.6 + 1e-9);
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
  uint64_t last_cycle = 0;
  while (std::getline(f, line)) {
    ++lines;
    if (!std::regex_match(line, fmt)) FAIL("bad trace line: " << line);
    const uint64_t cycle = std::stoull(line.substr(line.rfind(' ') + 1));
    if (cycle < last_cycle) FAIL("issue cycles go backwards at line " << lines << ": " << line);
    last_cycle = cycle;
  }
  CHECK(lines == 1000);
  std::remove(trace.c_str());
}

TEST_CASE("zoomrt sim --strategy fused: fused rows, fewer DRAM bytes than adaptive, and a trace") {
  const std::string trace = "/tmp/zoomrt_cli_sim_fused_" + std::to_string(::getpid()) + ".trc";
  CliResult f = run_cli("sim --model vgg16 --strategy fused --objective bytes --json --dram-trace " + trace +
                        " --dram-trace-lines 2000");
  CliResult a = run_cli("sim --model vgg16 --strategy adaptive --objective bytes --json");
  INFO("stderr: " << f.err << a.err);
  REQUIRE(f.status == 0);
  REQUIRE(a.status == 0);
  const nlohmann::json fj = nlohmann::json::parse(f.out), aj = nlohmann::json::parse(a.out);
  const auto bytes = [](const nlohmann::json& j) {
    return j["dram"]["bytes_read"].get<uint64_t>() + j["dram"]["bytes_written"].get<uint64_t>();
  };
  CHECK(bytes(fj) < bytes(aj));
  int fused_rows = 0;
  for (const auto& l : fj["layers"]) fused_rows += l["tile"].get<std::string>().rfind("fused", 0) == 0;
  CHECK(fused_rows >= 2);
  std::ifstream t(trace);
  std::string line;
  int lines = 0;
  while (std::getline(t, line)) ++lines;
  CHECK(lines == 2000);
  std::remove(trace.c_str());
  expect_bad(run_cli("sim --model vgg16 --strategy fused --dram-trace /nonexistent/dir/t.trc"), "/nonexistent/dir/t.trc");
  // 54 KiB of usable SRAM cannot hold Conv2_1 -> Conv2_2's windows even at one output row (five
  // 7 KiB input rows for three 14 KiB intermediate rows: 80896 bytes with the rest):
  // without --require-fusion that chain runs per layer, with it the run stops in one line.
  CHECK(run_cli("sim --model vgg16 --npu eyeriss-like --strategy fused").status == 0);
  expect_bad(run_cli("sim --model vgg16 --npu eyeriss-like --strategy fused --require-fusion"),
             "fused chain Conv2_1 -> Conv2_2");
  expect_bad(run_cli("sim --model vgg16 --require-fusion"), "--require-fusion");
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
  expect_bad(run_cli(kSmall + " --dtype palette3"), "--dtype");
  expect_bad(run_cli(kSmall + " --compare-policies"), "--compare-policies");
  expect_bad(run_cli(kSmall + " --objective speed"), "--objective");
  expect_bad(run_cli(kSmall + " --prompts 3"), "--prompts");
  expect_bad(run_cli(kSmall + " --keyframes 0"), "--keyframes");
  expect_bad(run_cli("sim --model tiny --width 100"), "--width");
  expect_bad(run_cli(kSmall + " --scheduler euler-x"), "euler-x");
  expect_bad(run_cli(kSmall + " --zoom 0.5"), "--zoom");
}

namespace {

// The phone-npu preset with one edit, written to a temporary file.
std::string npu_file(const std::string& tag, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(read_text(std::string(ZOOMRT_FIXTURES_DIR) + "/../../sim/presets/phone-npu.json"));
  edit(j);
  const std::string path = "/tmp/zoomrt_cli_sim_npu_" + tag + "_" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << j.dump();
  return path;
}

}  // namespace

TEST_CASE("zoomrt sim: area in the terminal summary, null without an area model (issue 13 item 2)") {
  CliResult t = run_cli(kSmall);
  INFO("stderr: " << t.err);
  REQUIRE(t.status == 0);
  CHECK(t.out.find("FPS/mm²") != std::string::npos);
  CHECK(t.out.find("at 7 nm: array") != std::string::npos);
  const std::string no_area = npu_file("noarea", [](nlohmann::json& j) { j.erase("area"); });
  CliResult js = run_cli(kSmall + " --npu " + no_area + " --json --no-layers");
  REQUIRE(js.status == 0);
  const nlohmann::json s = nlohmann::json::parse(js.out);
  CHECK(s["area_mm2"].is_null());
  CHECK(s["fps_per_mm2"].is_null());
  CHECK(s["area"].is_null());
  CHECK(double(s["fps_per_watt"]) > 0);
  CliResult n = run_cli(kSmall + " --npu " + no_area);
  REQUIRE(n.status == 0);
  CHECK(n.out.find("area         n/a") != std::string::npos);
  const std::string bad = npu_file("badarea", [](nlohmann::json& j) { j["area"]["sram_mm2_per_mib"] = "big"; });
  expect_bad(run_cli(kSmall + " --npu " + bad), "area.sram_mm2_per_mib: expected a number");
  for (const std::string& f : {no_area, bad}) std::remove(f.c_str());
}

TEST_CASE("zoomrt sim: bad NPU files and topologies through the CLI (issue 6 item 11)") {
  const std::string zero_banks = npu_file("banks", [](nlohmann::json& j) { j["dram"]["banks"] = 0; });
  expect_bad(run_cli(kSmall + " --npu " + zero_banks), "dram.banks");
  const std::string tiny = npu_file("sram", [](nlohmann::json& j) { j["sram"]["bytes"] = 64; });
  expect_bad(run_cli(kSmall + " --npu " + tiny), "sram.bytes: SRAM too small");
  const std::string vf = npu_file("vf", [](nlohmann::json& j) { j["power"]["vf"][1]["freq_mhz"] = 1; });
  expect_bad(run_cli(kSmall + " --npu " + vf), "power.vf[1].freq_mhz");
  const std::string neg = npu_file("neg", [](nlohmann::json& j) { j["energy"]["mac_pj"]["int8"] = -1; });
  expect_bad(run_cli(kSmall + " --npu " + neg), "energy.mac_pj.int8");
  const std::string csv = "/tmp/zoomrt_cli_sim_bad_" + std::to_string(::getpid()) + ".csv";
  std::ofstream(csv) << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                        "Strides,\nconv1, 10, ten, 3, 3, 4, 8, 1,\n";
  expect_bad(run_cli("sim --model " + csv), csv + ":2: column 3 (IFMAP Width)");
  for (const std::string& f : {zero_banks, tiny, vf, neg, csv}) std::remove(f.c_str());
}

TEST_CASE("zoomrt sim: compressed weight formats and the power-policy comparison") {
  // 2:4 sparse int8 on an array that skips zeros: half the MACs of int8, fewer DRAM bytes.
  const std::string skip = npu_file("skip", [](nlohmann::json& j) { j["array"]["skips_zeros"] = true; });
  auto run = [&](const std::string& args) {
    CliResult r = run_cli(kSmall + " --json --no-layers " + args);
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  const nlohmann::json i8 = run("--npu " + skip + " --dtype int8");
  const nlohmann::json sp = run("--npu " + skip + " --dtype sparse24");
  const nlohmann::json pal = run("--dtype palette4");
  CHECK(double(sp["total_macs"]) < double(i8["total_macs"]));
  CHECK(double(sp["dram"]["bytes_read"]) < double(i8["dram"]["bytes_read"]));
  CHECK(double(pal["dram"]["bytes_read"]) < double(i8["dram"]["bytes_read"]));
  CHECK(sp["dtype"] == "sparse24");
  std::remove(skip.c_str());
  // --compare-policies: every policy's FPS and energy, and every ordered pair's deltas.
  const nlohmann::json c = run("--power-cap 0.6 --compare-policies")["policy_comparison"];
  REQUIRE(c["policies"].size() == 3);
  CHECK(c["pairs"].size() == 6);
  CHECK(double(c["cap_w"]) == 0.6);
  CliResult t = run_cli(kSmall + " --power-cap 0.6 --compare-policies");
  REQUIRE(t.status == 0);
  CHECK(t.out.find("energy_saving_pct") != std::string::npos);
  CHECK(t.out.find("dfs-layer  dvfs") != std::string::npos);
}

namespace {

// Dotted key paths of a JSON object, without the `layers` and `phases` arrays.
std::set<std::string> key_paths(const nlohmann::json& j, const std::string& prefix = "") {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) {
    if (k == "layers" || k == "phases") continue;
    out.insert(prefix + k);
    if (v.is_object())
      for (const std::string& sub : key_paths(v, prefix + k + ".")) out.insert(sub);
  }
  return out;
}

}  // namespace

TEST_CASE("zoomrt sim --json has the summary and layer fields of stats.json (issue 6 items 6-7)") {
  const std::string dir = "/tmp/zoomrt_cli_sim_zoom_" + std::to_string(::getpid());
  ::setenv("ZOOMRT_CACHE", (dir + "_cache").c_str(), 1);
  CliResult z = run_cli("zoom --prompt 'a lighthouse' --width 64 --height 64 --keyframes 2 --frames-between 1 "
                        "--steps 2 --seed 1 --no-video --quiet --out " + dir);
  INFO("zoom stderr: " << z.err);
  REQUIRE(z.status == 0);
  const nlohmann::json stats = nlohmann::json::parse(read_text(dir + "/stats.json"));
  CliResult r = run_cli("sim --model tiny --size 64 --steps 2 --keyframes 2 --frames-between 1 --json");
  REQUIRE(r.status == 0);
  const nlohmann::json sim = nlohmann::json::parse(r.out);
  const nlohmann::json& zs = stats["summary"]["sim"];
  std::set<std::string> zoom_keys = key_paths(zs), sim_keys = key_paths(sim);
  sim_keys.erase("model");                     // sim only: what --model named
  CHECK(zoom_keys == sim_keys);
  REQUIRE(zs["layers"].size() > 0);
  REQUIRE(sim["layers"].size() > 0);
  CHECK(key_paths(zs["layers"][0]) == key_paths(sim["layers"][0]));
  // A frame's figures are a subset of the summary's (its MACs are the summary's total_macs).
  std::set<std::string> frame_keys = key_paths(stats["frames"][0]["sim"]);
  frame_keys.erase("macs");
  for (const std::string& k : frame_keys) CHECK(sim_keys.count(k) == 1);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "_cache");
}
