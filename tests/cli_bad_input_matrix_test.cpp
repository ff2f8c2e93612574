// The bad-input matrix (docs/bad_input.md): one TEST_CASE per row that no other test covers.
// Each runs the built CLI on one damaged input and checks the contract: exit status 2, exactly
// one line on stderr naming the file, tensor, key or option and the problem, nothing written.
// Damaged model folders are copies of `make-model --config tiny` (F32 weights) with one change.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_scratch.h"
#include "cli_util.h"
#include "runtime/media/image_io.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

cli_test::TinyModelScratch& scratch_folder() {
  static cli_test::TinyModelScratch s("matrix");
  return s;
}
const std::string& scratch() { return scratch_folder().dir(); }
const std::string& tiny_model() { return scratch_folder().tiny_model(); }
std::string copy_model(const std::string& name) { return scratch_folder().copy_model(name); }
using cli_test::expect_bad;

const std::string kVaeWeights = "/vae/diffusion_pytorch_model.safetensors";
const std::string kDecoderInputs = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny/io/vae_decoder.safetensors";

CliResult eval_vae_decoder(const std::string& model) {
  return run_cli("eval --model " + model + " --component vae_decoder --inputs " + kDecoderInputs + " --output " +
                 scratch() + "/never.safetensors");
}

// Rewrites a safetensors file's JSON header through `edit`, keeping the data section as it is.
void edit_header(const std::string& path, const std::function<void(json&)>& edit) {
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  in.read(header.data(), std::streamsize(n));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  json j = json::parse(header);
  edit(j);
  const std::string text = j.dump();
  const uint64_t m = text.size();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&m), 8);
  out << text << data;
}

// The first tensor (by name) with at least two dimensions: its name.
std::string matrix_tensor(const json& j) {
  for (const auto& [name, v] : j.items())
    if (name != "__metadata__" && v["shape"].size() >= 2) return name;
  FAIL("no tensor with two dimensions");
  return "";
}

void edit_config(const std::string& path, const std::function<void(json&)>& edit) {
  json j = json::parse(read_text(path));
  edit(j);
  std::ofstream(path) << j.dump(2);
}

std::string zoom_args(const std::string& out) {
  return "zoom --prompt 'a lighthouse' --quiet --no-video --no-sim --width 64 --height 64 --keyframes 3 "
         "--frames-between 0 --steps 2 --out " +
         out;
}

std::string flat_image(const std::string& name, int side) {
  zoomrt::Image img;
  img.width = img.height = side;
  img.rgb.assign(size_t(3) * side * side, 0.5f);
  const std::string path = scratch() + "/" + name;
  zoomrt::save_png(img, path);
  return path;
}

std::map<std::string, std::string> files_in(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = read_text(e.path().string());
  return files;
}

}  // namespace

TEST_CASE("matrix: safetensors header length far beyond the file", "[matrix]") {
  const std::string d = copy_model("oversized");
  std::fstream f(d + kVaeWeights, std::ios::in | std::ios::out | std::ios::binary);
  const uint64_t huge = uint64_t(1) << 62;
  f.write(reinterpret_cast<const char*>(&huge), 8);
  f.close();
  expect_bad(eval_vae_decoder(d), {"vae/diffusion_pytorch_model.safetensors"});
}

TEST_CASE("matrix: safetensors tensors whose byte ranges overlap", "[matrix]") {
  const std::string d = copy_model("overlap");
  edit_header(d + kVaeWeights, [](json& j) {
    std::vector<std::string> names;
    for (const auto& [name, v] : j.items())
      if (name != "__metadata__" && v["data_offsets"][1] > v["data_offsets"][0]) names.push_back(name);
    REQUIRE(names.size() >= 2);
    // Same byte count as before, moved onto the first tensor's bytes.
    json& a = j[names[0]];
    json& b = j[names[1]];
    const uint64_t len = b["data_offsets"][1].get<uint64_t>() - b["data_offsets"][0].get<uint64_t>();
    b["data_offsets"] = {a["data_offsets"][0], a["data_offsets"][0].get<uint64_t>() + len};
  });
  expect_bad(eval_vae_decoder(d), {"vae/diffusion_pytorch_model.safetensors", "overlap"});
}

TEST_CASE("matrix: a tensor the model needs is missing", "[matrix]") {
  const std::string d = copy_model("missing_tensor");
  std::string removed;
  edit_header(d + kVaeWeights, [&](json& j) {
    removed = matrix_tensor(j);
    j.erase(removed);
  });
  expect_bad(eval_vae_decoder(d), {"missing tensor", removed});
}

