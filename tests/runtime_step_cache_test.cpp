// Step caching (--cache-interval, runtime/diffusion/step_cache.h) against DeepCache's own
// implementation: tools/reference/make_deepcache_fixtures.py ran diffusers' inpainting pipeline
// with DeepCacheSDHelper (cache_branch_id 0) at intervals 1, 2, 3 on the tiny fixture models, with
// the inputs and random draws of the pipeline fixtures; our final latents must equal its within
// 1e-4 of their magnitude, caching must add no error beyond the uncached pipeline's own, and our
// full/shallow choice per UNet call must be the one it made.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "graph/models.h"
#include "runtime/diffusion/keyframe_memory.h"
#include "runtime/diffusion/sd_pipeline.h"
#include "runtime/diffusion/step_cache.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "weights/safetensors.h"

using namespace zoomrt;

namespace {

// The tiny random models' final latents reach |x| ~ 30-40 after 6 steps, and float32 sums in
// another order leave the uncached pipeline itself ~2e-4 off diffusers there (~7e-6 of the
// magnitude; the pipeline test's budget is 1e-3 on the decoded image). So: max abs error at most
// 1e-4 of the largest |latent|, and with caching at most twice the uncached run's own error.
constexpr double kRelativeBudget = 1e-4;
constexpr double kCachingVsUncached = 2.0;
constexpr int kSteps = 6;               // make_deepcache_fixtures.py STEPS

std::string model_dir(const std::string& model) { return std::string(ZOOMRT_FIXTURES_DIR) + "/models/" + model; }

std::vector<double> timesteps_of(const SafetensorsFile& f, const std::string& scheduler) {
  const TensorView& v = f.at("timesteps_" + scheduler);
  HostTensor t = HostTensor::from_view(v);
  return std::vector<double>(t.i64.begin(), t.i64.end());
}

struct Run {
  std::vector<float> latents;
  int unet_calls = 0, shallow_calls = 0;
};

Run run_pipeline(const std::string& model, const std::string& scheduler, int interval, int threads = 2) {
  const std::string dir = model_dir(model);
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/pipeline_" + scheduler + ".safetensors");
  SdOptions o;
  o.model = dir;
  o.width = o.height = 32;
  o.steps = kSteps;
  o.guidance = 7.5f;
  o.scheduler = scheduler;
  o.cache_interval = interval;
  ThreadPool pool(threads);
  SdPipeline p(o, pool);
  HostTensor context;
  context.shape = {2, 77, int64_t(io.at("prompt_embeds").shape[2])};
  for (const char* name : {"negative_prompt_embeds", "prompt_embeds"}) {
    auto v = to_f32(io.at(name));
    context.f32.insert(context.f32.end(), v.begin(), v.end());
  }
  SdPipeline::Noise noise;
  noise.init_noise = HostTensor::from_view(io.at("latents"));
  noise.vae_noise = HostTensor::from_view(io.at("masked_image_noise"));
  Run r;
  p.on_unet_step = [&](int, const HostTensor&, const HostTensor&) { ++r.unet_calls; };
  p.on_step_latents = [&](int, const std::vector<float>& latents) { r.latents = latents; };
  p.inpaint(context, HostTensor::from_view(io.at("image")), HostTensor::from_view(io.at("mask")), noise, nullptr);
  r.shallow_calls = p.shallow_unet_calls();
  return r;
}

}  // namespace

TEST_CASE("step caching: full and shallow UNet calls are those DeepCache makes with PNDM's repeated timestep too") {
  for (const char* model : {"sd2_tiny", "sd15_tiny"}) {
    SafetensorsFile ref = SafetensorsFile::open(model_dir(model) + "/io/pipeline_deepcache.safetensors");
    for (const std::string scheduler : {"pndm", "ddim"}) {
      const std::vector<double> ts = timesteps_of(ref, scheduler);
      for (int n : {1, 2, 3}) {
        const HostTensor full = HostTensor::from_view(ref.at("full_calls_" + scheduler + "_n" + std::to_string(n)));
        REQUIRE(full.i64.size() == ts.size());
        for (size_t step = 0; step < ts.size(); ++step) {
          INFO(model << " " << scheduler << " N=" << n << " call " << step);
          CHECK(is_full_unet_step(ts, step, n) == (full.i64[step] == 1));
        }
      }
    }
  }
}

