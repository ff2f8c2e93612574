#include "runtime/diffusion/sd_pipeline.h"

#include <malloc.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "runtime/diffusion/keyframe_memory.h"
#include "runtime/diffusion/step_cache.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/diffusion/rng.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "runtime/tokenizer/tokenizer.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"

namespace zoomrt {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

HostTensor make_f32(Shape s) {
  HostTensor t;
  t.shape = std::move(s);
  t.f32.assign(size_t(shape_numel(t.shape)), 0.0f);
  return t;
}

// Each component's output is checked once for NaN/Inf: a model whose weights or configuration
// overflow stops at the first component that goes bad, naming it and the step, instead of
// writing frames of one flat colour with exit status 0.
void check_finite_output(const std::vector<float>& v, std::string_view component, std::string_view when) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      fail_input("{}: output holds {} (element {}) {}; the model's weights or configuration do not give finite "
                 "numbers",
                 component, std::isnan(v[i]) ? "NaN" : "Inf", i, when);
}

}  // namespace

struct SdPipeline::Impl {
  DiffusersDir dir;
  std::map<Component, WeightSource> sources;
  std::map<Component, std::unique_ptr<Executor>> executors;
  std::unique_ptr<Executor> shallow_unet;  // step caching: on the UNet executor's weights and arena
  int shallow_calls = 0;
  std::unique_ptr<ClipTokenizer> tokenizer;
  std::unique_ptr<NoiseScheduler> scheduler;
  std::map<std::pair<std::string, std::string>, HostTensor> prompt_cache;
  Residency residency = Residency::one_at_a_time;
};

// Gives the memory of freed packed weights and arenas back to the system: glibc keeps freed
// blocks below its (adaptive) mmap threshold in the heap, where they would still count as
// resident while the next component packs its weights.
static void return_freed_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void SdPipeline::release(Component c) {
  if (c == Component::unet) impl_->shallow_unet.reset();  // before the executor whose weights it uses
  impl_->executors.erase(c);  // before its source: the executor points into the mapping
  impl_->sources.erase(c);
  return_freed_memory();
}

void SdPipeline::done_with(Component c) {
  if (impl_->residency == Residency::one_at_a_time) return release(c);
  auto it = impl_->executors.find(c);
  if (it != impl_->executors.end() && it->second) it->second->release_arena();
  return_freed_memory();
}

SdPipeline::SdPipeline(const SdOptions& opts, ThreadPool& pool) : opts_(opts), pool_(pool) {
  cfg_ = load_model_configs(opts.model);
  if (cfg_.builtin) fail_input("--model: '{}' names an architecture; the pipeline needs a model directory", opts.model);
  const int f = cfg_.vae.downscale() * (1 << (cfg_.unet.block_out_channels.size() - 1));
  if (opts.width % f || opts.height % f || opts.width < f || opts.height < f)
    fail_input("--width/--height: {}x{} must be positive multiples of {} for this model", opts.width, opts.height, f);
  if (cfg_.unet.in_channels != 9)
    fail_input("{}/unet/config.json: key 'in_channels' is {}, an inpainting UNet has 9", opts.model,
               cfg_.unet.in_channels);
  if (opts.cache_interval < 1 || opts.cache_interval > opts.steps)
    fail_input("--cache-interval: {} must be in 1..{} (--steps; 1 = no step caching)", opts.cache_interval,
               opts.steps);
  impl_ = std::make_unique<Impl>(Impl{DiffusersDir::open(opts.model), {}, {}, nullptr, 0, nullptr, nullptr, {}, {}});
  SchedulerConfig sc = SchedulerConfig::from_json(impl_->dir.component_config("scheduler"));
  std::string name = opts.scheduler.empty() ? std::string(scheduler_name_for_class(sc.class_name)) : opts.scheduler;
  if (name.empty())
    fail_input("{}/scheduler/scheduler_config.json: scheduler class '{}' is not supported (use --scheduler: {})",
               opts.model, sc.class_name, scheduler_names());
  impl_->scheduler = make_scheduler(name, sc);
  // One component at a time unless the user's budget lets the UNet and VAE weights stay packed
  // (runtime/diffusion/keyframe_memory.h); a run whose peak cannot fit is refused before anything is packed.
  impl_->residency = choose_residency(fmt::format("{} at {}x{} with --dtype {}", opts.model, opts.width, opts.height,
                                                  precision_name(opts.dtype)),
                                      plan_keyframe_memory(cfg_, opts.height, opts.width, opts.dtype,
                                                           opts.cache_interval),
                                      opts.memory_budget);
}

