// Issue 16: bad input handled by mechanism. One TEST_CASE per class of the issue, each through
// the built CLI: exit status 2 and one line naming the file, key or option (or, for a
// legitimate input, a correct run). Device nodes are private copies (mknod, root only; the
// case is skipped with a message otherwise); the system's /dev/null is never named.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_scratch.h"
#include "cli_util.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

cli_test::TinyModelScratch& scratch_folder() {
  static cli_test::TinyModelScratch s("mechanism");
  return s;
}
const std::string& scratch() { return scratch_folder().dir(); }
std::string copy_model(const std::string& name) { return scratch_folder().copy_model(name); }
using cli_test::expect_bad;

void edit_config(const std::string& path, const std::function<void(json&)>& edit) {
  json j = json::parse(read_text(path));
  edit(j);
  std::ofstream(path) << j.dump(2);
}

// A small zoom of the embedded model (or --model) into `out`.
std::string zoom_args(const std::string& out, int keyframes = 2) {
  return "zoom --prompt 'a lighthouse' --quiet --no-sim --width 64 --height 64 --keyframes " + std::to_string(keyframes) +
         " --frames-between 1 --steps 2 --out " + out;
}

std::string private_device(const std::string& name, unsigned minor) {
  const std::string p = scratch() + "/" + name;
  fs::remove(p);
  if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, minor)) != 0) return "";
  return p;
}

const std::string kSim = "sim --model tiny --steps 2 --size 64 --keyframes 2 --keyframe-every 3";

}  // namespace

TEST_CASE("class 1: values used as indices, loop bounds or sizes are range-checked at the reader") {
  const std::string d = copy_model("sched_offset");
  edit_config(d + "/scheduler/scheduler_config.json", [](json& j) {
    j["num_train_timesteps"] = 100000;
    j["steps_offset"] = 99999;
    j["beta_start"] = 1e-6;  // small enough that alpha_bar stays above 0 over 100000 steps
    j["beta_end"] = 2e-5;
    j["beta_schedule"] = "linear";
  });
  expect_bad(run_cli(zoom_args(scratch() + "/out_offset") + " --no-video --model " + d),
             {"scheduler_config.json", "steps_offset", "num_train_timesteps"});
  edit_config(d + "/scheduler/scheduler_config.json", [](json& j) {
    j["num_train_timesteps"] = 2;
    j["steps_offset"] = 0;
  });
  const std::string three_steps = "zoom --prompt p --quiet --no-sim --no-video --width 64 --height 64 --keyframes 2 "
                                  "--steps 3 --out " + scratch() + "/out_t2 --model " + d;
  expect_bad(run_cli(three_steps), {"--steps: 3 is out of range [1, 2]", "num_train_timesteps"});

  const std::string npu = scratch() + "/dfs.json";
  json j = json::parse(read_text(std::string(ZOOMRT_FIXTURES_DIR) + "/../../sim/presets/phone-npu.json"));
  j["power"]["dfs_step_mhz"] = 1e-9;
  std::ofstream(npu) << j.dump();
  expect_bad(run_cli(kSim + " --npu " + npu), {npu, "power.dfs_step_mhz"});

  const std::string cfg = scratch() + "/wide.cfg";
  std::ofstream(cfg) << "[architecture_presets]\nArrayHeight: 32\nArrayWidth: 4294967297\nIfmapSramSzkB: 64\n"
                        "FilterSramSzkB: 64\nOfmapSramSzkB: 64\n";
  expect_bad(run_cli(kSim + " --npu " + cfg), {cfg, "arraywidth", "4294967297"});

  const std::string csv = scratch() + "/huge.csv";
  std::ofstream(csv) << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                        "Strides,\nbig, 65536, 65536, 3, 3, 4, 8, 1,\n";
  expect_bad(run_cli("sim --model " + csv), {csv + ":2", "IFMAP", "limit"});
  const std::string gemm = scratch() + "/gemm.csv";
  std::ofstream(gemm) << "Layer, M, N, K\nwide, 2000000000, 1, 1\n";
  expect_bad(run_cli("sim --model " + gemm), {gemm + ":2", "M x K"});

  expect_bad(run_cli(zoom_args(scratch() + "/out_threads") + " --no-video --threads 40000"), {"--threads", "40000"});
  expect_bad(run_cli(zoom_args(scratch() + "/out_border") + " --no-video --border 1073741824"), {"--border"});
}

