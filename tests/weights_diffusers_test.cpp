// A diffusers model directory built in a temp folder: model_index.json, configs, single-file
// and sharded fp16 weights. Tensor values are constants written here (half bit patterns for
// exactly representable numbers), so the expected values do not come from our reader.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "weights/diffusers_dir.h"
#include "base/error.h"

using namespace zoomrt;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uint16_t kHalfOne = 0x3c00, kHalfMinusTwo = 0xc000, kHalfQuarter = 0x3400;

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("zoomrt_weights_dd_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str(const std::string& rel = "") const {
    return rel.empty() ? path.string() : (path / rel).string();
  }
};

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

void write_tensors(const std::string& path,
                   const std::vector<std::pair<std::string, std::vector<uint16_t>>>& halves) {
  std::vector<TensorToWrite> ts;
  for (const auto& [name, v] : halves)
    ts.push_back({name, DType::F16, {int64_t(v.size())}, [v = v](uint8_t* dst) {
                    std::memcpy(dst, v.data(), v.size() * 2);
                  }});
  fs::create_directories(fs::path(path).parent_path());
  write_safetensors(path, ts);
}

// model/ with: unet (sharded fp16 only), text_encoder (plain f32 and fp16 files), scheduler,
// vae (only a .bin pickle).
void build_model(const TempDir& t) {
  write_text(t.str("model_index.json"), R"({
    "_class_name": "StableDiffusionInpaintPipeline", "_diffusers_version": "0.42.1",
    "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
    "text_encoder": ["transformers", "CLIPTextModel"], "scheduler": ["diffusers", "PNDMScheduler"],
    "safety_checker": [null, null], "requires_safety_checker": false})");
  write_text(t.str("unet/config.json"),
             R"({"in_channels": 9, "attention_head_dim": [5, 10, 20, 20]})");
  write_text(t.str("scheduler/scheduler_config.json"), R"({"num_train_timesteps": 1000})");
  const std::string s1 = "diffusion_pytorch_model.fp16-00001-of-00002.safetensors";
  const std::string s2 = "diffusion_pytorch_model.fp16-00002-of-00002.safetensors";
  write_tensors(t.str("unet/" + s1),
                {{"conv_in.weight", {kHalfOne, kHalfMinusTwo}}, {"conv_in.bias", {kHalfQuarter}}});
  write_tensors(t.str("unet/" + s2),
                {{"time_embedding.linear_1.weight", {kHalfMinusTwo, kHalfMinusTwo, kHalfOne}}});
  json index = {
      {"metadata", {{"total_size", 12}}},
      {"weight_map",
       {{"conv_in.weight", s1}, {"conv_in.bias", s1}, {"time_embedding.linear_1.weight", s2}}}};
  write_text(t.str("unet/diffusion_pytorch_model.safetensors.index.fp16.json"), index.dump(2));

  const float ones[2] = {1.0f, 1.0f};
  fs::create_directories(t.str("text_encoder"));
  write_safetensors(t.str("text_encoder/model.safetensors"),
                    {{"w", DType::F32, {2}, [&](uint8_t* d) { std::memcpy(d, ones, 8); }}});
  write_tensors(t.str("text_encoder/model.fp16.safetensors"),
                {{"w", {kHalfMinusTwo, kHalfMinusTwo}}});
  write_text(t.str("vae/diffusion_pytorch_model.bin"), "pickle");
}

}  // namespace

TEST_CASE("diffusers dir: components and configs") {
  TempDir t;
  build_model(t);
  DiffusersDir d = DiffusersDir::open(t.str() + "/");
  CHECK(d.dir() == t.str());
  CHECK(d.components() == std::vector<std::string>{"scheduler", "text_encoder", "unet", "vae"});
  CHECK(d.has_component("unet"));
  CHECK_FALSE(d.has_component("safety_checker"));
  CHECK_FALSE(d.has_component("requires_safety_checker"));
  CHECK_FALSE(d.has_component("_class_name"));
  CHECK(d.model_index().get_string("_class_name") == "StableDiffusionInpaintPipeline");
  CHECK(d.component_config("unet").get_int_or_list("attention_head_dim", 4, 8) ==
        std::vector<int64_t>{5, 10, 20, 20});
  CHECK(d.component_config("scheduler").get_int("num_train_timesteps") == 1000);
  CHECK_THROWS_WITH(d.component_config("vae"),
                    Catch::StartsWith(t.str("vae/config.json") + ": cannot read"));
  CHECK_THROWS_WITH(d.component_config("../x"), Catch::Contains("invalid component name '../x'"));
}