SdPipeline::~SdPipeline() = default;

Residency SdPipeline::residency() const { return impl_->residency; }

int SdPipeline::shallow_unet_calls() const { return impl_->shallow_calls; }

Executor& SdPipeline::executor(Component c) {
  auto& ex = impl_->executors[c];
  if (!ex) {
    auto [it, fresh] = impl_->sources.try_emplace(c, impl_->dir.weights(component_folder(c), opts_.variant));
    const WeightSource& ws = it->second;
    Graph g = c == Component::unet && opts_.cache_interval > 1
                  ? build_caching_unet_for_image(cfg_, opts_.height, opts_.width)
                  : build_component_for_image(cfg_, c, opts_.height, opts_.width);
    ex = std::make_unique<Executor>(std::move(g), with_name_alternatives([&ws](std::string_view n) { return ws.find(n); }),
                                    ws.describe(), pool_, ExecOptions{true, opts_.dtype});
  }
  return *ex;
}

const HostTensor& SdPipeline::encode_prompts(const std::string& prompt, const std::string& negative, double* seconds) {
  auto key = std::make_pair(prompt, negative);
  auto it = impl_->prompt_cache.find(key);
  if (it != impl_->prompt_cache.end()) return it->second;
  auto t0 = std::chrono::steady_clock::now();
  if (!impl_->tokenizer)  // loaded on first use: parity tests pass embeddings directly
    impl_->tokenizer = std::make_unique<ClipTokenizer>(ClipTokenizer::load(opts_.model + "/tokenizer"));
  HostTensor ids;
  ids.dtype = DType::I64;
  ids.shape = {2, cfg_.text.max_position_embeddings};
  for (const std::string* p : {&negative, &prompt}) {
    std::vector<int32_t> row = impl_->tokenizer->encode(*p);
    if (int(row.size()) != cfg_.text.max_position_embeddings)
      fail_input("{}/tokenizer: model_max_length {} differs from the text encoder's {} positions", opts_.model,
                 row.size(), cfg_.text.max_position_embeddings);
    ids.i64.insert(ids.i64.end(), row.begin(), row.end());
  }
  // The text encoder runs alone: whatever else is packed is freed first (and packed again when
  // next needed), and the encoder itself once the prompts are encoded.
  for (Component c : {Component::unet, Component::vae_encoder, Component::vae_decoder}) release(c);
  auto out = executor(Component::text_encoder).run({{"input_ids", ids}});
  release(Component::text_encoder);
  check_finite_output(out.at("last_hidden_state").f32, "text_encoder", "for the prompt");
  if (seconds) *seconds += seconds_since(t0);
  return impl_->prompt_cache[key] = std::move(out.at("last_hidden_state"));
}