TEST_CASE("matrix: a tensor of the wrong shape (same byte count)", "[matrix]") {
  const std::string d = copy_model("wrong_shape");
  std::string changed;
  edit_header(d + kVaeWeights, [&](json& j) {
    changed = matrix_tensor(j);
    int64_t numel = 1;
    for (const auto& dim : j[changed]["shape"]) numel *= dim.get<int64_t>();
    j[changed]["shape"] = {numel};
  });
  expect_bad(eval_vae_decoder(d), {changed, "shape"});
}

TEST_CASE("matrix: a weight of a non-float dtype (same byte count)", "[matrix]") {
  const std::string d = copy_model("wrong_dtype");
  std::string changed;
  edit_header(d + kVaeWeights, [&](json& j) {
    changed = matrix_tensor(j);
    REQUIRE(j[changed]["dtype"] == "F32");
    j[changed]["dtype"] = "I32";
  });
  expect_bad(eval_vae_decoder(d), {changed, "I32"});
}

TEST_CASE("matrix: a config with a required key missing", "[matrix]") {
  const std::string d = copy_model("missing_key");
  edit_config(d + "/vae/config.json", [](json& j) { j.erase("block_out_channels"); });
  expect_bad(run_cli("inspect --model " + d), {"vae/config.json", "block_out_channels"});
}

TEST_CASE("matrix: a config with an absurdly large value", "[matrix]") {
  const std::string d = copy_model("absurd_value");
  edit_config(d + "/unet/config.json", [](json& j) { j["layers_per_block"] = 1000000000; });
  expect_bad(run_cli("inspect --model " + d), {"unet/config.json", "layers_per_block"});
}

TEST_CASE("matrix: a scheduler config with absurd values", "[matrix]") {
  const std::string d = copy_model("absurd_scheduler");
  edit_config(d + "/scheduler/scheduler_config.json", [](json& j) { j["num_train_timesteps"] = -5; });
  expect_bad(run_cli(zoom_args(scratch() + "/out_sched") + " --model " + d),
             {"scheduler_config.json", "num_train_timesteps"});
}

TEST_CASE("matrix: an image above the pixel limit, and frames above it", "[matrix]") {
  const std::string img = flat_image("big.png", 128);  // frames are 64x64 = 4096 px, under the limit
  expect_bad(run_cli(zoom_args(scratch() + "/out_big") + " --image " + img + " --max-image-pixels 10000"),
             {"big.png", "16384 pixels", "--max-image-pixels"});
  expect_bad(run_cli("zoom --prompt p --quiet --no-video --width 8192 --height 8192 --out " + scratch() + "/out_big"),
             {"--width/--height", "--max-image-pixels"});
  CHECK_FALSE(fs::exists(scratch() + "/out_big/frames"));
}