TEST_CASE("class 2: inputs that are not regular files are refused at once, never read") {
  const std::string fifo = scratch() + "/image.fifo";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A FIFO with no writer: refused, not waited on (a hang here would time the test out).
  expect_bad(run_cli(zoom_args(scratch() + "/out_fifo") + " --no-video --image " + fifo), {fifo, "a FIFO"});
  expect_bad(run_cli(zoom_args(scratch() + "/out_pfifo") + " --no-video --prompt-file " + fifo), {fifo, "a FIFO"});
  expect_bad(run_cli(kSim + " --npu " + fifo + ".json"), {fifo + ".json"});  // absent: named as before
  const std::string sparse = scratch() + "/big_prompts.txt";
  std::ofstream(sparse).close();
  fs::resize_file(sparse, uint64_t(3) << 30);
  expect_bad(run_cli(zoom_args(scratch() + "/out_sparse") + " --no-video --prompt-file " + sparse),
             {sparse, "above the limit"});
  fs::remove(sparse);
  const std::string zero = private_device("zero", 5);
  if (zero.empty()) {
    WARN("not root: no private /dev/zero copy, device inputs not tested (FIFOs are)");
    return;
  }
  expect_bad(run_cli(zoom_args(scratch() + "/out_zero") + " --no-video --image " + zero), {zero, "character device"});
  expect_bad(run_cli(kSim + " --npu " + zero), {zero, "character device"});
  const std::string d = copy_model("tok_zero");
  fs::remove(d + "/tokenizer/vocab.json");
  fs::create_symlink(zero, d + "/tokenizer/vocab.json");
  expect_bad(run_cli(zoom_args(scratch() + "/out_tok") + " --no-video --model " + d), {"vocab.json", "character device"});
}

