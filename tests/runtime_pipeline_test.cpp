// End-to-end inpainting parity: given the prompt embeddings, image, mask and every random draw
// that diffusers' StableDiffusionInpaintPipeline used (saved by the reference script), our
// pipeline's decoded image equals diffusers' to 1e-3.
#include <cmath>

#include <catch2/catch.hpp>

#include "runtime/diffusion/sd_pipeline.h"
#include "weights/safetensors.h"

using namespace zoomrt;

namespace {

constexpr double kImageBudget = 1e-3;  // max abs error of the [0, 1] image

void check_pipeline(const std::string& model, const std::string& scheduler) {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/" + model;
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/pipeline_" + scheduler + ".safetensors");
  SdOptions o;
  o.model = dir;
  o.width = o.height = 32;
  o.steps = 3;
  o.guidance = 7.5f;
  o.scheduler = scheduler;
  ThreadPool pool(2);
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
  int calls = 0;
  double worst_pred = 0;
  p.on_unet_step = [&](int step, const HostTensor&, const HostTensor& pred) {
    // noise_pred_<i> in the fixture is the guided prediction; check the raw halves combine to it.
    auto ref = to_f32(io.at("noise_pred_" + std::to_string(step)));
    size_t n = ref.size();
    for (size_t i = 0; i < n; ++i) {
      double g = pred.f32[i] + 7.5 * (pred.f32[n + i] - pred.f32[i]);
      worst_pred = std::max(worst_pred, std::abs(g - ref[i]));
    }
    ++calls;
  };
  HostTensor out = p.inpaint(context, HostTensor::from_view(io.at("image")), HostTensor::from_view(io.at("mask")),
                             noise, nullptr);
  CHECK(calls == int(io.at("timesteps").numel()));
  INFO(model << " " << scheduler << ": worst guided noise_pred error " << worst_pred);
  CHECK(worst_pred < 1e-3);
  auto ref = to_f32(io.at("image_out"));
  REQUIRE(ref.size() == out.f32.size());
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(double(ref[i]) - out.f32[i]));
  INFO("max abs image error " << worst);
  CHECK(worst <= kImageBudget);
}

}  // namespace

TEST_CASE("SD2-like tiny model: inpainting with PNDM equals diffusers") { check_pipeline("sd2_tiny", "pndm"); }
TEST_CASE("SD2-like tiny model: inpainting with DDIM equals diffusers") { check_pipeline("sd2_tiny", "ddim"); }
TEST_CASE("SD1.5-like tiny model: inpainting with PNDM equals diffusers") { check_pipeline("sd15_tiny", "pndm"); }
TEST_CASE("SD1.5-like tiny model: inpainting with DDIM equals diffusers") { check_pipeline("sd15_tiny", "ddim"); }
