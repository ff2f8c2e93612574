// JsonConfig: exact types, defaults, and error lines that name the file and the key.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/error.h"
#include "base/json_config.h"

using namespace zoomrt;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kUnetLike = R"({
  "_class_name": "UNet2DConditionModel",
  "in_channels": 9,
  "norm_eps": 1e-05,
  "scaling": 2,
  "center_input_sample": false,
  "act_fn": "silu",
  "block_out_channels": [320, 640, 1280, 1280],
  "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
  "attention_head_dim": [5, 10, 20, 20],
  "num_attention_heads": null,
  "heads_scalar": 8,
  "float_int": 2.0,
  "huge": 18446744073709551615,
  "text_config": {"hidden_size": 1024, "act": 3}
})";

JsonConfig unet() { return JsonConfig::from_json(json::parse(kUnetLike), "m/unet/config.json"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("zoomrt_weights_cfg_" + std::to_string(getpid()) + name))
      .string();
}

}  // namespace

TEST_CASE("getters read exact types") {
  JsonConfig c = unet();
  CHECK(c.get_int("in_channels") == 9);
  CHECK(c.get_float("norm_eps") == 1e-5);
  CHECK(c.get_float("scaling") == 2.0);  // an integer is a valid float
  CHECK(c.get_bool("center_input_sample") == false);
  CHECK(c.get_string("act_fn") == "silu");
  CHECK(c.get_int_list("block_out_channels") == std::vector<int64_t>{320, 640, 1280, 1280});
  CHECK(c.get_float_list("block_out_channels") == std::vector<double>{320, 640, 1280, 1280});
  CHECK(c.get_string_list("down_block_types") ==
        std::vector<std::string>{"CrossAttnDownBlock2D", "DownBlock2D"});
  CHECK(c.has("act_fn"));
  CHECK_FALSE(c.has("num_attention_heads"));  // null counts as absent
  CHECK_FALSE(c.has("nope"));
}

TEST_CASE("defaults apply to absent and null keys only") {
  JsonConfig c = unet();
  CHECK(c.get_int("nope", 7) == 7);
  CHECK(c.get_int("num_attention_heads", 7) == 7);
  CHECK(c.get_int("in_channels", 7) == 9);
  CHECK(c.get_float("nope", 0.5) == 0.5);
  CHECK(c.get_bool("nope", true) == true);
  CHECK(c.get_string("nope", "gelu") == "gelu");
  CHECK_THROWS_WITH(c.get_int("act_fn", 1),
                    "m/unet/config.json: key 'act_fn' must be an integer (got \"silu\")");
}

TEST_CASE("errors name the file and the key") {
  JsonConfig c = unet();
  CHECK(error_of([&] { c.get_int("layers_per_block"); }) ==
        "m/unet/config.json: key 'layers_per_block' missing");
  CHECK(error_of([&] { c.get_int("float_int"); }) ==
        "m/unet/config.json: key 'float_int' must be an integer (got 2.0)");
  CHECK(error_of([&] { c.get_int("huge"); }).find("key 'huge' must be an integer") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_bool("in_channels"); }) ==
        "m/unet/config.json: key 'in_channels' must be true or false (got 9)");
  CHECK(error_of([&] { c.get_float("act_fn"); }).find("key 'act_fn' must be a number") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_string("in_channels"); }).find("key 'in_channels' must be a string") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_int_list("in_channels"); }).find("a list of integers") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_int_list("down_block_types"); }).find("a list of integers") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_string_list("block_out_channels"); }).find("a list of strings") !=
        std::string::npos);
  CHECK(error_of([&] { c.get_int("num_attention_heads"); }) ==
        "m/unet/config.json: key 'num_attention_heads' missing");
}

TEST_CASE("get_int_or_list: int, list of n, or default") {
  JsonConfig c = unet();
  CHECK(c.get_int_or_list("attention_head_dim", 4, 8) == std::vector<int64_t>{5, 10, 20, 20});
  CHECK(c.get_int_or_list("heads_scalar", 3, 1) == std::vector<int64_t>{8, 8, 8});
  CHECK(c.get_int_or_list("num_attention_heads", 2, 1) == std::vector<int64_t>{1, 1});
  CHECK(error_of([&] { c.get_int_or_list("attention_head_dim", 3, 8); }) ==
        "m/unet/config.json: key 'attention_head_dim' must have 3 entries, has 4");
  CHECK(error_of([&] {
          c.get_int_or_list("act_fn", 3, 8);
        }).find("an integer or a list of integers") != std::string::npos);
}

TEST_CASE("child objects prefix their keys") {
  JsonConfig t = unet().child("text_config");
  CHECK(t.get_int("hidden_size") == 1024);
  CHECK(error_of([&] { t.get_string("act"); }) ==
        "m/unet/config.json: key 'text_config.act' must be a string (got 3)");
  CHECK(error_of([&] { unet().child("act_fn"); }).find("key 'act_fn' must be an object") !=
        std::string::npos);
}

TEST_CASE("load: unreadable, invalid and non-object files") {
  const std::string missing = temp_path("missing.json");
  CHECK_THROWS_WITH(JsonConfig::load(missing), Catch::StartsWith(missing + ": cannot read"));
  const std::string bad = temp_path("bad.json");
  std::ofstream(bad) << R"({"a": 1,})";
  CHECK_THROWS_WITH(JsonConfig::load(bad), Catch::StartsWith(bad + ": invalid JSON"));
  std::ofstream(bad) << "[1, 2]";
  CHECK_THROWS_WITH(JsonConfig::load(bad), bad + ": must be a JSON object");
  fs::remove(bad);
  CHECK_THROWS_WITH(JsonConfig::from_json(json(3), "x"), "x: must be a JSON object");
}

TEST_CASE("write_json_atomic writes pretty JSON that loads back") {
  const std::string path = temp_path("out.json");
  json j = {{"b", {1, 2}}, {"a", "x"}};
  write_json_atomic(path, j);
  std::ifstream in(path);
  std::string text(std::istreambuf_iterator<char>(in), {});
  CHECK(text == "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    2\n  ]\n}\n");
  CHECK(JsonConfig::load(path).json() == j);
  CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(getpid())));
  fs::remove(path);
  CHECK_THROWS_AS(write_json_atomic(temp_path("no_dir") + "/x/y.json", j), InputError);
}
