// The Stable Diffusion inpainting pipeline, step for step as diffusers'
// StableDiffusionInpaintPipeline with a 9-channel UNet: prompt and negative prompt encoded
// together (batch 2, negative first), masked image encoded by the VAE and sampled from its
// latent distribution, mask resized to latent size by nearest neighbour, classifier-free
// guidance, the noise scheduler's steps, VAE decode. Components run on the CPU executor, held
// as runtime/diffusion/keyframe_memory.h plans: the text encoder only while it encodes, the others one at
// a time, or (when --memory-budget lets them) packed across keyframes with their arenas freed
// between runs.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "runtime/exec/executor.h"
#include "runtime/diffusion/inpainter.h"
#include "runtime/diffusion/keyframe_memory.h"
#include "runtime/model/model.h"
#include "runtime/exec/precision.h"
#include "runtime/diffusion/rng.h"

namespace zoomrt {

struct SdOptions {
  std::string model;          // diffusers directory
  std::string variant;        // "" or "fp16"
  int width = 512, height = 512;
  int steps = 25;
  float guidance = 7.5f;
  std::string scheduler;      // "" = the model's scheduler_config.json
  int threads = 0;
  Precision dtype;            // weight format of linear/conv layers (runtime/exec/precision.h)
  size_t memory_budget = 0;   // bytes the run may hold (runtime/diffusion/keyframe_memory.h); 0 = physical memory,
                              // and components packed one at a time
  int cache_interval = 1;     // step caching (runtime/diffusion/step_cache.h): 1 = every UNet call is full;
                              // 1..steps (InputError otherwise)
};

class SdPipeline {
 public:
  SdPipeline(const SdOptions& opts, ThreadPool& pool);
  ~SdPipeline();

  const ModelConfigs& configs() const { return cfg_; }
  Residency residency() const;  // how components are held (runtime/diffusion/keyframe_memory.h)
  int latent_width() const { return opts_.width / cfg_.vae.downscale(); }
  int latent_height() const { return opts_.height / cfg_.vae.downscale(); }

  // [2, 77, cross_dim]: row 0 the negative prompt, row 1 the prompt (cached per pair).
  const HostTensor& encode_prompts(const std::string& prompt, const std::string& negative, double* seconds);

  // Everything random is given: `init_noise` [1,4,h,w] (before init_noise_sigma), `vae_noise`
  // [1,4,h,w] (the draw of latent_dist.sample), `step_noise(i)` for schedulers that draw per
  // step. image [1,3,H,W] in [-1,1], mask [1,1,H,W] (binarised here at 0.5).
  // Returns the decoded image [1,3,H,W] in [0,1].
  struct Noise {
    HostTensor init_noise, vae_noise;
    NoiseSource* step_noise = nullptr;  // draws of ancestral/stochastic schedulers
  };
  HostTensor inpaint(const HostTensor& context, const HostTensor& image, const HostTensor& mask, const Noise& noise,
                     InpaintTimings* timings);

  // The UNet's inputs and outputs at each call, kept when a test asks (debugging parity).
  std::function<void(int step, const HostTensor& unet_in, const HostTensor& noise_pred)> on_unet_step;
  // The latents after each scheduler step (the last call's are what the VAE decodes, before
  // 1/scaling_factor), kept when a test asks.
  std::function<void(int step, const std::vector<float>& latents)> on_step_latents;
  // UNet calls of the last inpaint() that ran the shallow UNet (step caching).
  int shallow_unet_calls() const;

 private:
  Executor& executor(Component c);
  void release(Component c);    // frees its executor (packed weights, arena) and weight mapping
  void done_with(Component c);  // after its phase: release, or only free its arena when held

  SdOptions opts_;
  ThreadPool& pool_;
  ModelConfigs cfg_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Inpainter> make_sd_inpainter(const SdOptions& opts);

}  // namespace zoomrt
