#include "graph/model_zoo.h"

#include "base/error.h"

namespace zoomrt {
namespace {

using nlohmann::json;

json model_index() {
  return {{"_class_name", "StableDiffusionInpaintPipeline"},
          {"_diffusers_version", "0.8.0"},
          {"feature_extractor", {"transformers", "CLIPImageProcessor"}},
          {"requires_safety_checker", false},
          {"safety_checker", {nullptr, nullptr}},
          {"scheduler", {"diffusers", "PNDMScheduler"}},
          {"text_encoder", {"transformers", "CLIPTextModel"}},
          {"tokenizer", {"transformers", "CLIPTokenizer"}},
          {"unet", {"diffusers", "UNet2DConditionModel"}},
          {"vae", {"diffusers", "AutoencoderKL"}}};
}

json pndm_scheduler() {
  return {{"_class_name", "PNDMScheduler"}, {"_diffusers_version", "0.8.0"}, {"beta_end", 0.012},
          {"beta_schedule", "scaled_linear"}, {"beta_start", 0.00085},      {"clip_sample", false},
          {"num_train_timesteps", 1000},      {"set_alpha_to_one", false},  {"skip_prk_steps", true},
          {"steps_offset", 1},                {"trained_betas", nullptr}};
}

json unet(json heads, json channels, int cross_dim, bool linear_proj, int layers, int groups) {
  const size_t n = channels.size();
  json down = json::array(), up = json::array();
  for (size_t i = 0; i < n; ++i) {
    down.push_back(i + 1 < n ? "CrossAttnDownBlock2D" : "DownBlock2D");
    up.push_back(i == 0 ? "UpBlock2D" : "CrossAttnUpBlock2D");
  }
  json u = {{"_class_name", "UNet2DConditionModel"},
            {"_diffusers_version", "0.8.0"},
            {"act_fn", "silu"},
            {"attention_head_dim", heads},
            {"block_out_channels", channels},
            {"center_input_sample", false},
            {"cross_attention_dim", cross_dim},
            {"down_block_types", down},
            {"downsample_padding", 1},
            {"dual_cross_attention", false},
            {"flip_sin_to_cos", true},
            {"freq_shift", 0},
            {"in_channels", 9},
            {"layers_per_block", layers},
            {"mid_block_scale_factor", 1},
            {"norm_eps", 1e-05},
            {"norm_num_groups", groups},
            {"num_class_embeds", nullptr},
            {"only_cross_attention", false},
            {"out_channels", 4},
            {"sample_size", 64},
            {"up_block_types", up}};
  if (linear_proj) u["use_linear_projection"] = true;
  return u;
}

json vae(json channels, int layers, int groups) {
  json down = json::array(), up = json::array();
  for (size_t i = 0; i < channels.size(); ++i) {
    down.push_back("DownEncoderBlock2D");
    up.push_back("UpDecoderBlock2D");
  }
  return {{"_class_name", "AutoencoderKL"}, {"_diffusers_version", "0.8.0"}, {"act_fn", "silu"},
          {"block_out_channels", channels}, {"down_block_types", down},      {"in_channels", 3},
          {"latent_channels", 4},           {"layers_per_block", layers},    {"norm_num_groups", groups},
          {"out_channels", 3},              {"sample_size", 512},            {"up_block_types", up}};
}

json clip_text(int hidden, int inter, int layers, int heads, const char* act, int proj_dim) {
  return {{"architectures", {"CLIPTextModel"}},
          {"attention_dropout", 0.0},
          {"bos_token_id", 0},
          {"dropout", 0.0},
          {"eos_token_id", 2},
          {"hidden_act", act},
          {"hidden_size", hidden},
          {"initializer_factor", 1.0},
          {"initializer_range", 0.02},
          {"intermediate_size", inter},
          {"layer_norm_eps", 1e-05},
          {"max_position_embeddings", 77},
          {"model_type", "clip_text_model"},
          {"num_attention_heads", heads},
          {"num_hidden_layers", layers},
          {"pad_token_id", 1},
          {"projection_dim", proj_dim},
          {"torch_dtype", "float32"},
          {"transformers_version", "4.25.0.dev0"},
          {"vocab_size", 49408}};
}

std::vector<std::pair<std::string, json>> files(json u, json v, json t) {
  return {{"model_index.json", model_index()},
          {"scheduler/scheduler_config.json", pndm_scheduler()},
          {"unet/config.json", std::move(u)},
          {"vae/config.json", std::move(v)},
          {"text_encoder/config.json", std::move(t)}};
}

}  // namespace

std::vector<std::string> builtin_model_names() {
  return {
#define X(id, name) name,
      ZOOMRT_BUILTIN_MODELS(X)
#undef X
  };
}

bool is_builtin_model(std::string_view name) {
  for (const auto& n : builtin_model_names())
    if (n == name) return true;
  return false;
}

std::vector<std::pair<std::string, json>> builtin_model_files(std::string_view name) {
  if (name == "sd2-inpainting")
    return files(unet({5, 10, 20, 20}, {320, 640, 1280, 1280}, 1024, true, 2, 32), vae({128, 256, 512, 512}, 2, 32),
                 clip_text(1024, 4096, 23, 16, "gelu", 512));
  if (name == "sd15-inpainting")
    return files(unet(8, {320, 640, 1280, 1280}, 768, false, 2, 32), vae({128, 256, 512, 512}, 2, 32),
                 clip_text(768, 3072, 12, 12, "quick_gelu", 768));
  if (name == "tiny")  // our own: SD2's architecture at a size that zooms in seconds
    return files(unet({2, 4, 8, 8}, {32, 64, 128, 128}, 64, true, 1, 8), vae({32, 64, 64, 64}, 1, 8),
                 clip_text(64, 256, 2, 4, "gelu", 64));
  fail_input("unknown model '{}' (built-in models: sd2-inpainting, sd15-inpainting, tiny)", name);
}

}  // namespace zoomrt
