#include "graph/model_config.h"

#include <algorithm>

#include "base/error.h"

namespace zoomrt {
namespace {

// Sizes beyond these are refused: no real model comes near them and they would make graph
// building or arena planning allocate without bound.
constexpr int64_t kMaxChannels = 1 << 15;
constexpr int64_t kMaxLayers = 256;
constexpr int64_t kMaxVocab = 1 << 21;
constexpr int64_t kMaxPositions = 1 << 14;

int get_bounded(const JsonConfig& c, std::string_view key, int64_t lo, int64_t hi, int64_t dflt) {
  int64_t v = c.get_int(key, dflt);
  if (v < lo || v > hi) fail_input("{}: key '{}' is {}, must be in [{}, {}]", c.path(), key, v, lo, hi);
  return int(v);
}

int get_bounded(const JsonConfig& c, std::string_view key, int64_t lo, int64_t hi) {
  int64_t v = c.get_int(key);
  if (v < lo || v > hi) fail_input("{}: key '{}' is {}, must be in [{}, {}]", c.path(), key, v, lo, hi);
  return int(v);
}

std::vector<int> get_channels(const JsonConfig& c, std::string_view key) {
  std::vector<int64_t> v = c.get_int_list(key);
  if (v.empty() || v.size() > 8) fail_input("{}: key '{}' must list 1 to 8 channel counts", c.path(), key);
  std::vector<int> out;
  for (int64_t x : v) {
    if (x < 1 || x > kMaxChannels) fail_input("{}: key '{}' has channel count {}", c.path(), key, x);
    out.push_back(int(x));
  }
  return out;
}

void check_groups(const JsonConfig& c, int groups, const std::vector<int>& channels) {
  for (int ch : channels)
    if (ch % groups != 0)
      fail_input("{}: key 'norm_num_groups' ({}) does not divide channel count {}", c.path(), groups, ch);
}

}  // namespace

ClipTextConfig ClipTextConfig::from(const JsonConfig& c) {
  ClipTextConfig t;
  t.vocab_size = get_bounded(c, "vocab_size", 1, kMaxVocab);
  t.hidden_size = get_bounded(c, "hidden_size", 1, kMaxChannels);
  t.intermediate_size = get_bounded(c, "intermediate_size", 1, 4 * kMaxChannels);
  t.num_hidden_layers = get_bounded(c, "num_hidden_layers", 1, kMaxLayers);
  t.num_attention_heads = get_bounded(c, "num_attention_heads", 1, 1024);
  t.max_position_embeddings = get_bounded(c, "max_position_embeddings", 1, kMaxPositions, 77);
  t.hidden_act = c.get_string("hidden_act", "quick_gelu");
  t.layer_norm_eps = float(c.get_float_in("layer_norm_eps", 1e-5, 0, 1));
  if (t.hidden_size % t.num_attention_heads != 0)
    fail_input("{}: key 'num_attention_heads' ({}) does not divide hidden_size ({})", c.path(),
               t.num_attention_heads, t.hidden_size);
  if (t.hidden_act != "gelu" && t.hidden_act != "quick_gelu")
    fail_input("{}: key 'hidden_act' is '{}', expected gelu or quick_gelu", c.path(), t.hidden_act);
  if (!(t.layer_norm_eps > 0)) fail_input("{}: key 'layer_norm_eps' must be positive", c.path());
  return t;
}

// diffusers UNet2DConditionModel keys that change the architecture and that we do not build:
// accepted only absent, null or at the value that means "not used", refused by name otherwise
// (ignoring them would run another network than the weights were trained for).
static void reject_unsupported_unet_keys(const JsonConfig& c) {
  for (const char* key : {"class_embed_type", "num_class_embeds", "addition_embed_type", "addition_time_embed_dim",
                          "projection_class_embeddings_input_dim", "encoder_hid_dim", "encoder_hid_dim_type",
                          "time_cond_proj_dim", "time_embedding_dim", "timestep_post_act", "time_embedding_act_fn",
                          "cross_attention_norm", "class_embeddings_concat", "resnet_out_scale_factor",
                          "mid_block_only_cross_attention", "reverse_transformer_layers_per_block",
                          "attention_type"})
    if (c.has(key)) {
      const nlohmann::json& v = c.json().at(key);
      const bool neutral = (key == std::string_view("attention_type") && v == "default") ||
                           (key == std::string_view("resnet_out_scale_factor") && v == 1.0) ||
                           (v.is_boolean() && !v.get<bool>());
      if (!neutral) fail_input("{}: key '{}' is {}: not supported (it changes the network)", c.path(), key, v.dump());
    }
  struct Fixed {
    const char* key;
    const char* value;
  };
  for (Fixed f : {Fixed{"time_embedding_type", "positional"}, Fixed{"mid_block_type", "UNetMidBlock2DCrossAttn"},
                  Fixed{"resnet_time_scale_shift", "default"}})
    if (c.has(f.key) && c.get_string(f.key) != f.value)
      fail_input("{}: key '{}' is '{}': only '{}' is supported", c.path(), f.key, c.get_string(f.key), f.value);
  auto all_false = [](const nlohmann::json& v) {  // false, or a per-block list of false
    if (v.is_boolean()) return !v.get<bool>();
    if (!v.is_array()) return false;
    for (const auto& e : v)
      if (!e.is_boolean() || e.get<bool>()) return false;
    return true;
  };
  for (const char* key : {"only_cross_attention", "dual_cross_attention", "resnet_skip_time_act"})
    if (c.has(key) && !all_false(c.json().at(key)))
      fail_input("{}: key '{}' is {}: only false is supported", c.path(), key, c.json().at(key).dump());
  for (const char* key : {"conv_in_kernel", "conv_out_kernel"})
    if (c.get_int(key, 3) != 3) fail_input("{}: key '{}' is {}: only 3 is supported", c.path(), key, c.get_int(key));
}

UNetConfig UNetConfig::from(const JsonConfig& c) {
  reject_unsupported_unet_keys(c);
  UNetConfig u;
  u.in_channels = get_bounded(c, "in_channels", 1, 64, 4);
  u.out_channels = get_bounded(c, "out_channels", 1, 64, 4);
  u.layers_per_block = get_bounded(c, "layers_per_block", 1, 16, 2);
  u.cross_attention_dim = get_bounded(c, "cross_attention_dim", 1, kMaxChannels, 1280);
  u.norm_num_groups = get_bounded(c, "norm_num_groups", 1, 1024, 32);
  u.sample_size = get_bounded(c, "sample_size", 1, 4096, 64);
  u.downsample_padding = get_bounded(c, "downsample_padding", 0, 1, 1);
  u.norm_eps = float(c.get_float_in("norm_eps", 1e-5, 0, 1));
  u.freq_shift = float(c.get_float_in("freq_shift", 0, -1e4, 1e4));
  u.flip_sin_to_cos = c.get_bool("flip_sin_to_cos", true);
  u.use_linear_projection = c.get_bool("use_linear_projection", false);
  u.block_out_channels = get_channels(c, "block_out_channels");
  size_t n = u.block_out_channels.size();
  u.down_block_types = c.get_string_list("down_block_types");
  u.up_block_types = c.get_string_list("up_block_types");
  if (u.down_block_types.size() != n || u.up_block_types.size() != n)
    fail_input("{}: keys 'down_block_types'/'up_block_types' must have {} entries like block_out_channels",
               c.path(), n);
  for (const auto& t : u.down_block_types)
    if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D")
      fail_input("{}: key 'down_block_types' has unsupported block '{}'", c.path(), t);
  for (const auto& t : u.up_block_types)
    if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D")
      fail_input("{}: key 'up_block_types' has unsupported block '{}'", c.path(), t);
  // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (a misnomer).
  std::string_view heads_key = c.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
  for (int64_t h : c.get_int_or_list(heads_key, n, 8)) {
    if (h < 1 || h > 1024) fail_input("{}: key '{}' has head count {}", c.path(), heads_key, h);
    u.heads.push_back(int(h));
  }
  for (size_t i = 0; i < n; ++i)
    if (u.block_out_channels[i] % u.heads[i] != 0)
      fail_input("{}: key '{}' ({}) does not divide block_out_channels[{}] ({})", c.path(), heads_key,
                 u.heads[i], i, u.block_out_channels[i]);
  check_groups(c, u.norm_num_groups, u.block_out_channels);
  std::string act = c.get_string("act_fn", "silu");
  if (act != "silu") fail_input("{}: key 'act_fn' is '{}', only silu is supported", c.path(), act);
  if (c.get_int("transformer_layers_per_block", 1) != 1)
    fail_input("{}: key 'transformer_layers_per_block' must be 1 (SD 1.x/2.x)", c.path());
  if (!(u.norm_eps > 0)) fail_input("{}: key 'norm_eps' must be positive", c.path());
  return u;
}

VaeConfig VaeConfig::from(const JsonConfig& c) {
  VaeConfig v;
  v.in_channels = get_bounded(c, "in_channels", 1, 64, 3);
  v.out_channels = get_bounded(c, "out_channels", 1, 64, 3);
  v.latent_channels = get_bounded(c, "latent_channels", 1, 64, 4);
  v.layers_per_block = get_bounded(c, "layers_per_block", 1, 16, 1);
  v.norm_num_groups = get_bounded(c, "norm_num_groups", 1, 1024, 32);
  v.sample_size = get_bounded(c, "sample_size", 1, 1 << 14, 512);
  // Finite and of the order diffusers models use (0.18215, 0.13025, 1.5305): 1e300 would turn
  // every latent into Inf.
  v.scaling_factor = float(c.get_float_in("scaling_factor", 0.18215, 1e-4, 1e4));
  v.block_out_channels = get_channels(c, "block_out_channels");
  check_groups(c, v.norm_num_groups, v.block_out_channels);
  if (!(v.scaling_factor > 0)) fail_input("{}: key 'scaling_factor' must be positive", c.path());
  return v;
}

}  // namespace zoomrt
