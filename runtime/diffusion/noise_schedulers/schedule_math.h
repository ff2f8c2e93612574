// Internal to runtime/diffusion/noise_schedulers/: the numbers every scheduler starts from, computed the way
// diffusers (torch float32, numpy float64) computes them so that the tables agree bit for bit.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"

namespace zoomrt::schedulers {

// torch.cumprod(1 - betas) in float32 (accumulated in double, as torch's CPU kernel does),
// betas = torch.linspace(beta_start, beta_end, T) or its scaled_linear square form.
std::vector<float> alphas_cumprod(const SchedulerConfig& cfg);

// ((1 - acp) / acp) ** 0.5 in float32: the Euler / DPM-Solver sigma of each training step.
std::vector<float> train_sigmas(const std::vector<float>& acp);

// numpy's linspace (float64, last value exactly `stop`) and arange for a float step.
std::vector<double> np_linspace(double start, double stop, int num);
std::vector<double> np_arange(double start, double stop, double step);
double np_round(double x);  // half to even

// np.interp(x, [0, 1, ..., n-1], table) in float64.
double interp_index(double x, std::span<const float> table);

// DDIM's and Euler's spacing: descending timesteps for `steps` inference steps. `round_linspace`
// is DDIM's (integers); Euler keeps linspace's fractions (in float32).
// InputError (naming cfg.origin, its keys and the step count) when a timestep falls outside
// 0..train_steps-1: steps_offset too large for the spacing, for example.
std::vector<double> spaced_timesteps(std::string_view spacing, int steps, int train_steps, int offset,
                                     bool round_linspace, std::string_view origin);

// acp[t], or InputError naming the config when t is outside the table (never read past it).
float table_at(const std::vector<float>& acp, int t, const SchedulerConfig& cfg);

// The pipeline's get_timesteps: index of the first step kept for this strength; InputError
// when steps or strength are out of range.
int first_kept_step(int steps, double strength, int train_steps, std::string_view origin = "scheduler");

// `cfg.timestep_spacing` or the class default.
std::string_view spacing_or(const SchedulerConfig& cfg, std::string_view dflt);

// One factory per entry of ZOOMRT_SCHEDULERS (make_ddim, make_pndm, ...), each in its own file.
#define ZOOMRT_X(id, name, cls) std::unique_ptr<NoiseScheduler> make_##id(const SchedulerConfig& cfg);
ZOOMRT_SCHEDULERS(ZOOMRT_X)
#undef ZOOMRT_X

// Elementwise helpers shared by the update rules.
void check_sizes(std::string_view who, size_t model_output, size_t latents);

}  // namespace zoomrt::schedulers
