// One workload (issue 11 item 1): `zoomrt zoom` on the embedded tiny model and `zoomrt sim` with
// the same run options describe the same run (runtime/npu/workload.h), so stats.json's summary.sim
// and sim's --json summary are EQUAL: latency, energy, DRAM counts, phases and every per-layer
// row, compared exactly (no tolerance). Only `model` (what sim's --model named) is sim's own.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace {

std::string work_dir() {
  static const std::string dir = "/tmp/zoomrt_cli_workload_" + std::to_string(::getpid());
  return dir;
}

// summary.sim of a zoom run with `zoom_args` and sim's --json with `sim_args`.
std::pair<nlohmann::json, nlohmann::json> run_both(const std::string& tag, const std::string& zoom_args,
                                                   const std::string& sim_args) {
  ::setenv("ZOOMRT_CACHE", (work_dir() + "/cache").c_str(), 1);
  const std::string out = work_dir() + "/" + tag;
  const CliResult z = run_cli("zoom " + zoom_args + " --seed 1 --no-video --quiet --out " + out);
  INFO("zoom stderr: " << z.err);
  REQUIRE(z.status == 0);
  const nlohmann::json stats = nlohmann::json::parse(read_text(out + "/stats.json"));
  const CliResult s = run_cli("sim --model tiny " + sim_args + " --json");
  INFO("sim stderr: " << s.err);
  REQUIRE(s.status == 0);
  nlohmann::json sim = nlohmann::json::parse(s.out);
  CHECK(sim["model"] == "tiny");
  sim.erase("model");
  return {stats["summary"]["sim"], sim};
}

void check_equal(const nlohmann::json& zoom, const nlohmann::json& sim) {
  REQUIRE(zoom.is_object());
  // Field by field first (a readable failure), then the whole objects.
  for (const char* k : {"sim_latency_s", "energy_j", "dram", "frames", "fps", "avg_power_w", "npu_avg_power_w",
                        "npu_peak_power_w", "total_macs", "unet_calls_per_keyframe", "dtype", "objective"}) {
    INFO(k);
    CHECK(zoom[k] == sim[k]);
  }
  CHECK(zoom["phases"] == sim["phases"]);
  REQUIRE(zoom["layers"].size() == sim["layers"].size());
  for (size_t i = 0; i < zoom["layers"].size(); ++i) {
    INFO("row " << i << ": " << zoom["layers"][i].dump());
    CHECK(zoom["layers"][i] == sim["layers"][i]);
  }
  std::set<std::string> zk, sk;
  for (const auto& [k, v] : zoom.items()) zk.insert(k);
  for (const auto& [k, v] : sim.items()) sk.insert(k);
  CHECK(zk == sk);
  CHECK(zoom == sim);
}

}  // namespace

TEST_CASE("zoom and sim account the same run identically: 2 keyframes, a frame between, int8") {
  // zoom --dtype int8 runs int8 on the CPU and (no --sim-dtype) on the simulated NPU.
  const auto [z, s] = run_both("int8",
                               "--prompt 'a lighthouse' --width 64 --height 64 --keyframes 2 --frames-between 1 "
                               "--steps 2 --dtype int8",
                               "--size 64 --keyframes 2 --frames-between 1 --steps 2 --dtype int8");
  check_equal(z, s);
  // The run, counted independently: 1 + (2 - 1) x (1 + 1) frames; PNDM (the tiny model's
  // scheduler, skip_prk_steps) makes steps + 1 UNet calls per keyframe; one prompt.
  CHECK(z["frames"] == 3.0);
  CHECK(z["unet_calls_per_keyframe"] == 3);
  CHECK(z["dtype"] == "int8");
  for (const nlohmann::json& row : z["layers"]) {
    if (row["phase"] == "unet") CHECK(row["repeats"] == 2 * 3);
    if (row["phase"] == "text_encoder") CHECK(row["repeats"] == 1);
    if (row["phase"] == "vae_decoder") CHECK(row["repeats"] == 2);
    if (row["phase"] == "interpolation") CHECK(row["repeats"] == 1);
  }
  // sim's --keyframe-every N is --frames-between N - 1.
  const CliResult e =
      run_cli("sim --model tiny --size 64 --keyframes 2 --keyframe-every 2 --steps 2 --dtype int8 --json");
  REQUIRE(e.status == 0);
  nlohmann::json every = nlohmann::json::parse(e.out);
  every.erase("model");
  CHECK(every == s);
  std::filesystem::remove_all(work_dir());
}

TEST_CASE("zoom and sim account the same run identically: start image, two prompts, border, f16") {
  // zoom's default CPU dtype f32 is simulated as f16; the start image replaces keyframe 0.
  const std::string image = std::string(ZOOMRT_FIXTURES_DIR) + "/jpeg/q50_420.jpg";
  const auto [z, s] = run_both("start",
                               "--prompt 'a lighthouse' --prompt-at '2:a storm' --image " + image +
                                   " --width 64 --height 64 --keyframes 3 --frames-between 2 --border 8 --steps 1"
                                   " --objective latency",
                               "--size 64 --keyframes 3 --frames-between 2 --border 8 --steps 1 --prompts 2 "
                               "--start-image --dtype f16 --objective latency");
  check_equal(z, s);
  CHECK(z["frames"] == 1.0 + 2 * 3);
  CHECK(z["dtype"] == "f16");
  CHECK(z["objective"] == "latency");
  for (const nlohmann::json& row : z["layers"]) {
    if (row["phase"] == "text_encoder") CHECK(row["repeats"] == 2);  // two prompts, each encoded once
    if (row["phase"] == "vae_encoder") CHECK(row["repeats"] == 2);   // keyframes 1 and 2
    if (row["phase"] == "start_image") CHECK(row["repeats"] == 1);
  }
  std::filesystem::remove_all(work_dir());
}
