// Bad input at the command line: one line on stderr naming the file, tensor or key and the
// problem, exit status 2, never a crash. Model directories are written by make-model (tiny)
// and then damaged one way per case.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "cli_util.h"

namespace fs = std::filesystem;

namespace {

const std::string& tiny_model() {
  static std::string dir = [] {
    std::string d = "/tmp/zoomrt_cli_bad_" + std::to_string(::getpid()) + "/tiny";
    fs::remove_all(d);
    CliResult r = run_cli("make-model --config tiny --out " + d);
    REQUIRE(r.status == 0);
    return d;
  }();
  return dir;
}

std::string copy_model(const std::string& name) {
  std::string d = fs::path(tiny_model()).parent_path().string() + "/" + name;
  fs::remove_all(d);
  fs::copy(tiny_model(), d, fs::copy_options::recursive);
  return d;
}

const std::string unet_inputs = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny/io/unet.safetensors";

void expect_bad(const CliResult& r, const std::string& must_mention) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(must_mention) != std::string::npos);
}

}  // namespace

TEST_CASE("unknown component is named") {
  expect_bad(run_cli("eval --model " + tiny_model() + " --component decoder --inputs x --output y"), "decoder");
}

TEST_CASE("missing config.json names the file") {
  std::string d = copy_model("no_config");
  fs::remove(d + "/unet/config.json");
  expect_bad(run_cli("inspect --model " + d), "unet/config.json");
}

TEST_CASE("invalid config.json names the file") {
  std::string d = copy_model("bad_json");
  std::ofstream(d + "/vae/config.json") << "{ \"block_out_channels\": [32, 64,";
  expect_bad(run_cli("inspect --model " + d), "vae/config.json");
}

TEST_CASE("absurd config value names the key") {
  std::string d = copy_model("bad_value");
  std::ofstream(d + "/unet/config.json") << R"({"block_out_channels": [32, 64], "layers_per_block": -3,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]})";
  expect_bad(run_cli("inspect --model " + d), "layers_per_block");
}

TEST_CASE("a truncated weights file is named") {
  std::string d = copy_model("truncated");
  fs::resize_file(d + "/vae/diffusion_pytorch_model.safetensors", 1000);
  std::string in = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny/io/vae_decoder.safetensors";
  expect_bad(run_cli("eval --model " + d + " --component vae_decoder --inputs " + in +
                     " --output /tmp/zoomrt_never.safetensors"),
             "vae/diffusion_pytorch_model.safetensors");
  CHECK_FALSE(fs::exists("/tmp/zoomrt_never.safetensors"));
}

TEST_CASE("inputs of the wrong shape are named") {
  // sd2_tiny's UNet inputs carry cross_attention_dim 32; sd15_tiny expects 24.
  std::string d = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd15_tiny";
  CliResult r = run_cli("eval --model " + d + " --component unet --inputs " + unet_inputs + " --output /tmp/zoomrt_never.safetensors");
  expect_bad(r, "encoder_hidden_states");
}

TEST_CASE("unknown built-in model and bad dtype") {
  expect_bad(run_cli("make-model --config sd3 --out /tmp/zoomrt_never"), "sd3");
  expect_bad(run_cli("make-model --config tiny --dtype int3 --out /tmp/zoomrt_never"), "int3");
}

TEST_CASE("a missing model directory is named") {
  expect_bad(run_cli("inspect --model /nonexistent/model"), "/nonexistent/model");
}

TEST_CASE("unknown options are refused with status 2") {
  CliResult r = run_cli("inspect --frobnicate");
  CHECK(r.status == 2);
}
