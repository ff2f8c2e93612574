// Noise schedulers: the denoising loop's update rule, step for step as diffusers'
// DDIMScheduler, PNDMScheduler (skip_prk_steps, SD2-inpainting's default),
// EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and DPMSolverMultistepScheduler
// (DPM-Solver++ 2M: solver_order 2, midpoint, lower_order_final).
//
// The pipeline's use, as in StableDiffusionInpaintPipeline:
//   s->set_timesteps(steps, strength);
//   latents = noise * s->init_noise_sigma()        (strength 1), or
//   s->add_noise(image_latents, noise, latents)   (strength < 1: noised to timesteps()[0])
//   for i in 0 .. timesteps().size()-1:
//     unet_in = latents; s->scale_model_input(unet_in, i)
//     eps = unet(unet_in, timesteps()[i]) (+ guidance)
//     s->step(eps, i, latents, noise_source)
// Latents are flat float spans of any shape (typically [1, 4, h, w]); step() must be called
// with i = 0, 1, 2, ... in order (PNDM and DPM-Solver keep past model outputs).
// Arithmetic follows diffusers' float32 tensor arithmetic operation for operation, and the
// tables (betas by torch.linspace, alphas_cumprod by torch.cumprod) are reproduced bit for bit,
// so results match diffusers to float rounding.
#pragma once
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/enum_table.h"
#include "runtime/diffusion/rng.h"

namespace zoomrt {

class JsonConfig;

// The one list of schedulers: CLI name, diffusers class (scheduler_config.json "_class_name").
#define ZOOMRT_SCHEDULERS(X)                                         \
  X(ddim, "ddim", "DDIMScheduler")                                   \
  X(pndm, "pndm", "PNDMScheduler")                                   \
  X(euler, "euler", "EulerDiscreteScheduler")                        \
  X(euler_ancestral, "euler-ancestral", "EulerAncestralDiscreteScheduler") \
  X(dpmpp_2m, "dpmpp-2m", "DPMSolverMultistepScheduler")

enum class SchedulerKind {
#define ZOOMRT_X(id, name, cls) id,
  ZOOMRT_SCHEDULERS(ZOOMRT_X)
#undef ZOOMRT_X
};

struct SchedulerInfo {
  SchedulerKind kind;
  std::string_view name;             // "euler-ancestral"
  std::string_view diffusers_class;  // "EulerAncestralDiscreteScheduler"
};
std::span<const SchedulerInfo> scheduler_list();
// The `--scheduler` names (base/enum_table.h); each help is the diffusers class it implements.
inline constexpr auto kNoiseSchedulers = make_enum_table<SchedulerKind>({
#define ZOOMRT_X(id, name, cls) {SchedulerKind::id, name, cls},
    ZOOMRT_SCHEDULERS(ZOOMRT_X)
#undef ZOOMRT_X
});
// The name for a diffusers class name; "" when it is none of ours.
std::string_view scheduler_name_for_class(std::string_view class_name);
// "ddim, pndm, ..." for help text and error messages.
std::string scheduler_names();

// The fields of scheduler_config.json we use. Fields whose default differs between diffusers'
// scheduler classes are optional: empty means "the class default" (diffusers fills a
// config written for one class with the other class's defaults when switching schedulers).
struct SchedulerConfig {
  std::string class_name;                       // "_class_name"; "" when unknown
  int num_train_timesteps = 1000;
  double beta_start = 0.0001, beta_end = 0.02;  // diffusers' class defaults
  std::string beta_schedule = "linear";         // "linear" | "scaled_linear"
  std::string prediction_type = "epsilon";      // "epsilon" | "v_prediction"
  std::optional<std::string> timestep_spacing;  // "leading" | "trailing" | "linspace";
                                                // default leading (DDIM, PNDM), linspace (others)
  int steps_offset = 0;
  std::optional<bool> set_alpha_to_one;         // DDIM, PNDM; default true (DDIM), false (PNDM)
  std::optional<bool> clip_sample;              // DDIM; default true
  double clip_sample_range = 1.0;               // DDIM
  std::optional<bool> skip_prk_steps;           // PNDM; default false, only true is supported
  bool lower_order_final = true;                // DPM-Solver
  bool euler_at_final = false;                  // DPM-Solver
  std::string final_sigmas_type = "zero";       // Euler, DPM-Solver: "zero" | "sigma_min"
  double eta = 0.0;                             // DDIM's eta: a pipeline option, not in the file
  std::string origin = "scheduler config";      // names the file in errors

  // Reads scheduler_config.json. InputError (naming the file and key) on wrong types, unknown
  // enumerations, or options we do not implement set to a non-default value (trained_betas,
  // use_karras_sigmas, thresholding, rescale_betas_zero_snr, other solver settings).
  static SchedulerConfig from_json(const JsonConfig& cfg);
  // Checks ranges and enumerations (after command-line overrides); errors name `origin`.
  void validate(std::string_view origin) const;
};

class NoiseScheduler {
 public:
  virtual ~NoiseScheduler() = default;
  virtual std::string_view name() const = 0;

  // diffusers' set_timesteps(steps), then the pipeline's get_timesteps(steps, strength):
  // keeps the last min(int(steps * strength), steps) steps. InputError when steps is not in
  // [1, num_train_timesteps] or strength not in (0, 1].
  virtual void set_timesteps(int steps, double strength = 1.0) = 0;
  // What the UNet receives at each step (PNDM has steps + 1 of them; Euler's are fractional
  // with linspace spacing).
  const std::vector<double>& timesteps() const { return timesteps_; }

  // Standard deviation of the initial noise (1, or the Euler variants' largest sigma).
  virtual float init_noise_sigma() const { return 1.0f; }
  // Scales the UNet's input in place for step i (Euler variants divide by sqrt(sigma^2 + 1)).
  virtual void scale_model_input(std::span<float> latents, int i) const;
  // One denoising step: latents at timesteps()[i] -> latents at the next timestep, in place.
  // Draws model_output.size() normals from `noise` when the method is stochastic.
  virtual void step(std::span<const float> model_output, int i, std::span<float> latents, NoiseSource& noise) = 0;
  // img2img: `out` = original noised to timesteps()[0] with `noise`.
  virtual void add_noise(std::span<const float> original, std::span<const float> noise,
                         std::span<float> out) const = 0;

 protected:
  std::vector<double> timesteps_;
};

// InputError on an unknown name (listing the known ones) or an invalid config.
std::unique_ptr<NoiseScheduler> make_scheduler(std::string_view name, const SchedulerConfig& cfg);

}  // namespace zoomrt
