// Noise schedulers against diffusers, step by step: golden trajectories recorded by
// tools/reference/make_scheduler_fixtures.py (timesteps, init_noise_sigma, scaled UNet input,
// latents after every step, and the noise diffusers drew), replayed here with the recorded
// model outputs and noise. Plus the Philox generator's published known-answer vectors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/diffusion/rng.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "base/error.h"
#include "base/json_config.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

const fs::path kDir = fs::path(ZOOMRT_FIXTURES_DIR) / "schedulers";
constexpr double kRelTol = 1e-5;  // max |ours - diffusers| / max |diffusers|

nlohmann::json read_json(const fs::path& p) {
  std::ifstream f(p);
  REQUIRE(f);
  return nlohmann::json::parse(f);
}

std::vector<float> vec(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

double rel_error(std::span<const float> ours, const std::vector<float>& ref) {
  REQUIRE(ours.size() == ref.size());
  double diff = 0, scale = 0;
  for (size_t k = 0; k < ref.size(); ++k) {
    diff = std::max(diff, std::abs(double(ours[k]) - ref[k]));
    scale = std::max(scale, std::abs(double(ref[k])));
  }
  return diff / std::max(scale, 1e-30);
}

// Hands out the noise diffusers drew at the current step, and fails on any other draw.
class ReplayNoise final : public NoiseSource {
 public:
  std::vector<std::vector<float>> queue;
  void normal(std::span<float> out) override {
    REQUIRE(!queue.empty());
    REQUIRE(queue.front().size() == out.size());
    std::copy(queue.front().begin(), queue.front().end(), out.begin());
    queue.erase(queue.begin());
  }
};

void replay_case(const std::string& name) {
  nlohmann::json c = read_json(kDir / (name + ".json"));
  SchedulerConfig cfg = SchedulerConfig::from_json(JsonConfig::from_json(c["config"], name));
  cfg.eta = c["eta"].get<double>();
  auto s = make_scheduler(c["scheduler"].get<std::string>(), cfg);
  s->set_timesteps(c["steps"].get<int>(), c["strength"].get<double>());
  CHECK(s->timesteps() == c["timesteps"].get<std::vector<double>>());
  CHECK(s->init_noise_sigma() == Approx(c["init_noise_sigma"].get<double>()).epsilon(1e-6));

  std::vector<float> noise = vec(c["noise"]), latents(noise.size());
  if (c.contains("image_latents")) {
    s->add_noise(vec(c["image_latents"]), noise, latents);
  } else {
    for (size_t k = 0; k < noise.size(); ++k) latents[k] = noise[k] * s->init_noise_sigma();
  }
  CHECK(rel_error(latents, vec(c["initial_latents"])) <= kRelTol);

  const auto& steps = c["steps_recorded"];
  REQUIRE(steps.size() == s->timesteps().size());
  ReplayNoise replay;
  for (size_t i = 0; i < steps.size(); ++i) {
    INFO(name << " step " << i << " t=" << s->timesteps()[i]);
    std::vector<float> scaled = latents;
    s->scale_model_input(scaled, int(i));
    CHECK(rel_error(scaled, vec(steps[i]["scaled_input"])) <= kRelTol);
    for (const auto& d : steps[i]["drawn_noise"]) replay.queue.push_back(vec(d));
    s->step(vec(steps[i]["model_output"]), int(i), latents, replay);
    CHECK(replay.queue.empty());  // drew exactly what diffusers drew
    double err = rel_error(latents, vec(steps[i]["latents"]));
    INFO("relative error " << err);
    CHECK(err <= kRelTol);
  }
}

}  // namespace

TEST_CASE("every scheduler follows diffusers' trajectory step by step") {
  nlohmann::json cases = read_json(kDir / "cases.json");
  std::set<std::string> covered;
  for (const auto& n : cases["cases"]) {
    std::string name = n.get<std::string>();
    SECTION(name) { replay_case(name); }
    covered.insert(read_json(kDir / (name + ".json"))["scheduler"].get<std::string>());
  }
  for (const SchedulerInfo& info : scheduler_list()) CHECK(covered.count(std::string(info.name)) == 1);
}