TEST_CASE("matrix: a run whose weights and activations exceed the memory budget", "[matrix]") {
  // The tiny model at 64x64 needs ~45 MiB (runtime/exec/memory_budget.h): refused before any weight is packed.
  expect_bad(run_cli(zoom_args(scratch() + "/out_budget") + " --memory-budget 1M"),
             {"needs about", "memory budget of 1 MiB", "--memory-budget"});
  expect_bad(run_cli(zoom_args(scratch() + "/out_budget") + " --memory-budget lots"), {"--memory-budget", "'lots'"});
  CHECK_FALSE(fs::exists(scratch() + "/out_budget/frames"));
  const std::string out = scratch() + "/budget_out.safetensors";
  expect_bad(run_cli("eval --model " + tiny_model() + " --component vae_decoder --inputs " + kDecoderInputs +
                     " --output " + out + " --memory-budget 64K"),
             {"vae_decoder with --dtype f32: needs about", "--memory-budget"});
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("matrix: an image path that is a folder", "[matrix]") {
  expect_bad(run_cli(zoom_args(scratch() + "/out_dirimg") + " --image " + scratch()), {scratch()});
}

TEST_CASE("matrix: unknown scheduler, strategy, preset and simulated dtype names", "[matrix]") {
  const std::string base = zoom_args(scratch() + "/out_names");
  expect_bad(run_cli(base + " --scheduler heun"), {"heun"});
  const std::string sim = "zoom --prompt p --quiet --no-video --out " + scratch() + "/out_names";
  expect_bad(run_cli(sim + " --strategy sideways"), {"sideways"});
  expect_bad(run_cli(sim + " --npu no-such-npu"), {"no-such-npu"});
  expect_bad(run_cli(sim + " --sim-dtype fp8"), {"fp8"});
}

TEST_CASE("matrix: options out of range", "[matrix]") {
  const std::string base = zoom_args(scratch() + "/out_range");
  expect_bad(run_cli(base + " --guidance 1000"), {"--guidance"});
  expect_bad(run_cli(base + " --threads -1"), {"--threads"});
  expect_bad(run_cli(base + " --max-image-pixels 0"), {"--max-image-pixels"});
  const std::string counts = "zoom --prompt p --quiet --no-video --no-sim --width 64 --height 64 --out " + scratch() +
                             "/out_range";
  expect_bad(run_cli(counts + " --keyframes 100001"), {"--keyframes: 100001 must be in 1..100000", "--image"});
  expect_bad(run_cli(counts + " --keyframes 100000 --frames-between 20"), {"2099980 frames", "999999"});
  expect_bad(run_cli(base + " --steps 1001"), {"--steps"});
  // Step caching: 1..--steps (2 here), integers only.
  expect_bad(run_cli(base + " --cache-interval 0"), {"--cache-interval: 0 must be in 1..2"});
  expect_bad(run_cli(base + " --cache-interval -3"), {"--cache-interval: -3 must be in 1..2"});
  expect_bad(run_cli(base + " --cache-interval 3"), {"--cache-interval: 3 must be in 1..2"});
  expect_bad(run_cli(base + " --cache-interval 1.5"), {"--cache-interval", "1.5"});
  expect_bad(run_cli(base + " --cache-interval two"), {"--cache-interval", "two"});
  expect_bad(run_cli(base + " --feather -1"), {"--feather"});
}

TEST_CASE("matrix: an output directory that cannot be created", "[matrix]") {
  expect_bad(run_cli(zoom_args("/proc/zoomrt_cannot_create")), {"--out", "/proc/zoomrt_cannot_create"});
}

// The disk filling up is simulated with RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with
// EFBIG as on a full disk): the limit lies between the size of the first frame (a flat start
// image) and the largest later one, so the run fails part-way. Frames written before the failure
// must equal those of an unlimited run byte for byte, no partial file may be left, and --resume
// must then finish the same frames.
TEST_CASE("matrix: the disk fills up while frames are written", "[matrix]") {
  const std::string img = flat_image("flat.png", 64);
  const std::string ref = scratch() + "/out_full_ref";
  REQUIRE(run_cli(zoom_args(ref) + " --image " + img).status == 0);
  const auto ref_frames = files_in(ref + "/frames");
  REQUIRE(ref_frames.size() == 3);
  size_t largest = 0;
  for (const auto& [name, bytes] : ref_frames) largest = std::max(largest, bytes.size());
  const size_t first = ref_frames.begin()->second.size();
  REQUIRE(first < largest);  // else the limit below cannot fall between them

  const std::string out = scratch() + "/out_full";
  const std::string cmd = "trap '' XFSZ; prlimit --fsize=" + std::to_string((first + largest) / 2) + " " +
                          std::string(ZOOMRT_CLI) + " " + zoom_args(out) + " --image " + img + " 2>" + scratch() +
                          "/full.err";
  const int raw = std::system(cmd.c_str());
  const std::string err = read_text(scratch() + "/full.err");
  INFO("stderr: " << err);
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 2);
  CHECK(count_lines(err) == 1);
  CHECK_THAT(err, Catch::Contains("too large") || Catch::Contains("No space") || Catch::Contains("cannot write"));
  CHECK_THAT(err, Catch::Contains("rerun with --resume"));  // issue 5: says how to go on
  const auto frames = files_in(out + "/frames");
  CHECK(!frames.empty());
  CHECK(frames.size() < ref_frames.size());
  for (const auto& [name, bytes] : frames) {
    INFO(name);
    REQUIRE(ref_frames.count(name) == 1);
    CHECK(bytes == ref_frames.at(name));
  }
  // Space again: --resume finishes the run with the frames an uninterrupted run writes.
  REQUIRE(run_cli(zoom_args(out) + " --image " + img + " --resume").status == 0);
  CHECK(files_in(out + "/frames") == ref_frames);
}