TEST_CASE("class 3: outputs on devices and FIFOs are written through, never replaced (private /dev/null copy)") {
  const std::string null = private_device("null", 3);
  if (null.empty()) {
    WARN("not root: no private /dev/null copy, device outputs not tested");
    return;
  }
  const CliResult r = run_cli(kSim + " --dram-trace " + null);
  INFO("stderr: " << r.err);
  CHECK(r.status == 0);
  struct stat st {};
  REQUIRE(::lstat(null.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(1, 3));
  const std::string fifo = scratch() + "/trace.fifo";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  expect_bad(run_cli(kSim + " --dram-trace " + fifo), {fifo, "FIFO that nobody reads"});
  struct stat fst {};
  REQUIRE(::lstat(fifo.c_str(), &fst) == 0);
  CHECK(S_ISFIFO(fst.st_mode));
}

TEST_CASE("class 4: a second run into a locked --out stops with one line, and resume checks the model's content") {
  const std::string out = scratch() + "/out_locked";
  fs::create_directories(out);
  const int fd = ::open(out.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);  // as a running zoom holds it
  expect_bad(run_cli(zoom_args(out) + " --no-video"), {"--out", "in use by another zoomrt run"});
  CHECK(fs::is_empty(out));
  ::close(fd);  // released: the same command now runs
  CHECK(run_cli(zoom_args(out) + " --no-video").status == 0);

  // Same path, other content: the resume is refused by the model's hash.
  const std::string d = copy_model("resume_model");
  const std::string out2 = scratch() + "/out_resume";
  REQUIRE(run_cli(zoom_args(out2, 2) + " --no-video --model " + d).status == 0);
  edit_config(d + "/vae/config.json", [](json& j) { j["scaling_factor"] = 0.2; });
  expect_bad(run_cli(zoom_args(out2, 3) + " --no-video --resume --model " + d), {"state.json", "model_hash"});
}

TEST_CASE("class 5: non-finite weights and configs that overflow stop the run naming the tensor or key") {
  const std::string d = copy_model("nan_weight");
  // The first F32 matrix (rank >= 2, one that quantize converts) of the UNet file gets a NaN
  // as its first element.
  const std::string w = d + "/unet/diffusion_pytorch_model.safetensors";
  std::fstream f(w, std::ios::in | std::ios::out | std::ios::binary);
  uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  f.read(header.data(), std::streamsize(n));
  const json h = json::parse(header);
  std::string name;
  uint64_t offset = UINT64_MAX;
  for (const auto& [k, v] : h.items())
    if (k != "__metadata__" && v["dtype"] == "F32" && v["shape"].size() >= 2 &&
        v["data_offsets"][1] > v["data_offsets"][0] &&
        v["data_offsets"][0].get<uint64_t>() < offset)
      name = k, offset = v["data_offsets"][0].get<uint64_t>();
  REQUIRE(!name.empty());
  const float nan = std::nanf("");
  f.seekp(std::streamoff(8 + n + offset));
  f.write(reinterpret_cast<const char*>(&nan), 4);
  f.close();
  expect_bad(run_cli(zoom_args(scratch() + "/out_nan") + " --no-video --model " + d), {name, "NaN"});
  expect_bad(run_cli("quantize --model " + d + " --to int8 --out " + scratch() + "/q_nan"), {name});

  // Finite weights whose products overflow: every element of that matrix 3e38 (FLT_MAX 3.4e38).
  // The weight check passes; the UNet's output check stops the run at its first call.
  const std::string o = copy_model("overflowing_weight");
  {
    std::fstream g(o + "/unet/diffusion_pytorch_model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    const auto& offs = h[name]["data_offsets"];
    const std::vector<float> huge((offs[1].get<uint64_t>() - offs[0].get<uint64_t>()) / 4, 3e38f);
    g.seekp(std::streamoff(8 + n + offset));
    g.write(reinterpret_cast<const char*>(huge.data()), std::streamsize(huge.size() * 4));
  }
  expect_bad(run_cli(zoom_args(scratch() + "/out_overflow") + " --no-video --model " + o),
             {"unet: output holds", "at step 1 of"});

  const std::string s = copy_model("huge_scaling");
  edit_config(s + "/vae/config.json", [](json& j) { j["scaling_factor"] = 1e300; });
  expect_bad(run_cli(zoom_args(scratch() + "/out_sf") + " --no-video --model " + s), {"vae/config.json", "scaling_factor"});
  const std::string b = copy_model("betas_reversed");
  edit_config(b + "/scheduler/scheduler_config.json", [](json& j) {
    j["beta_start"] = 0.02;
    j["beta_end"] = 0.0001;
  });
  expect_bad(run_cli(zoom_args(scratch() + "/out_betas") + " --no-video --model " + b), {"beta_start", "beta_end"});
}

TEST_CASE("class 6: a failing ffmpeg is exit 2 with the frames kept, and architecture keys we lack are refused") {
  // A fake ffmpeg that fails as a full disk would.
  const std::string bin = scratch() + "/fakebin";
  fs::create_directories(bin);
  std::ofstream(bin + "/ffmpeg") << "#!/bin/sh\necho 'No space left on device' >&2\nexit 1\n";
  fs::permissions(bin + "/ffmpeg", fs::perms::owner_all);
  const std::string out = scratch() + "/out_ffmpeg";
  const CliResult r = run_cli_env("PATH=" + bin + ":/usr/bin:/bin", zoom_args(out));
  expect_bad(r, {"zoom.mp4", "ffmpeg failed (status 1: No space left on device", "encode them again"});
  CHECK(fs::exists(out + "/frames/000000.png"));
  CHECK(fs::exists(out + "/frames/000002.png"));
  CHECK_FALSE(fs::exists(out + "/zoom.mp4"));
  for (const auto& e : fs::directory_iterator(out)) CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);

  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"class_embed_type", "timestep"}, {"num_class_embeds", 10}, {"addition_embed_type", "text"},
           {"time_embedding_type", "fourier"}}) {
    const std::string d = copy_model("unet_" + key);
    edit_config(d + "/unet/config.json", [&](json& j) { j[key] = value; });
    expect_bad(run_cli("inspect --model " + d), {"unet/config.json", key});
  }
}

namespace {

// True once `pid` is gone or a zombie (no longer running).
bool process_ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Polls `done` every 50 ms for at most `seconds` (a bound on waiting, not a timing check).
template <class F>
bool wait_for(F done, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (done()) return true;
    ::usleep(50000);
  }
  return done();
}

}  // namespace

