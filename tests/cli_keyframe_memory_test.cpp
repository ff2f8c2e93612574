// `zoomrt inspect` reports a keyframe's planned peak, and `zoomrt zoom --memory-budget` checks that
// same figure: a budget of exactly the reported peak runs, one byte less is refused (one line,
// exit 2); a budget that fits the held plan keeps the UNet and VAE packed and the frames are the
// same bytes. The model is the embedded tiny one (zoom without --model; inspect --model tiny).
#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cli_util.h"

namespace {

std::string scratch_dir() {
  const std::string d = "/tmp/zoomrt_keyframe_memory_" + std::to_string(::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

std::string zoom(const std::string& out, size_t budget, const std::string& extra = "") {
  return "zoom --prompt 'a lighthouse' --quiet --no-video --no-sim --width 128 --height 128 --keyframes 2 "
         "--frames-between 0 --steps 2 --dtype int8-mix --memory-budget " +
         std::to_string(budget) + extra + " --out " + out;
}

size_t one_at_a_time_peak(const std::string& args) {
  CliResult r = run_cli("inspect --json --dtype int8-mix " + args);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(r.out)["keyframe_peak"]["int8-mix"]["one_at_a_time"]["bytes"].get<size_t>();
}

}  // namespace

TEST_CASE("zoom's memory budget checks the keyframe peak that inspect reports") {
  CliResult r = run_cli("inspect --model tiny --size 128 --json --dtype int8-mix");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json peak = nlohmann::json::parse(r.out)["keyframe_peak"]["int8-mix"];
  const size_t alone = peak["one_at_a_time"]["bytes"].get<size_t>(), held = peak["held"]["bytes"].get<size_t>();
  CHECK(peak["one_at_a_time"]["weight_bytes"].get<size_t>() + peak["one_at_a_time"]["activation_bytes"].get<size_t>() ==
        alone);
  REQUIRE(alone < held);
  const std::string d = scratch_dir();

  CliResult refused = run_cli(zoom(d + "/refused", alone - 1));
  CHECK(refused.status == 2);
  CHECK(refused.err.find("needs about") != std::string::npos);
  CHECK(refused.err.find("--memory-budget") != std::string::npos);
  CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);

  CliResult lean = run_cli(zoom(d + "/lean", alone));
  INFO(lean.err);
  REQUIRE(lean.status == 0);
  CliResult kept = run_cli(zoom(d + "/held", held));
  INFO(kept.err);
  REQUIRE(kept.status == 0);
  for (const char* f : {"keyframes/000000.png", "keyframes/000001.png", "frames/000000.png", "frames/000001.png"}) {
    INFO(f);
    const std::string a = read_text(d + "/lean/" + f), b = read_text(d + "/held/" + f);
    CHECK(!a.empty());
    CHECK(a == b);
  }
  std::filesystem::remove_all(d);
}

// Step caching keeps the deep feature between UNet calls ([2, 320, 64, 64] f32 on SD2 at 512x512,
// whose keyframe peak is the UNet's with int8-mix): the planned peak grows by at least that, and
// zoom's budget check uses the figure inspect plans for the same --cache-interval.
TEST_CASE("zoom's memory budget with step caching checks the peak inspect plans for it") {
  const size_t plain = one_at_a_time_peak("--model sd2-inpainting --size 512");
  const size_t cached = one_at_a_time_peak("--model sd2-inpainting --size 512 --cache-interval 2");
  CHECK(cached >= plain + size_t(2) * 320 * 64 * 64 * 4);
  const size_t tiny = one_at_a_time_peak("--model tiny --size 128 --cache-interval 2");
  const std::string d = scratch_dir();
  CliResult refused = run_cli(zoom(d + "/refused", tiny - 1, " --cache-interval 2"));
  CHECK(refused.status == 2);
  CHECK(refused.err.find("--memory-budget") != std::string::npos);
  CliResult fits = run_cli(zoom(d + "/fits", tiny, " --cache-interval 2"));
  INFO(fits.err);
  CHECK(fits.status == 0);
  std::filesystem::remove_all(d);
}
