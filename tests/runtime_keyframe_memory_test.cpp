// A whole keyframe's memory (runtime/diffusion/keyframe_memory.h, issue 15): the planned peak of each way
// of holding the components against the per-component figures computed here by hand, the
// issue's targets for the full-size SD2-inpainting model, the residency a budget picks, an
// executor that frees its arena between runs, and a pipeline that frees its components between
// phases giving the same image as one that holds them.
#include <algorithm>
#include <cstring>

#include <catch2/catch.hpp>

#include "runtime/exec/executor.h"
#include "runtime/diffusion/keyframe_memory.h"
#include "runtime/model/model.h"
#include "runtime/diffusion/sd_pipeline.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "weights/safetensors.h"

using namespace zoomrt;

namespace {

const std::string kTiny = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";

MemoryNeed component_need(const ModelConfigs& m, Component c, const char* dtype) {
  return estimate_memory(build_component_for_image(m, c, 512, 512), precision_from_name(dtype));
}

}  // namespace

TEST_CASE("a keyframe's planned peak is its largest phase, not the sum of its components") {
  const ModelConfigs m = load_model_configs("sd2-inpainting");
  for (const char* dtype : {"f32", "f16", "int8-mix", "int4a8-mix"}) {
    INFO(dtype);
    const KeyframeMemory km = plan_keyframe_memory(m, 512, 512, precision_from_name(dtype));
    const MemoryNeed te = component_need(m, Component::text_encoder, dtype),
                     unet = component_need(m, Component::unet, dtype),
                     enc = component_need(m, Component::vae_encoder, dtype),
                     dec = component_need(m, Component::vae_decoder, dtype);
    const size_t alone = std::max({te.total(), unet.total(), enc.total(), dec.total()});
    CHECK(km.peak(Residency::one_at_a_time).total() == alone);
    const size_t held = unet.weight_bytes + enc.weight_bytes + dec.weight_bytes +
                        std::max({unet.activation_bytes, enc.activation_bytes, dec.activation_bytes});
    CHECK(km.peak(Residency::held).total() == std::max(te.total(), held));
    CHECK(km.peak(Residency::held).total() < te.total() + unet.total() + enc.total() + dec.total());
  }
  // The targets for a whole 512x512 keyframe (GB = 1e9 bytes); the plan leaves room for
  // what it does not count (the process itself, images, mapped norms and biases).
  const auto planned = [&](const char* d) {
    return plan_keyframe_memory(m, 512, 512, precision_from_name(d)).peak(Residency::one_at_a_time).total();
  };
  CHECK(planned("int4a8-mix") < size_t(760e6));
  CHECK(planned("int8-mix") < size_t(1.1e9));
  CHECK(planned("f16") < size_t(2.1e9));
}

TEST_CASE("components stay packed across keyframes only when the given budget fits them") {
  const KeyframeMemory km = plan_keyframe_memory(load_model_configs("sd2-inpainting"), 512, 512,
                                                 precision_from_name("int8-mix"));
  const size_t held = km.peak(Residency::held).total(), alone = km.peak(Residency::one_at_a_time).total();
  REQUIRE(alone < held);
  CHECK(choose_residency("m", km, 0) == Residency::one_at_a_time);  // no budget given
  CHECK(choose_residency("m", km, held) == Residency::held);
  CHECK(choose_residency("m", km, held - 1) == Residency::one_at_a_time);
  CHECK(choose_residency("m", km, alone) == Residency::one_at_a_time);
  CHECK_THROWS_AS(choose_residency("m", km, alone - 1), InputError);
  CHECK_THROWS_WITH(choose_residency("sd2 at 512x512", km, alone - 1),
                    Catch::StartsWith("sd2 at 512x512: needs about") && Catch::Contains("--memory-budget"));
}

TEST_CASE("an executor that frees its arena between runs gives the same outputs") {
  const ModelConfigs m = load_model_configs(kTiny);
  DiffusersDir d = DiffusersDir::open(kTiny);
  WeightSource ws = d.weights(component_folder(Component::vae_decoder));
  SafetensorsFile io = SafetensorsFile::open(kTiny + "/io/vae_decoder.safetensors");
  ThreadPool pool(2);
  Executor ex(build_component_for_image(m, Component::vae_decoder, 32, 32),
              with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(), pool);
  const HostTensor in = HostTensor::from_view(io.at("latents"));
  REQUIRE(in.shape == ex.graph().tensor(ex.graph().inputs()[0]).shape);
  CHECK_FALSE(ex.holds_arena());  // nothing allocated before the first run
  const auto first = ex.run({{"latents", in}});
  CHECK(ex.holds_arena());
  ex.release_arena();
  CHECK_FALSE(ex.holds_arena());
  const auto second = ex.run({{"latents", in}});
  const std::vector<float>& a = first.at("image").f32;
  const std::vector<float>& b = second.at("image").f32;
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

TEST_CASE("freeing components between phases leaves the keyframes bit for bit as holding them") {
  SafetensorsFile io = SafetensorsFile::open(kTiny + "/io/pipeline_ddim.safetensors");
  HostTensor context;
  context.shape = {2, 77, int64_t(io.at("prompt_embeds").shape[2])};
  for (const char* name : {"negative_prompt_embeds", "prompt_embeds"}) {
    auto v = to_f32(io.at(name));
    context.f32.insert(context.f32.end(), v.begin(), v.end());
  }
  SdPipeline::Noise noise;
  noise.init_noise = HostTensor::from_view(io.at("latents"));
  noise.vae_noise = HostTensor::from_view(io.at("masked_image_noise"));
  const HostTensor image = HostTensor::from_view(io.at("image")), mask = HostTensor::from_view(io.at("mask"));
  std::vector<std::vector<float>> frames;
  for (size_t budget : {size_t(0), size_t(1) << 40}) {
    SdOptions o;
    o.model = kTiny;
    o.width = o.height = 32;
    o.steps = 3;
    o.scheduler = "ddim";
    o.dtype = precision_from_name("int8-mix");
    o.memory_budget = budget;
    ThreadPool pool(2);
    SdPipeline p(o, pool);
    CHECK(p.residency() == (budget ? Residency::held : Residency::one_at_a_time));
    for (int keyframe = 0; keyframe < 2; ++keyframe) frames.push_back(p.inpaint(context, image, mask, noise, nullptr).f32);
  }
  REQUIRE(frames.size() == 4);
  for (size_t i = 1; i < frames.size(); ++i) {
    INFO("frame " << i);
    REQUIRE(frames[i].size() == frames[0].size());
    CHECK(std::memcmp(frames[i].data(), frames[0].data(), frames[0].size() * sizeof(float)) == 0);
  }
}