HostTensor SdPipeline::inpaint(const HostTensor& context, const HostTensor& image, const HostTensor& mask,
                               const Noise& noise, InpaintTimings* timings) {
  const int H = opts_.height, W = opts_.width, f = cfg_.vae.downscale();
  const int h = H / f, w = W / f, lc = cfg_.vae.latent_channels;
  const size_t hw = size_t(h) * size_t(w), HW = size_t(H) * size_t(W);
  const float sf = cfg_.vae.scaling_factor;
  InpaintTimings local;
  InpaintTimings& tm = timings ? *timings : local;
  auto t_all = std::chrono::steady_clock::now();

  // Mask binarised at 0.5 (VaeImageProcessor do_binarize); masked image keeps pixels where mask < 0.5.
  std::vector<float> bin(HW);
  for (size_t i = 0; i < HW; ++i) bin[i] = mask.f32[i] >= 0.5f ? 1.0f : 0.0f;
  HostTensor masked = make_f32({1, 3, H, W});
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < HW; ++i) masked.f32[c * HW + i] = image.f32[c * HW + i] * (bin[i] < 0.5f ? 1.0f : 0.0f);

  // Masked-image latents: latent_dist.sample() = mean + exp(0.5 logvar) * noise, times scaling_factor.
  auto t0 = std::chrono::steady_clock::now();
  auto enc = executor(Component::vae_encoder).run({{"image", masked}});
  done_with(Component::vae_encoder);
  tm.vae_encoder_s += seconds_since(t0);
  const auto& mean = enc.at("mean").f32;
  const auto& logvar = enc.at("logvar").f32;
  std::vector<float> masked_latents(size_t(lc) * hw);
  for (size_t i = 0; i < masked_latents.size(); ++i)
    masked_latents[i] = sf * (mean[i] + std::exp(0.5f * logvar[i]) * noise.vae_noise.f32[i]);
  check_finite_output(masked_latents, "vae_encoder", "(times the VAE scaling_factor)");

  // Mask at latent size, nearest neighbour (torch interpolate: source index floor(i * H / h)).
  std::vector<float> mask_lat(hw);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      mask_lat[size_t(y) * size_t(w) + size_t(x)] = bin[size_t(y * H / h) * size_t(W) + size_t(x * W / w)];

  NoiseScheduler& sched = *impl_->scheduler;
  sched.set_timesteps(opts_.steps);
  std::vector<float> latents(size_t(lc) * hw);
  for (size_t i = 0; i < latents.size(); ++i) latents[i] = noise.init_noise.f32[i] * sched.init_noise_sigma();

  Executor& unet = executor(Component::unet);
  const int interval = opts_.cache_interval;
  if (interval > 1 && !impl_->shallow_unet)
    impl_->shallow_unet =
        std::make_unique<Executor>(build_shallow_unet_for_image(cfg_, opts_.height, opts_.width), unet);
  impl_->shallow_calls = 0;
  HostTensor unet_in = make_f32({2, cfg_.unet.in_channels, h, w});
  HostTensor timestep = make_f32({2});
  std::map<std::string, HostTensor> inputs{{"encoder_hidden_states", context}};  // + "cached_feature"
  const auto& ts = sched.timesteps();
  const size_t per_batch = size_t(cfg_.unet.in_channels) * hw;
  std::vector<float> scaled(latents.size());
  for (size_t step = 0; step < ts.size(); ++step) {
    scaled = latents;
    sched.scale_model_input(scaled, int(step));
    for (size_t b = 0; b < 2; ++b) {
      float* dst = unet_in.f32.data() + b * per_batch;
      std::copy(scaled.begin(), scaled.end(), dst);
      std::copy(mask_lat.begin(), mask_lat.end(), dst + lc * hw);
      std::copy(masked_latents.begin(), masked_latents.end(), dst + (lc + 1) * hw);
      timestep.f32[b] = float(ts[step]);
    }
    inputs["sample"] = unet_in;
    inputs["timestep"] = timestep;
    t0 = std::chrono::steady_clock::now();
    const bool full = is_full_unet_step(ts, step, interval);
    if (full) inputs.erase("cached_feature");  // the full UNet makes the next one
    auto out = full ? unet.run(inputs) : impl_->shallow_unet->run(inputs);
    if (full && interval > 1) inputs["cached_feature"] = std::move(out.at("cached_feature"));
    impl_->shallow_calls += !full;
    tm.unet_s += seconds_since(t0);
    const std::vector<float>& pred = out.at("noise_pred").f32;
    check_finite_output(pred, "unet", fmt::format("at step {} of {}", step + 1, ts.size()));
    if (on_unet_step) on_unet_step(int(step), unet_in, out.at("noise_pred"));
    std::vector<float> guided(latents.size());
    for (size_t i = 0; i < guided.size(); ++i) {
      float uncond = pred[i], cond = pred[latents.size() + i];
      guided[i] = uncond + opts_.guidance * (cond - uncond);
    }
    Rng no_draws(0);
    sched.step(guided, int(step), latents, noise.step_noise ? *noise.step_noise : no_draws);
    check_finite_output(latents, fmt::format("scheduler {}", sched.name()), fmt::format("at step {} of {}", step + 1, ts.size()));
    if (on_step_latents) on_step_latents(int(step), latents);
  }

  done_with(Component::unet);
  HostTensor z = make_f32({1, lc, h, w});
  for (size_t i = 0; i < latents.size(); ++i) z.f32[i] = latents[i] / sf;
  t0 = std::chrono::steady_clock::now();
  auto dec = executor(Component::vae_decoder).run({{"latents", z}});
  done_with(Component::vae_decoder);
  tm.vae_decoder_s += seconds_since(t0);
  HostTensor img = std::move(dec.at("image"));
  check_finite_output(img.f32, "vae_decoder", "decoding the final latents");
  for (float& v : img.f32) v = std::min(std::max(v / 2.0f + 0.5f, 0.0f), 1.0f);
  tm.total_s += seconds_since(t_all);
  return img;
}

}  // namespace zoomrt

