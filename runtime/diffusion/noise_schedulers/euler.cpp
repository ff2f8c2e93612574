// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler (Karras et al., "Elucidating the
// Design Space of Diffusion-Based Generative Models", Algorithm 2 without churn): the ODE in
// sigma = sqrt((1 - alpha_bar) / alpha_bar), latents scaled by 1 / sqrt(sigma^2 + 1) for the
// UNet. The ancestral variant steps down to sigma_down and adds fresh noise of sigma_up.
#include <algorithm>
#include <cmath>

#include "runtime/diffusion/noise_schedulers/schedule_math.h"

namespace zoomrt::schedulers {
namespace {

class Euler final : public NoiseScheduler {
 public:
  Euler(const SchedulerConfig& cfg, bool ancestral)
      : cfg_(cfg), train_sigmas_(train_sigmas(alphas_cumprod(cfg))), ancestral_(ancestral) {}

  std::string_view name() const override { return ancestral_ ? "euler-ancestral" : "euler"; }

  void set_timesteps(int steps, double strength) override {
    begin_ = first_kept_step(steps, strength, cfg_.num_train_timesteps, cfg_.origin);
    std::vector<double> all =
        spaced_timesteps(spacing(), steps, cfg_.num_train_timesteps, cfg_.steps_offset, false, cfg_.origin);
    sigmas_.clear();
    for (double t : all) sigmas_.push_back(float(interp_index(t, train_sigmas_)));
    // EulerAncestral always ends at 0; Euler may end at the smallest training sigma.
    bool to_min = !ancestral_ && cfg_.final_sigmas_type == "sigma_min";
    sigmas_.push_back(to_min ? train_sigmas_[0] : 0.0f);
    timesteps_.assign(all.begin() + begin_, all.end());
  }

  float init_noise_sigma() const override {
    float max_sigma = *std::max_element(sigmas_.begin(), sigmas_.end());
    if (spacing() == "linspace" || spacing() == "trailing") return max_sigma;
    return std::sqrt(max_sigma * max_sigma + 1.0f);
  }

  void scale_model_input(std::span<float> x, int i) const override {
    float sigma = sigmas_.at(begin_ + i);
    float scale = std::sqrt(sigma * sigma + 1.0f);
    for (float& v : x) v = v / scale;
  }

  void step(std::span<const float> m, int i, std::span<float> x, NoiseSource& noise) override {
    check_sizes(name(), m.size(), x.size());
    size_t idx = begin_ + i;
    float sigma = sigmas_.at(idx), next = sigmas_.at(idx + 1);
    bool v_pred = cfg_.prediction_type == "v_prediction";
    float v_scale = -sigma / std::sqrt(sigma * sigma + 1.0f), v_div = sigma * sigma + 1.0f;
    float sigma_up = 0.0f, target = next;
    std::vector<float> z;
    if (ancestral_) {
      sigma_up = std::sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
      target = std::sqrt(next * next - sigma_up * sigma_up);  // sigma_down
      z.resize(x.size());
      noise.normal(z);  // drawn at every step, the last one included, as diffusers does
    }
    float dt = target - sigma;
    for (size_t k = 0; k < x.size(); ++k) {
      float x0 = v_pred ? m[k] * v_scale + x[k] / v_div : x[k] - sigma * m[k];
      float derivative = (x[k] - x0) / sigma;
      float out = x[k] + derivative * dt;
      x[k] = ancestral_ ? out + z[k] * sigma_up : out;
    }
  }

  void add_noise(std::span<const float> orig, std::span<const float> n, std::span<float> out) const override {
    float sigma = sigmas_.at(begin_);
    for (size_t k = 0; k < out.size(); ++k) out[k] = orig[k] + n[k] * sigma;
  }

 private:
  std::string_view spacing() const { return spacing_or(cfg_, "linspace"); }

  SchedulerConfig cfg_;
  std::vector<float> train_sigmas_;  // [num_train_timesteps], ascending in t
  std::vector<float> sigmas_;        // [steps + 1], for the full schedule, ending in 0 (or sigma_min)
  bool ancestral_;
  size_t begin_ = 0;                 // first kept step (img2img strength)
};

}  // namespace

std::unique_ptr<NoiseScheduler> make_euler(const SchedulerConfig& cfg) { return std::make_unique<Euler>(cfg, false); }
std::unique_ptr<NoiseScheduler> make_euler_ancestral(const SchedulerConfig& cfg) {
  return std::make_unique<Euler>(cfg, true);
}

}  // namespace zoomrt::schedulers
