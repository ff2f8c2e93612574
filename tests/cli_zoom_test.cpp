// `zoomrt zoom` end to end. Bad input: one line on stderr naming the option or file, exit
// status 2, checked before any model is loaded, and an existing run's files left as they were.
// Real runs on the embedded tiny model: a run killed part-way and resumed, and runs with 1 and 2
// threads, give byte-identical frames; stats.json carries consistent NPU figures.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cli_util.h"

namespace fs = std::filesystem;

namespace {

// A fresh folder for this process, removed at exit (it holds the tiny model and the runs).
std::string work_dir() {
  struct Dir {
    std::string path = "/tmp/zoomrt_cli_zoom_" + std::to_string(::getpid());
    Dir() {
      fs::remove_all(path);
      fs::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Dir d;
  return d.path;
}

void expect_bad(const std::string& args, const std::string& must_mention) {
  const CliResult r = run_cli("zoom --prompt 'a lighthouse' --quiet " + args);
  INFO("args: " << args << "\nstderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(must_mention));
}

}  // namespace

TEST_CASE("zoom refuses bad options with one line and exit status 2") {
  const std::string out = "--out " + work_dir() + "/out";
  expect_bad(out + " --width 500", "multiples of 8");
  expect_bad(out + " --height 12", "multiples of 8");
  expect_bad(out + " --keyframes 0", "--keyframes");
  expect_bad(out + " --frames-between -1", "--frames-between");
  expect_bad(out + " --zoom 0.5", "--zoom");
  expect_bad(out + " --border 300", "--border");
  expect_bad(out + " --zoom 2 --border 64", "excludes");
  expect_bad(out + " --fps 0", "--fps");
  expect_bad(out + " --steps 0", "--steps");
  expect_bad(out + " --dtype f8", "--dtype");
  expect_bad(out + " --prompt-at 'x:a storm'", "--prompt-at");
  expect_bad(out + " --prompt-at '3 a storm'", "missing ':'");
  expect_bad(out + " --prompt-file " + work_dir() + "/no-such-prompts.txt", "no-such-prompts.txt");
  expect_bad(out + " --image " + work_dir() + "/no-such.png", "no-such.png");
  std::ofstream(work_dir() + "/corrupt.jpg") << "\xff\xd8\xff garbage";
  expect_bad(out + " --image " + work_dir() + "/corrupt.jpg", "corrupt.jpg");
  std::ofstream(work_dir() + "/file") << "x";
  expect_bad("--out " + work_dir() + "/file/sub", "--out");
  const CliResult no_out = run_cli("zoom --prompt p");
  CHECK(no_out.status == 2);
}

TEST_CASE("zoom leaves an existing run alone unless --resume is given") {
  const std::string dir = work_dir() + "/previous";
  fs::create_directories(dir + "/frames");
  std::ofstream(dir + "/frames/000000.png") << "earlier frame";
  std::ofstream(dir + "/state.json") << "{}";
  expect_bad("--out " + dir, "previous run");
  CHECK(read_text(dir + "/frames/000000.png") == "earlier frame");
  CHECK(read_text(dir + "/state.json") == "{}");
  expect_bad("--out " + dir + " --resume", "state.json");  // not a zoomrt state: refused, kept
  CHECK(read_text(dir + "/state.json") == "{}");
}

TEST_CASE("zoom refuses bad NPU options with one line and exit status 2") {
  const std::string out = "--out " + work_dir() + "/out-sim";
  expect_bad(out + " --npu no-such-npu", "--npu");
  expect_bad(out + " --sim-dtype int3", "--sim-dtype");
  expect_bad(out + " --strategy sideways", "--strategy");
  expect_bad(out + " --power-policy turbo", "--power-policy");
  expect_bad(out + " --power-policy dfs-layer", "--power-cap");
  expect_bad(out + " --battery-mwh -5", "--battery-mwh");
  expect_bad(out + " --objective speed", "--objective");
  // No --sim-dtype: it follows --dtype, and palette3 has no simulated counterpart.
  expect_bad(out + " --dtype palette3", "--sim-dtype");
}

// End-to-end runs on the embedded tiny model (created once in a temporary ZOOMRT_CACHE):
// 64x64 frames, 3 keyframes, 2 frames between, 3 steps.
namespace {

const std::string kSmallRun =
    "zoom --prompt 'a lighthouse on a cliff' --prompt-at '2:a stormy sea' --width 64 --height 64 "
    "--keyframes 3 --frames-between 2 --steps 3 --seed 11 --no-video --quiet";
constexpr int kSmallFrames = 1 + (3 - 1) * (2 + 1);

void use_temp_cache() { ::setenv("ZOOMRT_CACHE", (work_dir() + "/cache").c_str(), 1); }

// Runs the small zoom into work_dir()/name with extra options; REQUIREs success.
std::string small_run(const std::string& name, const std::string& extra) {
  use_temp_cache();
  const std::string dir = work_dir() + "/" + name;
  const CliResult r = run_cli(kSmallRun + " --out " + dir + " " + extra);
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  return dir;
}

// The reference: an uninterrupted single-threaded run, made once.
const std::string& reference_run() {
  static const std::string dir = small_run("reference", "--threads 1");
  return dir;
}

std::vector<std::string> frame_names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir + "/frames")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void check_same_frames(const std::string& a, const std::string& b) {
  const std::vector<std::string> names = frame_names(a);
  REQUIRE(int(names.size()) == kSmallFrames);
  REQUIRE(frame_names(b) == names);
  for (const std::string& n : names) {
    INFO("frame " << n);
    const std::string fa = read_text(a + "/frames/" + n), fb = read_text(b + "/frames/" + n);
    CHECK(!fa.empty());
    CHECK(fa == fb);
  }
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text(path)); }

}  // namespace

TEST_CASE("zoom frames are byte-identical for --threads 1 and --threads 2") {
  check_same_frames(reference_run(), small_run("threads2", "--threads 2"));
}

// Step caching is opt-in: --cache-interval 1 is the uncached pipeline, frame for frame, and its
// state fingerprint is the one runs without the option write (so they resume either way); any
// other interval changes the frames and is part of the fingerprint.
TEST_CASE("zoom --cache-interval 1 gives the frames and fingerprint of a run without it and 3 changes them") {
  const std::string one = small_run("cache1", "--threads 1 --cache-interval 1");
  check_same_frames(reference_run(), one);
  CHECK(read_json(one + "/state.json")["fingerprint"] == read_json(reference_run() + "/state.json")["fingerprint"]);
  const std::string three = small_run("cache3", "--threads 1 --cache-interval 3");
  CHECK(read_json(three + "/state.json")["fingerprint"]["cache_interval"] == 3);
  int differing = 0;
  for (const std::string& n : frame_names(reference_run()))
    differing += read_text(reference_run() + "/frames/" + n) != read_text(three + "/frames/" + n);
  CHECK(differing == kSmallFrames);  // every frame is, or shows part of, an inpainted keyframe
}

TEST_CASE("zoom killed part-way and resumed gives the uninterrupted run's frames and stats") {
  use_temp_cache();
  const std::string& ref = reference_run();  // also makes sure the tiny model is in the cache
  const std::string dir = work_dir() + "/killed", pid_file = work_dir() + "/killed.pid";
  REQUIRE(std::system((std::string(ZOOMRT_CLI) + " " + kSmallRun + " --threads 2 --out " + dir +
                       " >/dev/null 2>&1 & echo $! >" + pid_file)
                          .c_str()) == 0);
  const pid_t pid = pid_t(std::stol(read_text(pid_file)));
  // Killed (SIGKILL: no clean-up) as soon as keyframe 0 is on disk, while keyframe 1 is inpainted.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!fs::exists(dir + "/keyframes/000000.png") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Really interrupted: stats.json comes last; state.json, when already there, is not complete.
  REQUIRE_FALSE(fs::exists(dir + "/stats.json"));
  if (fs::exists(dir + "/state.json")) CHECK(read_json(dir + "/state.json")["keyframes_done"].get<int>() < 3);

  const CliResult r = run_cli(kSmallRun + " --threads 2 --resume --out " + dir);
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  check_same_frames(ref, dir);
  // The NPU figures do not depend on where the run was interrupted.
  const nlohmann::json a = read_json(ref + "/stats.json"), b = read_json(dir + "/stats.json");
  REQUIRE(a["frames"].size() == b["frames"].size());
  for (size_t i = 0; i < a["frames"].size(); ++i) CHECK(a["frames"][i]["sim"] == b["frames"][i]["sim"]);
  CHECK(a["summary"]["sim"] == b["summary"]["sim"]);
}

namespace {

double num(const nlohmann::json& j) { return j.get<double>(); }

// A frame's "sim" object: every field, and the figures agree with one another. Interpolated
// frames run no MACs (only resampling and blending on the vector unit).
void check_frame_sim(const nlohmann::json& s, bool keyframe) {
  INFO("sim: " << s.dump());
  REQUIRE(s.is_object());
  const double latency = num(s["sim_latency_s"]), energy = num(s["energy_j"]["total"]);
  REQUIRE(latency > 0);
  REQUIRE(energy > 0);
  CHECK(num(s["fps"]) * latency == Approx(1.0).epsilon(1e-9));
  CHECK(num(s["avg_power_w"]) * latency == Approx(energy).epsilon(1e-9));
  CHECK(num(s["fps_per_watt"]) == Approx(num(s["fps"]) / num(s["avg_power_w"])).epsilon(1e-9));
  CHECK(num(s["tops_per_watt"]) == Approx(2 * num(s["macs"]) / energy / 1e12).epsilon(1e-9));
  CHECK((num(s["macs"]) > 0) == keyframe);
  const auto& e = s["energy_j"];
  CHECK(num(e["mac"]) + num(e["sram"]) + num(e["dram"]) + num(e["static"]) == Approx(energy).epsilon(1e-9));
  for (const char* k : {"mac", "sram", "dram", "static"}) CHECK(num(e[k]) >= 0);
  const auto& d = s["dram"];
  for (const char* k : {"bytes_read", "bytes_written", "accesses", "row_hits", "row_misses", "row_conflicts",
                        "activations"})
    CHECK(d.contains(k));
  CHECK(d["accesses"].get<uint64_t>() > 0);
  CHECK(d["row_hits"].get<uint64_t>() + d["row_misses"].get<uint64_t>() + d["row_conflicts"].get<uint64_t>() ==
        d["accesses"].get<uint64_t>());
}

}  // namespace

TEST_CASE("zoom stats.json has the NPU figures per frame and in summary, consistent") {
  const nlohmann::json stats = read_json(reference_run() + "/stats.json");
  const nlohmann::json& frames = stats["frames"];
  REQUIRE(int(frames.size()) == kSmallFrames);
  double latency = 0, energy = 0;
  uint64_t accesses = 0, bytes_read = 0;
  std::vector<double> key_latency;
  double max_between_latency = 0;
  for (const nlohmann::json& f : frames) {
    check_frame_sim(f["sim"], f["keyframe"].get<bool>());
    const double l = num(f["sim"]["sim_latency_s"]);
    latency += l;
    energy += num(f["sim"]["energy_j"]["total"]);
    accesses += f["sim"]["dram"]["accesses"].get<uint64_t>();
    bytes_read += f["sim"]["dram"]["bytes_read"].get<uint64_t>();
    if (f["keyframe"].get<bool>())
      key_latency.push_back(l);
    else
      max_between_latency = std::max(max_between_latency, l);
  }
  // Keyframes 0 and 2 start a prompt (text encoder), keyframe 1 reuses keyframe 0's; an
  // interpolated frame only resamples and blends.
  REQUIRE(key_latency.size() == 3);
  CHECK(key_latency[0] > key_latency[1]);
  CHECK(key_latency[2] == Approx(key_latency[0]).epsilon(1e-9));
  CHECK(max_between_latency * 10 < key_latency[1]);

  const nlohmann::json& s = stats["summary"]["sim"];
  REQUIRE(s.is_object());
  CHECK(num(s["sim_latency_s"]) == Approx(latency).epsilon(1e-9));
  CHECK(num(s["energy_j"]["total"]) == Approx(energy).epsilon(1e-9));
  CHECK(s["dram"]["accesses"].get<uint64_t>() == accesses);
  CHECK(s["dram"]["bytes_read"].get<uint64_t>() == bytes_read);
  CHECK(num(s["fps"]) == Approx(kSmallFrames / latency).epsilon(1e-9));
  CHECK(num(s["fps_per_watt"]) == Approx(num(s["fps"]) / num(s["avg_power_w"])).epsilon(1e-9));
  CHECK(num(s["tops_per_watt"]) > 0);
  CHECK_FALSE(s.contains("battery_hours"));

  // One row per executed layer; the UNet runs once per scheduler timestep of each keyframe
  // (PNDM, the tiny model's default, has steps + 1 of them).
  const nlohmann::json sched = read_json(work_dir() + "/cache/tiny-v1/scheduler/scheduler_config.json");
  const int calls = 3 + (sched["_class_name"] == "PNDMScheduler" ? 1 : 0);
  REQUIRE(s["layers"].is_array());
  int unet_rows = 0, text_rows = 0;
  for (const nlohmann::json& row : s["layers"]) {
    for (const char* k : {"name", "op", "dtype", "strategy", "tile", "loop_order", "dram_bytes_read",
                          "dram_bytes_written", "dram_accesses", "row_hits", "cycles", "freq_mhz", "energy_j"})
      CHECK(row.contains(k));
    if (row["phase"] == "unet" && row["op"] != "guidance" && row["op"] != "scheduler_step") {
      ++unet_rows;
      CHECK(row["repeats"].get<int>() == 3 * calls);
    }
    if (row["phase"] == "text_encoder") {
      ++text_rows;
      CHECK(row["repeats"].get<int>() == 2);  // two distinct prompts
    }
    // No --sim-dtype: the NPU runs the counterpart of the CPU --dtype, f32 -> f16 (docs/zoom.md).
    if (row["op"] == "conv2d" || row["op"] == "linear") CHECK(row["dtype"] == "f16");
  }
  CHECK(unet_rows > 0);
  CHECK(text_rows > 0);
}

TEST_CASE("zoom --no-sim leaves sim null and the frames unchanged, --battery-mwh gives hours") {
  const std::string plain = small_run("nosim", "--threads 2 --no-sim");
  check_same_frames(reference_run(), plain);
  const nlohmann::json stats = read_json(plain + "/stats.json");
  for (const nlohmann::json& f : stats["frames"]) CHECK(f["sim"].is_null());
  CHECK(stats["summary"]["sim"].is_null());

  use_temp_cache();
  const std::string dir = work_dir() + "/battery";
  const CliResult r = run_cli(kSmallRun + " --threads 2 --sim-dtype int4 --power-policy dfs-layer --power-cap 1.5 "
                                          "--battery-mwh 4000 --out " + dir);
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.empty());  // --quiet: no terminal summary
  const nlohmann::json s = read_json(dir + "/stats.json")["summary"]["sim"];
  CHECK(s["dtype"] == "int4");
  CHECK(s["power_policy"] == "dfs-layer");
  CHECK(num(s["battery_hours"]) == Approx(4000e-3 / num(s["avg_power_w"])).epsilon(1e-9));
}

TEST_CASE("zoom prints the NPU summary at the end of a run") {
  use_temp_cache();
  const std::string dir = work_dir() + "/terminal";
  std::string args = kSmallRun;
  args.replace(args.find(" --quiet"), 8, "");
  args.replace(args.find("--keyframes 3"), 13, "--keyframes 1");
  const CliResult r = run_cli(args + " --out " + dir);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("FPS/W"));
  CHECK_THAT(r.out, Catch::Contains("DRAM"));
  CHECK_THAT(r.out, Catch::Contains("accesses"));
  CHECK_THAT(r.out, Catch::Contains("J per frame"));
}
