// DDIMScheduler (Song et al., "Denoising Diffusion Implicit Models"): deterministic for eta = 0,
// draws noise scaled by eta * sigma_t otherwise.
#include <algorithm>
#include <cmath>

#include "runtime/diffusion/noise_schedulers/schedule_math.h"

namespace zoomrt::schedulers {
namespace {

class Ddim final : public NoiseScheduler {
 public:
  explicit Ddim(const SchedulerConfig& cfg)
      : cfg_(cfg), acp_(alphas_cumprod(cfg)), final_acp_(cfg.set_alpha_to_one.value_or(true) ? 1.0f : acp_[0]) {}

  std::string_view name() const override { return "ddim"; }

  void set_timesteps(int steps, double strength) override {
    int first = first_kept_step(steps, strength, cfg_.num_train_timesteps, cfg_.origin);
    std::vector<double> all =
        spaced_timesteps(spacing_or(cfg_, "leading"), steps, cfg_.num_train_timesteps, cfg_.steps_offset, true, cfg_.origin);
    timesteps_.assign(all.begin() + first, all.end());
    steps_ = steps;
  }

  void step(std::span<const float> m, int i, std::span<float> x, NoiseSource& noise) override {
    check_sizes("ddim", m.size(), x.size());
    int t = int(timesteps_.at(i));
    int prev = t - cfg_.num_train_timesteps / steps_;
    float ap = table_at(acp_, t, cfg_), ap_prev = prev >= 0 ? table_at(acp_, prev, cfg_) : final_acp_;
    float bp = 1.0f - ap, bp_prev = 1.0f - ap_prev;
    float variance = (bp_prev / bp) * (1.0f - ap / ap_prev);
    float std_dev = float(cfg_.eta) * std::sqrt(variance);
    float sq_ap = std::sqrt(ap), sq_bp = std::sqrt(bp), sq_ap_prev = std::sqrt(ap_prev);
    float dir = std::sqrt(1.0f - ap_prev - std_dev * std_dev);
    float range = float(cfg_.clip_sample_range);
    bool clip = cfg_.clip_sample.value_or(true), v_pred = cfg_.prediction_type == "v_prediction";
    std::vector<float> z;
    if (cfg_.eta > 0) {
      z.resize(x.size());
      noise.normal(z);
    }
    for (size_t k = 0; k < x.size(); ++k) {
      float x0 = v_pred ? sq_ap * x[k] - sq_bp * m[k] : (x[k] - sq_bp * m[k]) / sq_ap;
      float eps = v_pred ? sq_ap * m[k] + sq_bp * x[k] : m[k];
      if (clip) x0 = std::clamp(x0, -range, range);
      float out = sq_ap_prev * x0 + dir * eps;
      x[k] = z.empty() ? out : out + std_dev * z[k];
    }
  }

  void add_noise(std::span<const float> orig, std::span<const float> n, std::span<float> out) const override {
    float ap = table_at(acp_, int(timesteps_.at(0)), cfg_);
    float a = std::sqrt(ap), b = std::sqrt(1.0f - ap);
    for (size_t k = 0; k < out.size(); ++k) out[k] = a * orig[k] + b * n[k];
  }

 private:
  SchedulerConfig cfg_;
  std::vector<float> acp_;
  float final_acp_;
  int steps_ = 0;
};

}  // namespace

std::unique_ptr<NoiseScheduler> make_ddim(const SchedulerConfig& cfg) { return std::make_unique<Ddim>(cfg); }

}  // namespace zoomrt::schedulers