TEST_CASE("diffusers dir: sharded fp16 unet loads through the index") {
  TempDir t;
  build_model(t);
  DiffusersDir d = DiffusersDir::open(t.str());
  for (std::string_view variant : {"", "fp16"}) {
    INFO("variant '" << variant << "'");
    WeightSource w = d.weights("unet", variant);
    CHECK(w.describe() ==
          t.str("unet/diffusion_pytorch_model.safetensors.index.fp16.json") + " (2 shards)");
    CHECK(w.names() == std::vector<std::string>{"conv_in.bias", "conv_in.weight",
                                                "time_embedding.linear_1.weight"});
    CHECK(w.files().size() == 2);
    CHECK(to_f32(w.at("conv_in.weight")) == std::vector<float>{1.0f, -2.0f});
    CHECK(to_f32(w.at("conv_in.bias")) == std::vector<float>{0.25f});
    CHECK(to_f32(w.at("time_embedding.linear_1.weight")) == std::vector<float>{-2.0f, -2.0f, 1.0f});
    CHECK(w.find("conv_out.weight") == nullptr);
    CHECK_THROWS_WITH(w.at("conv_out.weight"),
                      t.str("unet") + ": missing tensor 'conv_out.weight'");
  }
}

TEST_CASE("diffusers dir: plain weights preferred, fp16 on request") {
  TempDir t;
  build_model(t);
  DiffusersDir d = DiffusersDir::open(t.str());
  WeightSource plain = d.weights("text_encoder");
  CHECK(plain.describe() == t.str("text_encoder/model.safetensors"));
  CHECK(to_f32(plain.at("w")) == std::vector<float>{1.0f, 1.0f});
  WeightSource half = d.weights("text_encoder", "fp16");
  CHECK(half.describe() == t.str("text_encoder/model.fp16.safetensors"));
  CHECK(half.at("w").dtype == DType::F16);
  CHECK(to_f32(half.at("w")) == std::vector<float>{-2.0f, -2.0f});
}

TEST_CASE("diffusers dir: missing weights say what was looked for") {
  TempDir t;
  build_model(t);
  DiffusersDir d = DiffusersDir::open(t.str());
  CHECK_THROWS_WITH(
      d.weights("vae"),
      Catch::StartsWith(t.str("vae") +
                        ": no weights: looked for diffusion_pytorch_model.safetensors") &&
          Catch::Contains("diffusion_pytorch_model.safetensors.index.fp16.json") &&
          Catch::Contains("pickles are not read"));
  CHECK_THROWS_WITH(d.weights("unet", "ema"),
                    Catch::Contains("diffusion_pytorch_model.ema.safetensors"));
  CHECK_THROWS_WITH(d.weights("controlnet"), t.str("controlnet") + ": component directory missing");
  CHECK_THROWS_WITH(d.weights("unet", "../fp16"), Catch::Contains("invalid variant name"));
}

TEST_CASE("diffusers dir: bad model directories") {
  TempDir t;
  CHECK_THROWS_WITH(DiffusersDir::open(t.str("nope")), t.str("nope") + ": not a directory");
  CHECK_THROWS_WITH(DiffusersDir::open(t.str()),
                    Catch::StartsWith(t.str("model_index.json") + ": cannot read"));
  write_text(t.str("model_index.json"), "[\"unet\"]");
  CHECK_THROWS_WITH(DiffusersDir::open(t.str()),
                    t.str("model_index.json") + ": must be a JSON object");
}

TEST_CASE("sharded index: missing shard, tensor not in its shard, bad JSON") {
  TempDir t;
  write_tensors(t.str("a.safetensors"), {{"x", {kHalfOne}}});
  const std::string index = t.str("model.safetensors.index.json");
  auto check_index = [&](const std::string& text, const std::vector<std::string>& parts) {
    write_text(index, text);
    std::string msg;
    try {
      WeightSource::open_index(index);
    } catch (const InputError& e) {
      msg = e.what();
    }
    INFO("message: " << msg);
    CHECK(msg.rfind(index + ": ", 0) == 0);
    for (const auto& p : parts) CHECK(msg.find(p) != std::string::npos);
  };
  check_index(R"({"weight_map": {"x": "a.safetensors", "y": "b.safetensors"}})",
              {"shard 'b.safetensors'", "tensor 'y'", "does not exist"});
  check_index(R"({"weight_map": {"x": "a.safetensors", "z": "a.safetensors"}})",
              {"tensor 'z'", "not in its shard 'a.safetensors'"});
  check_index(R"({"weight_map": {"x": "a.safetensors",})", {"invalid JSON"});
  check_index(R"({"metadata": {}})", {"'weight_map' missing"});
  check_index(R"({"weight_map": ["a.safetensors"]})", {"'weight_map'"});
  check_index(R"({"weight_map": {"x": 3}})", {"tensor 'x'", "file name"});
  check_index(R"({"weight_map": {"x": "../a.safetensors"}})",
              {"tensor 'x'", "not a plain file name"});

  write_text(index, R"({"weight_map": {"x": "a.safetensors"}})");
  WeightSource w = WeightSource::open_index(index);
  CHECK(w.names() == std::vector<std::string>{"x"});
  CHECK(to_f32(w.at("x")) == std::vector<float>{1.0f});
}
