// PNDMScheduler with skip_prk_steps (Liu et al., "Pseudo Numerical Methods for Diffusion
// Models"): linear multistep (PLMS) on the last 1-4 model outputs. Its schedule repeats the
// second timestep, so it runs steps + 1 UNet calls: the second call re-evaluates the first
// step with the averaged output (a Heun-like start).
#include <cmath>

#include "runtime/diffusion/noise_schedulers/schedule_math.h"
#include "base/error.h"

namespace zoomrt::schedulers {
namespace {

class Pndm final : public NoiseScheduler {
 public:
  explicit Pndm(const SchedulerConfig& cfg) : cfg_(cfg), acp_(alphas_cumprod(cfg)) {
    if (!cfg.skip_prk_steps.value_or(false))
      fail_input("scheduler config: PNDM needs skip_prk_steps true (the Runge-Kutta warm-up is not implemented)");
    final_acp_ = cfg.set_alpha_to_one.value_or(false) ? 1.0f : acp_[0];
  }

  std::string_view name() const override { return "pndm"; }

  void set_timesteps(int steps, double strength) override {
    int first = first_kept_step(steps, strength, cfg_.num_train_timesteps, cfg_.origin);
    std::vector<double> d =
        spaced_timesteps(spacing_or(cfg_, "leading"), steps, cfg_.num_train_timesteps, cfg_.steps_offset, true, cfg_.origin);
    std::vector<double> plms;  // d0, d1, d1, d2, ..., d[n-1]
    for (size_t k = 0; k < d.size(); ++k) {
      plms.push_back(d[k]);
      if (k == 1) plms.push_back(d[k]);
    }
    timesteps_.assign(plms.begin() + first, plms.end());
    steps_ = steps;
    counter_ = 0;
    ets_.clear();
    cur_sample_.clear();
  }

  void step(std::span<const float> m, int i, std::span<float> x, NoiseSource&) override {
    check_sizes("pndm", m.size(), x.size());
    int ratio = cfg_.num_train_timesteps / steps_;
    int t = int(timesteps_.at(i)), prev = t - ratio;
    if (counter_ != 1) {
      if (ets_.size() > 3) ets_.erase(ets_.begin(), ets_.end() - 3);
      ets_.emplace_back(m.begin(), m.end());
    } else {
      prev = t;
      t = t + ratio;
    }
    std::vector<float> out(x.size());
    std::span<const float> sample = x;
    size_t n = ets_.size();
    for (size_t k = 0; k < x.size(); ++k) {
      auto e = [&](size_t back) { return ets_[n - back][k]; };
      if (n == 1 && counter_ == 0) out[k] = m[k];
      else if (n == 1 && counter_ == 1) out[k] = (m[k] + e(1)) / 2.0f;
      else if (n == 2) out[k] = (3.0f * e(1) - e(2)) / 2.0f;
      else if (n == 3) out[k] = (23.0f * e(1) - 16.0f * e(2) + 5.0f * e(3)) / 12.0f;
      else out[k] = float(1.0 / 24) * (55.0f * e(1) - 59.0f * e(2) + 37.0f * e(3) - 9.0f * e(4));
    }
    if (n == 1 && counter_ == 0) cur_sample_.assign(x.begin(), x.end());
    std::vector<float> held;
    if (n == 1 && counter_ == 1) {
      held.swap(cur_sample_);  // the first step is redone from the sample it started at
      sample = held;
    }
    prev_sample(sample, t, prev, out, x);
    ++counter_;
  }

  void add_noise(std::span<const float> orig, std::span<const float> n, std::span<float> out) const override {
    float ap = table_at(acp_, int(timesteps_.at(0)), cfg_);
    float a = std::sqrt(ap), b = std::sqrt(1.0f - ap);
    for (size_t k = 0; k < out.size(); ++k) out[k] = a * orig[k] + b * n[k];
  }

 private:
  // diffusers' _get_prev_sample (formula (9) of the PNDM paper); `out` may alias `sample`.
  void prev_sample(std::span<const float> sample, int t, int prev, std::span<const float> m,
                   std::span<float> out) const {
    float ap = table_at(acp_, t, cfg_), ap_prev = prev >= 0 ? table_at(acp_, prev, cfg_) : final_acp_;
    float bp = 1.0f - ap, bp_prev = 1.0f - ap_prev;
    float sample_coeff = std::sqrt(ap_prev / ap);
    float denom = ap * std::sqrt(bp_prev) + std::sqrt(ap * bp * ap_prev);
    float sq_ap = std::sqrt(ap), sq_bp = std::sqrt(bp);
    bool v_pred = cfg_.prediction_type == "v_prediction";
    for (size_t k = 0; k < out.size(); ++k) {
      float s = sample[k];
      float eps = v_pred ? sq_ap * m[k] + sq_bp * s : m[k];
      out[k] = sample_coeff * s - (ap_prev - ap) * eps / denom;
    }
  }

  SchedulerConfig cfg_;
  std::vector<float> acp_;
  float final_acp_ = 1.0f;
  int steps_ = 0, counter_ = 0;
  std::vector<std::vector<float>> ets_;  // past model outputs, at most 4
  std::vector<float> cur_sample_;        // the sample the first step started from
};

}  // namespace

std::unique_ptr<NoiseScheduler> make_pndm(const SchedulerConfig& cfg) { return std::make_unique<Pndm>(cfg); }

}  // namespace zoomrt::schedulers
