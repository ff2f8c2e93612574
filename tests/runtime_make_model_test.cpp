// The built-in full-size architectures have exactly the tensors (names, shapes) and parameter
// counts that diffusers/transformers give for the same configs (manifests written by
// tools/reference/make_model_fixtures.py).
#include <fstream>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/model/make_model.h"
#include "runtime/model/model.h"

using namespace zoomrt;

namespace {

nlohmann::json manifest(const std::string& name) {
  std::ifstream f(std::string(ZOOMRT_FIXTURES_DIR) + "/manifests/" + name + ".json");
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

void check_model(const std::string& name) {
  nlohmann::json man = manifest(name);
  ModelConfigs m = load_model_configs(name);
  for (const char* folder : {"unet", "vae", "text_encoder"}) {
    INFO(name << " " << folder);
    std::set<std::pair<std::string, Shape>> ours, theirs;
    int64_t our_params = 0;
    for (auto& [n, s] : folder_tensors(m, folder)) {
      ours.insert({n, s});
      our_params += shape_numel(s);
    }
    for (auto& t : man[folder]["tensors"]) theirs.insert({t[0].get<std::string>(), t[1].get<Shape>()});
    CHECK(our_params == man[folder]["param_count"].get<int64_t>());
    std::vector<std::pair<std::string, Shape>> missing, extra;
    std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(), std::back_inserter(missing));
    std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(), std::back_inserter(extra));
    for (auto& [n, s] : missing) UNSCOPED_INFO("missing " << n << " " << shape_str(s));
    for (auto& [n, s] : extra) UNSCOPED_INFO("extra " << n << " " << shape_str(s));
    CHECK(missing.empty());
    CHECK(extra.empty());
  }
}

}  // namespace

TEST_CASE("sd2-inpainting: tensor names, shapes and parameter counts equal diffusers'") {
  check_model("sd2-inpainting");
  // The counts REFERENCE.md gives for the same configs.
  ModelConfigs m = load_model_configs("sd2-inpainting");
  int64_t unet = 0;
  for (auto& t : folder_tensors(m, "unet")) unet += shape_numel(t.second);
  CHECK(unet == 865925124);
}

TEST_CASE("sd15-inpainting: tensor names, shapes and parameter counts equal diffusers'") {
  check_model("sd15-inpainting");
}

TEST_CASE("make-model values are deterministic per seed and tensor name, and differ across seeds") {
  std::vector<float> a(64), b(64), c(64);
  random_tensor_values(7, "unet.conv_in.weight", {8, 8}, a.data());
  random_tensor_values(7, "unet.conv_in.weight", {8, 8}, b.data());
  random_tensor_values(8, "unet.conv_in.weight", {8, 8}, c.data());
  CHECK(a == b);
  CHECK(a != c);
  // fan-in scaling: std of 64 N(0, 1/8) draws is near 0.35
  double s = 0;
  for (float v : a) s += double(v) * v;
  CHECK(std::sqrt(s / 64) == Approx(1.0 / std::sqrt(8.0)).epsilon(0.35));
}
