// DPMSolverMultistepScheduler as DPM-Solver++(2M) (Lu et al., "DPM-Solver++", Algorithm 2,
// midpoint form): the model output is turned into a data prediction x0; the first step (and,
// with lower_order_final, the last) is first order, the others combine the last two x0 in
// lambda = log(alpha_t / sigma_t).
#include <cmath>

#include "runtime/diffusion/noise_schedulers/schedule_math.h"

namespace zoomrt::schedulers {
namespace {

struct AlphaSigma {
  float alpha, sigma, lambda;
};

// diffusers' _sigma_to_alpha_sigma_t, and lambda_t = log(alpha_t) - log(sigma_t) (+inf at 0).
AlphaSigma alpha_sigma(float sigma) {
  float alpha = 1.0f / std::sqrt(sigma * sigma + 1.0f);
  float s = sigma * alpha;
  return {alpha, s, std::log(alpha) - std::log(s)};
}

class DpmSolver2M final : public NoiseScheduler {
 public:
  explicit DpmSolver2M(const SchedulerConfig& cfg) : cfg_(cfg), train_sigmas_(train_sigmas(alphas_cumprod(cfg))) {}

  std::string_view name() const override { return "dpmpp-2m"; }

  void set_timesteps(int steps, double strength) override {
    begin_ = first_kept_step(steps, strength, cfg_.num_train_timesteps, cfg_.origin);
    std::vector<double> all = dpm_timesteps(steps);
    sigmas_.clear();
    for (double t : all) sigmas_.push_back(float(interp_index(t, train_sigmas_)));
    sigmas_.push_back(cfg_.final_sigmas_type == "sigma_min" ? train_sigmas_[0] : 0.0f);
    full_steps_ = all.size();
    timesteps_.assign(all.begin() + begin_, all.end());
    x0_prev_.clear();
    lower_order_nums_ = 0;
  }

  void step(std::span<const float> m, int i, std::span<float> x, NoiseSource&) override {
    check_sizes("dpmpp-2m", m.size(), x.size());
    size_t idx = begin_ + i;
    bool last = idx == full_steps_ - 1;
    bool first_order_final =
        last && (cfg_.euler_at_final || (cfg_.lower_order_final && full_steps_ < 15) || cfg_.final_sigmas_type == "zero");
    AlphaSigma s0 = alpha_sigma(sigmas_.at(idx)), t = alpha_sigma(sigmas_.at(idx + 1));
    std::vector<float> x0(x.size());
    bool v_pred = cfg_.prediction_type == "v_prediction";
    for (size_t k = 0; k < x.size(); ++k)
      x0[k] = v_pred ? s0.alpha * x[k] - s0.sigma * m[k] : (x[k] - s0.sigma * m[k]) / s0.alpha;

    float h = t.lambda - s0.lambda;
    float ratio = t.sigma / s0.sigma;
    float c = t.alpha * (std::exp(-h) - 1.0f);
    if (lower_order_nums_ < 1 || first_order_final) {
      for (size_t k = 0; k < x.size(); ++k) x[k] = ratio * x[k] - c * x0[k];
    } else {
      AlphaSigma s1 = alpha_sigma(sigmas_.at(idx - 1));
      float r0 = (s0.lambda - s1.lambda) / h;
      float inv_r0 = 1.0f / r0, half_c = 0.5f * c;
      for (size_t k = 0; k < x.size(); ++k) {
        float d1 = inv_r0 * (x0[k] - x0_prev_[k]);
        x[k] = ratio * x[k] - c * x0[k] - half_c * d1;
      }
    }
    if (lower_order_nums_ < 2) ++lower_order_nums_;
    x0_prev_ = std::move(x0);
  }

  void add_noise(std::span<const float> orig, std::span<const float> n, std::span<float> out) const override {
    AlphaSigma a = alpha_sigma(sigmas_.at(begin_));
    for (size_t k = 0; k < out.size(); ++k) out[k] = a.alpha * orig[k] + a.sigma * n[k];
  }

 private:
  // DPMSolverMultistepScheduler.set_timesteps' own spacing (lambda_min_clipped = -inf, so
  // the last usable timestep is num_train_timesteps).
  std::vector<double> dpm_timesteps(int steps) const {
    int train = cfg_.num_train_timesteps;
    std::string_view spacing = spacing_or(cfg_, "linspace");
    std::vector<double> t;
    if (spacing == "linspace") {
      std::vector<double> l = np_linspace(0, train - 1, steps + 1);
      for (int k = steps; k >= 1; --k) t.push_back(np_round(l[k]));
    } else if (spacing == "leading") {
      int ratio = train / (steps + 1);
      for (int k = steps; k >= 1; --k) t.push_back(double(k * ratio + cfg_.steps_offset));
    } else {
      for (double v : np_arange(train, 0, -double(train) / steps)) t.push_back(np_round(v) - 1);
    }
    return t;
  }

  SchedulerConfig cfg_;
  std::vector<float> train_sigmas_;
  std::vector<float> sigmas_;  // [full steps + 1]
  size_t begin_ = 0, full_steps_ = 0;
  int lower_order_nums_ = 0;
  std::vector<float> x0_prev_;  // the previous step's data prediction
};

}  // namespace

std::unique_ptr<NoiseScheduler> make_dpmpp_2m(const SchedulerConfig& cfg) {
  return std::make_unique<DpmSolver2M>(cfg);
}

}  // namespace zoomrt::schedulers
