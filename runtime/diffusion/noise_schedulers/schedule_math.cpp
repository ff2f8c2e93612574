#include "runtime/diffusion/noise_schedulers/schedule_math.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "base/error.h"

namespace zoomrt::schedulers {
namespace {

// torch.linspace(start, end, n, dtype=float32) on the CPU: step in float32, and each value is
// start + step * i (or end - step * (n - 1 - i) past the half) rounded once, as its fused
// vector kernel does. Both products are exact in double (24-bit step times < 2^29 index).
std::vector<float> torch_linspace_f32(double start, double end, int n) {
  float s = float(start), e = float(end);
  float step = n > 1 ? (e - s) / float(n - 1) : 0.0f;
  std::vector<float> out(n);
  for (int i = 0; i < n; ++i)
    out[i] = i < n / 2 ? float(double(s) + double(step) * i) : float(double(e) - double(step) * (n - 1 - i));
  return out;
}

}  // namespace

std::vector<float> alphas_cumprod(const SchedulerConfig& cfg) {
  int n = cfg.num_train_timesteps;
  std::vector<float> betas;
  if (cfg.beta_schedule == "scaled_linear") {
    betas = torch_linspace_f32(std::sqrt(cfg.beta_start), std::sqrt(cfg.beta_end), n);
    for (float& b : betas) b = b * b;
  } else {
    betas = torch_linspace_f32(cfg.beta_start, cfg.beta_end, n);
  }
  std::vector<float> acp(n);
  double acc = 1.0;
  for (int i = 0; i < n; ++i) {
    acc *= double(1.0f - betas[i]);
    acp[i] = float(acc);
    // A zero (or denormal-flushed) alpha_bar divides by zero in every scheduler's sigma.
    if (!(acp[i] > 0.0f && std::isnormal(acp[i])))
      fail_input("{}: keys 'beta_start'/'beta_end'/'num_train_timesteps': the cumulative alpha reaches 0 at "
                 "timestep {} of {} (noise schedule too long or betas too large)",
                 cfg.origin, i, n);
  }
  return acp;
}

std::vector<float> train_sigmas(const std::vector<float>& acp) {
  std::vector<float> s(acp.size());
  for (size_t i = 0; i < acp.size(); ++i) s[i] = std::sqrt((1.0f - acp[i]) / acp[i]);
  return s;
}

std::vector<double> np_linspace(double start, double stop, int num) {
  std::vector<double> y(num);
  double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  for (int i = 0; i < num; ++i) y[i] = i * step + start;
  if (num > 1) y[num - 1] = stop;
  return y;
}

std::vector<double> np_arange(double start, double stop, double step) {
  auto n = int64_t(std::ceil((stop - start) / step));
  std::vector<double> y;
  for (int64_t i = 0; i < n; ++i) y.push_back(start + double(i) * step);
  return y;
}

double np_round(double x) { return std::nearbyint(x); }  // default rounding: to nearest even

double interp_index(double x, std::span<const float> table) {
  if (x <= 0) return table.front();
  double last = double(table.size() - 1);
  if (x >= last) return table.back();
  auto i = size_t(x);
  double w = x - double(i), a = table[i], b = table[i + 1];
  // numpy's interp: slope * (x - xp[i]) + fp[i].
  return (b - a) * w + a;
}

std::vector<double> spaced_timesteps(std::string_view spacing, int steps, int train_steps, int offset,
                                     bool round_linspace, std::string_view origin) {
  std::vector<double> t;
  if (spacing == "linspace") {
    t = np_linspace(0, train_steps - 1, steps);
    for (double& v : t) v = round_linspace ? np_round(v) : double(float(v));
    std::reverse(t.begin(), t.end());
  } else if (spacing == "leading") {
    int ratio = train_steps / steps;
    for (int i = steps - 1; i >= 0; --i) t.push_back(double(i * ratio + offset));
  } else {  // trailing
    t = np_arange(train_steps, 0, -double(train_steps) / steps);
    for (double& v : t) v = np_round(v) - 1;
  }
  for (double v : t)
    if (!(v >= 0 && v <= train_steps - 1))
      fail_input("{}: keys 'steps_offset' ({}) and 'num_train_timesteps' ({}) with {} steps ({} spacing) give "
                 "timestep {}, outside 0..{}",
                 origin, offset, train_steps, steps, spacing, v, train_steps - 1);
  return t;
}

float table_at(const std::vector<float>& acp, int t, const SchedulerConfig& cfg) {
  if (t < 0 || size_t(t) >= acp.size())
    fail_input("{}: timestep {} is outside 0..{} (num_train_timesteps {}, steps_offset {})", cfg.origin, t,
               acp.size() - 1, cfg.num_train_timesteps, cfg.steps_offset);
  return acp[size_t(t)];
}

int first_kept_step(int steps, double strength, int train_steps, std::string_view origin) {
  if (steps < 1 || steps > train_steps)
    fail_input("--steps: {} is out of range [1, {}] (key 'num_train_timesteps' of {})", steps, train_steps, origin);
  if (!(strength > 0.0 && strength <= 1.0)) fail_input("scheduler: strength {} out of range (0, 1]", strength);
  int init = std::min(int(steps * strength), steps);
  if (init < 1) fail_input("scheduler: strength {} leaves no step of {}", strength, steps);
  return std::max(steps - init, 0);
}

std::string_view spacing_or(const SchedulerConfig& cfg, std::string_view dflt) {
  return cfg.timestep_spacing ? std::string_view(*cfg.timestep_spacing) : dflt;
}

void check_sizes(std::string_view who, size_t model_output, size_t latents) {
  if (model_output != latents)
    throw std::logic_error(std::string(who) + ": model output and latents differ in size");
}

}  // namespace zoomrt::schedulers