TEST_CASE("scheduler list: names and diffusers classes are unique and resolvable") {
  std::set<std::string_view> names, classes;
  for (const SchedulerInfo& s : scheduler_list()) {
    names.insert(s.name);
    classes.insert(s.diffusers_class);
    CHECK(scheduler_name_for_class(s.diffusers_class) == s.name);
    SchedulerConfig cfg;
    cfg.skip_prk_steps = true;
    CHECK(make_scheduler(s.name, cfg)->name() == s.name);
  }
  CHECK(names.size() == scheduler_list().size());
  CHECK(classes.size() == scheduler_list().size());
  CHECK(scheduler_name_for_class("LMSDiscreteScheduler").empty());
}

TEST_CASE("scheduler bad input: one InputError line naming the problem") {
  auto error_of = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  CHECK_THAT(error_of([] { make_scheduler("lms", SchedulerConfig{}); }),
             Catch::Contains("'lms'") && Catch::Contains("dpmpp-2m"));
  auto cfg_with = [](nlohmann::json extra) {
    nlohmann::json j = {{"_class_name", "PNDMScheduler"}, {"beta_schedule", "scaled_linear"}};
    j.update(extra);
    return SchedulerConfig::from_json(JsonConfig::from_json(j, "scheduler_config.json"));
  };
  CHECK_THAT(error_of([&] { cfg_with({{"beta_schedule", "cosine"}}); }),
             Catch::Contains("scheduler_config.json") && Catch::Contains("beta_schedule"));
  CHECK_THAT(error_of([&] { cfg_with({{"use_karras_sigmas", true}}); }), Catch::Contains("use_karras_sigmas"));
  CHECK_THAT(error_of([&] { cfg_with({{"timestep_spacing", "random"}}); }), Catch::Contains("timestep_spacing"));
  CHECK_THAT(error_of([&] { cfg_with({{"steps_offset", "1"}}); }), Catch::Contains("steps_offset"));
  SchedulerConfig sd2 = cfg_with({{"skip_prk_steps", true}});
  auto pndm = make_scheduler("pndm", sd2);
  CHECK_THAT(error_of([&] { pndm->set_timesteps(0); }), Catch::Contains("steps"));
  CHECK_THAT(error_of([&] { pndm->set_timesteps(10, 1.5); }), Catch::Contains("strength"));
  CHECK_THAT(error_of([&] { pndm->set_timesteps(10, 0.05); }), Catch::Contains("strength"));
  CHECK_THAT(error_of([&] { make_scheduler("pndm", cfg_with({{"skip_prk_steps", false}})); }),
             Catch::Contains("skip_prk_steps"));
}

TEST_CASE("Philox4x32-10 matches Random123's known-answer vectors") {
  // kat_vectors from Random123 (Salmon et al.): philox4x32 10 rounds.
  CHECK(Rng::philox({0, 0, 0, 0}, {0, 0}) ==
        std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(Rng::philox({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(Rng::philox({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("Rng: deterministic per seed, standard normal moments") {
  std::vector<float> a(100001), b(100001), c(16);
  Rng(42).normal(a);
  Rng(42).normal(b);
  Rng(43).normal(c);
  CHECK(a == b);
  CHECK(!std::equal(c.begin(), c.end(), a.begin()));
  double mean = 0, var = 0;
  for (float v : a) mean += v;
  mean /= double(a.size());
  for (float v : a) var += (v - mean) * (v - mean);
  var /= double(a.size());
  // 100k samples: standard errors 0.003 (mean) and 0.0045 (variance); bounds are ~5 sigma.
  CHECK(std::abs(mean) < 0.016);
  CHECK(std::abs(var - 1.0) < 0.023);
}
