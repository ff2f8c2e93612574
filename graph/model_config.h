// Model configurations read from diffusers/transformers config.json files, validated so that
// graph building never sees an absurd value: every problem is an InputError naming the file
// and the key.
#pragma once
#include <string>
#include <vector>

#include "base/json_config.h"

namespace zoomrt {

// transformers CLIPTextConfig (text_encoder/config.json).
struct ClipTextConfig {
  int vocab_size = 49408, hidden_size = 512, intermediate_size = 2048;
  int num_hidden_layers = 12, num_attention_heads = 8, max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // "gelu" (SD2, OpenCLIP) or "quick_gelu" (SD1.x)
  float layer_norm_eps = 1e-5f;
  static ClipTextConfig from(const JsonConfig& c);
};

// diffusers UNet2DConditionModel (unet/config.json), the SD 1.x/2.x family.
struct UNetConfig {
  int in_channels = 4, out_channels = 4, layers_per_block = 2, cross_attention_dim = 1280;
  int norm_num_groups = 32, sample_size = 64, downsample_padding = 1;
  float norm_eps = 1e-5f, freq_shift = 0.0f;
  bool flip_sin_to_cos = true, use_linear_projection = false;
  std::vector<int> block_out_channels;
  std::vector<std::string> down_block_types, up_block_types;
  std::vector<int> heads;  // attention heads per down block (num_attention_heads or attention_head_dim)
  static UNetConfig from(const JsonConfig& c);
};

// diffusers AutoencoderKL (vae/config.json).
struct VaeConfig {
  int in_channels = 3, out_channels = 3, latent_channels = 4, layers_per_block = 1;
  int norm_num_groups = 32, sample_size = 512;
  float scaling_factor = 0.18215f;
  std::vector<int> block_out_channels;
  int downscale() const { return 1 << (int(block_out_channels.size()) - 1); }  // image px per latent px
  static VaeConfig from(const JsonConfig& c);
};

}  // namespace zoomrt