TEST_CASE("step caching: final latents equal DeepCache's on the tiny pipelines within 1e-4") {
  for (const char* model : {"sd2_tiny", "sd15_tiny"}) {
    SafetensorsFile ref = SafetensorsFile::open(model_dir(model) + "/io/pipeline_deepcache.safetensors");
    for (const std::string scheduler : {"pndm", "ddim"}) {
      std::vector<float> uncached;
      double uncached_error = 0;
      for (int n : {1, 2, 3}) {
        const std::string key = scheduler + "_n" + std::to_string(n);
        const Run r = run_pipeline(model, scheduler, n);
        const std::vector<float> want = to_f32(ref.at("latents_" + key));
        const HostTensor full = HostTensor::from_view(ref.at("full_calls_" + key));
        REQUIRE(r.latents.size() == want.size());
        double worst = 0, moved = 0, scale = 0;
        if (n == 1) uncached = r.latents;
        for (size_t i = 0; i < want.size(); ++i) {
          worst = std::max(worst, std::abs(double(r.latents[i]) - want[i]));
          moved = std::max(moved, std::abs(double(r.latents[i]) - uncached[i]));
          scale = std::max(scale, std::abs(double(want[i])));
        }
        if (n == 1) uncached_error = worst;
        INFO(model << " " << scheduler << " N=" << n << ": max abs latent error " << worst << " (max |latent| "
                   << scale << ", uncached error " << uncached_error << "), max abs change from N=1 " << moved);
        CHECK(worst <= kRelativeBudget * scale);
        CHECK(worst <= kCachingVsUncached * uncached_error);
        CHECK(r.unet_calls == int(full.i64.size()));
        CHECK(r.shallow_calls == int(std::count(full.i64.begin(), full.i64.end(), 0)));
        if (n > 1) CHECK(moved > 1000 * worst);  // caching changed the result far beyond the error: the test can tell
      }
    }
  }
}

TEST_CASE("step caching: the shallow UNet on the cached feature of the same inputs gives the full UNet's output") {
  const std::string dir = model_dir("sd2_tiny");
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/unet.safetensors");
  const ModelConfigs m = load_model_configs(dir);
  DiffusersDir d = DiffusersDir::open(dir);
  WeightSource ws = d.weights("unet", "");
  const WeightLookup lookup = with_name_alternatives([&ws](std::string_view n) { return ws.find(n); });
  std::map<std::string, HostTensor> in;
  for (const char* name : {"sample", "timestep", "encoder_hidden_states"})
    in[name] = HostTensor::from_view(io.at(name));
  const Shape x = in["sample"].shape;
  const int ctx = int(in["encoder_hidden_states"].shape[1]);
  for (const char* dtype : {"f32", "int8-mix"}) {
    ThreadPool pool(2);
    Executor plain(build_unet(m.unet, int(x[0]), int(x[2]), int(x[3]), ctx), lookup, "unet", pool,
                   ExecOptions{true, precision_from_name(dtype)});
    Executor caching(build_unet(m.unet, int(x[0]), int(x[2]), int(x[3]), ctx, true), lookup, "unet", pool,
                     ExecOptions{true, precision_from_name(dtype)});
    Executor shallow(build_unet_shallow(m.unet, int(x[0]), int(x[2]), int(x[3]), ctx), caching);
    CHECK(shallow.weight_bytes_packed() == 0);  // every packed weight is the caching executor's
    CHECK(shallow.borrows_arena());
    auto want = plain.run(in);
    auto full = caching.run(in);
    CHECK(full.at("noise_pred").f32 == want.at("noise_pred").f32);  // the extra output changes nothing
    REQUIRE(full.at("cached_feature").shape == unet_cached_feature_shape(m.unet, int(x[0]), int(x[2]), int(x[3])));
    in["cached_feature"] = full.at("cached_feature");
    auto part = shallow.run(in);
    const auto& a = part.at("noise_pred").f32;
    const auto& b = want.at("noise_pred").f32;
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    INFO(dtype << ": max abs difference " << worst);
    CHECK(worst <= 1e-6);
    in.erase("cached_feature");
  }
}

TEST_CASE("step caching: the keyframe plan counts the UNet weights once and the cached feature") {
  const ModelConfigs m = load_model_configs("sd2-inpainting");
  for (const char* dtype : {"f32", "int8-mix"}) {
    const Precision p = precision_from_name(dtype);
    const MemoryNeed plain = plan_keyframe_memory(m, 512, 512, p).of(Component::unet);
    const MemoryNeed cached = plan_keyframe_memory(m, 512, 512, p, 2).of(Component::unet);
    INFO(dtype);
    CHECK(cached.weight_bytes == plain.weight_bytes);
    // At least the kept [2, 320, 64, 64] f32 feature on top of the uncached arena.
    CHECK(cached.activation_bytes >= plain.activation_bytes + size_t(2) * 320 * 64 * 64 * 4);
  }
}