TEST_CASE("class 6: a killed run takes its ffmpeg with it, and the next run removes the stray temporary") {
  const std::string bin = scratch() + "/slowbin", out = scratch() + "/out_killed";
  fs::create_directories(bin);
  fs::remove_all(out);
  // Creates its output (the last argument: zoom.mp4's temporary), records its pid, then waits.
  std::ofstream(bin + "/ffmpeg") << "#!/bin/sh\nfor a; do last=$a; done\n: > \"$last\"\necho $$ > " << scratch()
                                 << "/ffmpeg.pid\nexec sleep 300\n";
  fs::permissions(bin + "/ffmpeg", fs::perms::owner_all);
  fs::remove(scratch() + "/ffmpeg.pid");
  const std::string path = "PATH=" + bin + ":/usr/bin:/bin";
  const pid_t zoom = ::fork();
  REQUIRE(zoom >= 0);
  if (zoom == 0) {
    ::setenv("PATH", (bin + ":/usr/bin:/bin").c_str(), 1);
    const int devnull = ::open("/tmp", O_TMPFILE | O_WRONLY, 0600);
    if (devnull >= 0) ::dup2(devnull, 2);
    // The same run as zoom_args(out).
    ::execl(ZOOMRT_CLI, ZOOMRT_CLI, "zoom", "--prompt", "a lighthouse", "--quiet", "--no-sim", "--width", "64",
            "--height", "64", "--keyframes", "2", "--frames-between", "1", "--steps", "2", "--out", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::string pid_file = scratch() + "/ffmpeg.pid";
  const bool started = wait_for([&] { return fs::exists(pid_file) && read_text(pid_file).find('\n') != std::string::npos; }, 120);
  ::kill(zoom, SIGKILL);
  int status = 0;
  ::waitpid(zoom, &status, 0);
  REQUIRE(started);
  const pid_t ffmpeg = pid_t(std::stol(read_text(scratch() + "/ffmpeg.pid")));
  CHECK(wait_for([&] { return process_ended(ffmpeg); }, 30));
  bool stray = false;
  for (const auto& e : fs::directory_iterator(out)) stray |= e.path().filename().string().rfind("zoom.mp4.tmp.", 0) == 0;
  CHECK(stray);  // the killed run's temporary is there ...
  // ... and the next encode (a fake that writes an empty video) removes it.
  std::ofstream(bin + "/ffmpeg") << "#!/bin/sh\nfor a; do last=$a; done\n: > \"$last\"\nexit 0\n";
  CHECK(run_cli_env(path, zoom_args(out) + " --resume").status == 0);
  for (const auto& e : fs::directory_iterator(out)) CHECK(e.path().filename().string().rfind("zoom.mp4.tmp.", 0) != 0);
}

TEST_CASE("class 7: smaller option checks name the right option before any keyframe") {
  expect_bad(run_cli(zoom_args(scratch() + "/out_b0") + " --no-video --border 0"), {"--border"});
  expect_bad(run_cli(zoom_args(scratch() + "/out_bneg") + " --no-video --border -5"), {"--border"});
  expect_bad(run_cli(zoom_args(scratch() + "/out_seed") + " --no-video --seed -1"), {"--seed"});
  const std::string out = scratch() + "/out_utf8";
  expect_bad(run_cli(zoom_args(out, 3) + " --no-video --prompt-at \"$(printf '2:bad \\377 byte')\""), {"--prompt-at", "UTF-8"});
  CHECK_FALSE(fs::exists(out + "/keyframes/000000.png"));  // refused before keyframe 0 ran
  const std::string d = copy_model("incomplete");
  fs::remove(d + "/unet/diffusion_pytorch_model.safetensors");
  const std::string small = d + "/unet/diffusion_pytorch_model.safetensors";
  // An empty-but-valid weights file: the architecture's tensors are all missing.
  std::ofstream(small, std::ios::binary) << std::string("\x02\0\0\0\0\0\0\0{}", 10);
  expect_bad(run_cli("inspect --model " + d), {"incomplete", "unet"});
}