namespace zoomrt {
namespace {

// Inpainter over SdPipeline: converts images, draws all noise from the request's seed on
// fixed streams (initial latents, VAE sample, scheduler draws), so a keyframe depends on its
// seed alone and never on the thread count or on earlier keyframes.
class SdInpainter final : public Inpainter {
 public:
  explicit SdInpainter(const SdOptions& o) : pool_(o.threads), pipe_(o, pool_) {}

  Image inpaint(const InpaintRequest& req, InpaintTimings* timings) override {
    const int H = req.image->height, W = req.image->width;
    const size_t HW = size_t(H) * size_t(W);
    InpaintTimings t;
    const HostTensor& context = pipe_.encode_prompts(req.prompt, req.negative_prompt, &t.text_encoder_s);
    HostTensor image, mask;
    image.shape = {1, 3, H, W};
    image.f32.resize(3 * HW);
    for (size_t i = 0; i < 3 * HW; ++i) image.f32[i] = req.image->rgb[i] * 2.0f - 1.0f;
    mask.shape = {1, 1, H, W};
    mask.f32 = req.mask->values;
    const Shape latent{1, pipe_.configs().vae.latent_channels, pipe_.latent_height(), pipe_.latent_width()};
    SdPipeline::Noise noise;
    for (auto [tensor, stream] : {std::pair{&noise.init_noise, 0u}, std::pair{&noise.vae_noise, 1u}}) {
      tensor->shape = latent;
      tensor->f32.resize(size_t(shape_numel(latent)));
      Rng(req.seed, stream).normal(tensor->f32);
    }
    Rng step_draws(req.seed, 2);
    noise.step_noise = &step_draws;
    HostTensor out = pipe_.inpaint(context, image, mask, noise, &t);
    t.total_s += t.text_encoder_s;
    if (timings) *timings = t;
    Image img;
    img.width = W;
    img.height = H;
    img.rgb = std::move(out.f32);
    return img;
  }

 private:
  ThreadPool pool_;
  SdPipeline pipe_;
};

}  // namespace

std::unique_ptr<Inpainter> make_sd_inpainter(const SdOptions& opts) { return std::make_unique<SdInpainter>(opts); }

}  // namespace zoomrt
