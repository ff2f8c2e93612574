// Issue 16 class 1 and 5 for the schedulers: every value of scheduler_config.json that becomes
// an index into alphas_cumprod is checked against the table before use, and inconsistent
// schedules are refused. The expected ranges are worked out by hand here from diffusers'
// "leading" spacing (t_i = i * (T / steps) + steps_offset, i = 0 .. steps-1), not from our code.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "base/error.h"
#include "base/json_config.h"

using namespace zoomrt;
using nlohmann::json;

namespace {

SchedulerConfig cfg_of(json j) {
  j["skip_prk_steps"] = true;
  return SchedulerConfig::from_json(JsonConfig::from_json(j, "scheduler_config.json"));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("scheduler config: values used as indices are checked before any step") {
  // 100000 training steps (betas small enough that alpha_bar stays above 0: their sum is about
  // 1.05), offset 99999: the largest leading timestep is 19*5000 + 99999.
  // DDIM and PNDM space "leading" by default; Euler does with timestep_spacing "leading".
  for (const char* name : {"ddim", "pndm", "euler"}) {
    INFO(name);
    json j = {{"num_train_timesteps", 100000}, {"steps_offset", 99999}, {"beta_start", 1e-6}, {"beta_end", 2e-5}};
    if (std::string(name) == "euler") j["timestep_spacing"] = "leading";
    auto s = make_scheduler(name, cfg_of(j));
    CHECK_THAT(error_of([&] { s->set_timesteps(20); }),
               Catch::Contains("scheduler_config.json: keys 'steps_offset' (99999) and 'num_train_timesteps' (100000)") &&
                   Catch::Contains("outside 0..99999"));
  }
  // steps_offset 999 with T 1000 and 20 steps: 19 * 50 + 999 = 1949 > 999.
  auto ddim = make_scheduler("ddim", cfg_of({{"steps_offset", 999}}));
  CHECK_THAT(error_of([&] { ddim->set_timesteps(20); }), Catch::Contains("timestep 1949"));
  // ... and one step is legitimate: t = 0 * 1000 + 999 = 999, inside the table.
  ddim->set_timesteps(1);
  REQUIRE(ddim->timesteps().size() == 1);
  CHECK(ddim->timesteps()[0] == 999);
  // An offset of 49 with 20 steps ends exactly at 19 * 50 + 49 = 999: accepted.
  auto ok = make_scheduler("pndm", cfg_of({{"steps_offset", 49}}));
  ok->set_timesteps(20);
  CHECK(ok->timesteps().front() == 999);
}

TEST_CASE("scheduler config: a tiny schedule refuses more steps than it has, naming the option") {
  auto s = make_scheduler("ddim", cfg_of({{"num_train_timesteps", 2}}));
  CHECK_THAT(error_of([&] { s->set_timesteps(20); }),
             Catch::Contains("--steps: 20 is out of range [1, 2]") && Catch::Contains("num_train_timesteps"));
  s->set_timesteps(2);  // t = 1, 0: both inside a table of 2
  CHECK(s->timesteps() == std::vector<double>{1, 0});
}

TEST_CASE("scheduler config: integers that do not fit and inconsistent betas are refused by key") {
  CHECK_THAT(error_of([] { cfg_of({{"steps_offset", 4294967296LL}}); }),
             Catch::Contains("key 'steps_offset' is 4294967296, expected 0..999"));
  CHECK_THAT(error_of([] { cfg_of({{"num_train_timesteps", 100001}}); }),
             Catch::Contains("key 'num_train_timesteps' is 100001, expected 2..100000"));
  CHECK_THAT(error_of([] { cfg_of({{"beta_start", 0.02}, {"beta_end", 0.0001}}); }),
             Catch::Contains("key 'beta_start' (0.02) is above 'beta_end' (0.0001)"));
  // Betas near 1 over a long schedule: alpha_bar underflows to 0, every sigma would be Inf.
  CHECK_THAT(error_of([] {
               make_scheduler("euler", cfg_of({{"beta_start", 0.9}, {"beta_end", 0.99}, {"num_train_timesteps", 100000}}));
             }),
             Catch::Contains("the cumulative alpha reaches 0"));
}
