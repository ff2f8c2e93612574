#include <algorithm>
#include <array>
#include <cmath>

#include "runtime/diffusion/noise_schedulers/schedule_math.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "base/error.h"
#include "base/json_config.h"

namespace zoomrt {
namespace {

constexpr SchedulerInfo kSchedulers[] = {
#define ZOOMRT_X(id, name, cls) {SchedulerKind::id, name, cls},
    ZOOMRT_SCHEDULERS(ZOOMRT_X)
#undef ZOOMRT_X
};

template <size_t N>
void check_one_of(std::string_view origin, std::string_view key, const std::string& v,
                  const std::array<std::string_view, N>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return;
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail_input("{}: key '{}' is '{}', expected one of {}", origin, key, v, list);
}

// Options diffusers has and we do not implement: accepted only at their default.
void reject_unsupported(const JsonConfig& cfg) {
  for (const char* key : {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas",
                          "use_flow_sigmas", "thresholding", "rescale_betas_zero_snr", "use_dynamic_shifting"})
    if (cfg.get_bool(key, false)) fail_input("{}: key '{}': true is not supported", cfg.path(), key);
  if (cfg.has("trained_betas")) fail_input("{}: key 'trained_betas' is not supported", cfg.path());
  struct Fixed {
    const char* key;
    const char* value;
  };
  for (Fixed f : {Fixed{"algorithm_type", "dpmsolver++"}, Fixed{"solver_type", "midpoint"},
                  Fixed{"interpolation_type", "linear"}, Fixed{"timestep_type", "discrete"}})
    if (cfg.has(f.key) && cfg.get_string(f.key) != f.value)
      fail_input("{}: key '{}' is '{}'; only '{}' is supported", cfg.path(), f.key, cfg.get_string(f.key), f.value);
  if (cfg.get_int("solver_order", 2) != 2) fail_input("{}: key 'solver_order': only 2 is supported", cfg.path());
  if (cfg.has("lambda_min_clipped") && std::isfinite(cfg.get_float("lambda_min_clipped")))
    fail_input("{}: key 'lambda_min_clipped' is not supported", cfg.path());
}

}  // namespace

std::span<const SchedulerInfo> scheduler_list() { return kSchedulers; }

std::string_view scheduler_name_for_class(std::string_view class_name) {
  for (const SchedulerInfo& s : kSchedulers)
    if (s.diffusers_class == class_name) return s.name;
  return {};
}

std::string scheduler_names() {
  return kNoiseSchedulers.names(", ");
}

SchedulerConfig SchedulerConfig::from_json(const JsonConfig& cfg) {
  reject_unsupported(cfg);
  SchedulerConfig c;
  c.origin = cfg.path();
  c.class_name = cfg.get_string("_class_name", "");
  c.num_train_timesteps = cfg.get_int_in("num_train_timesteps", c.num_train_timesteps, 2, 100000);
  c.beta_start = cfg.get_float("beta_start", c.beta_start);
  c.beta_end = cfg.get_float("beta_end", c.beta_end);
  c.beta_schedule = cfg.get_string("beta_schedule", c.beta_schedule);
  c.prediction_type = cfg.get_string("prediction_type", c.prediction_type);
  if (cfg.has("timestep_spacing")) c.timestep_spacing = cfg.get_string("timestep_spacing");
  c.steps_offset = cfg.get_int_in("steps_offset", c.steps_offset, 0, c.num_train_timesteps - 1);
  if (cfg.has("set_alpha_to_one")) c.set_alpha_to_one = cfg.get_bool("set_alpha_to_one");
  if (cfg.has("clip_sample")) c.clip_sample = cfg.get_bool("clip_sample");
  c.clip_sample_range = cfg.get_float("clip_sample_range", c.clip_sample_range);
  if (cfg.has("skip_prk_steps")) c.skip_prk_steps = cfg.get_bool("skip_prk_steps");
  c.lower_order_final = cfg.get_bool("lower_order_final", c.lower_order_final);
  c.euler_at_final = cfg.get_bool("euler_at_final", c.euler_at_final);
  c.final_sigmas_type = cfg.get_string("final_sigmas_type", c.final_sigmas_type);
  c.validate(cfg.path());
  return c;
}

void SchedulerConfig::validate(std::string_view origin) const {
  if (num_train_timesteps < 2 || num_train_timesteps > 100000)
    fail_input("{}: key 'num_train_timesteps' is {}, expected 2..100000", origin, num_train_timesteps);
  if (!(beta_start > 0 && beta_start < 1 && beta_end > 0 && beta_end < 1))
    fail_input("{}: keys 'beta_start'/'beta_end' must lie in (0, 1)", origin);
  if (beta_start > beta_end)
    fail_input("{}: key 'beta_start' ({}) is above 'beta_end' ({}); noise must grow with the timestep", origin,
               beta_start, beta_end);
  check_one_of(origin, "beta_schedule", beta_schedule, std::array<std::string_view, 2>{"linear", "scaled_linear"});
  check_one_of(origin, "prediction_type", prediction_type,
               std::array<std::string_view, 2>{"epsilon", "v_prediction"});
  if (timestep_spacing)
    check_one_of(origin, "timestep_spacing", *timestep_spacing,
                 std::array<std::string_view, 3>{"leading", "trailing", "linspace"});
  check_one_of(origin, "final_sigmas_type", final_sigmas_type, std::array<std::string_view, 2>{"zero", "sigma_min"});
  if (steps_offset < 0 || steps_offset >= num_train_timesteps)
    fail_input("{}: key 'steps_offset' is {}, out of range", origin, steps_offset);
  if (!(eta >= 0 && eta <= 1)) fail_input("{}: eta {} out of range [0, 1]", origin, eta);
  if (!(clip_sample_range > 0)) fail_input("{}: key 'clip_sample_range' must be positive", origin);
}

std::unique_ptr<NoiseScheduler> make_scheduler(std::string_view name, const SchedulerConfig& cfg) {
  cfg.validate(cfg.origin);
#define ZOOMRT_X(id, str, cls) \
  if (name == str) return schedulers::make_##id(cfg);
  ZOOMRT_SCHEDULERS(ZOOMRT_X)
#undef ZOOMRT_X
  kNoiseSchedulers.parse(name, "--scheduler");  // InputError listing the names
  fail_input("--scheduler: unknown scheduler '{}'", name);  // a table entry without a maker: unreachable
}

void NoiseScheduler::scale_model_input(std::span<float>, int) const {}

}  // namespace zoomrt
