// Graph builders for the three Stable Diffusion components, from their validated configs.
// Weight names are the exact state-dict names of the diffusers/transformers modules, so a
// graph's weight list is also what `make-model` writes and what loading expects.
//
// Graph inputs and outputs (names shared with the parity fixtures and `zoomrt eval`):
//   text_encoder: input_ids I64 [b, seq]                  -> last_hidden_state [b, seq, hidden]
//   unet:         sample [b, in_ch, h, w], timestep [b],
//                 encoder_hidden_states [b, ctx_len, cross_dim] -> noise_pred [b, out_ch, h, w]
//                 (+ cached_feature, or as an input of the shallow UNet: step caching, below)
//   vae_encoder:  image [b, 3, H, W]                      -> mean, logvar [b, latent_ch, H/f, W/f]
//   vae_decoder:  latents [b, latent_ch, h, w]            -> image [b, 3, h*f, w*f]
#pragma once
#include <string_view>

#include "graph/graph.h"
#include "graph/model_config.h"

namespace zoomrt {

Graph build_clip_text(const ClipTextConfig& cfg, int batch, int seq_len);
Graph build_unet(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len,
                 bool output_cached_feature = false);

// Step caching (DeepCache, Ma et al. 2024, with cache_branch_id 0; docs/zoom.md "Step caching"):
// the full UNet built with output_cached_feature also outputs "cached_feature", the input of the
// last layer of the last up block (up_blocks[-1].resnets[-1]) before it is concatenated with
// conv_in's output: [b, block_out_channels[0], h, w]. The shallow UNet takes it as an input of
// that name and computes only the time embedding, conv_in, that last up layer (concat, resnet,
// transformer) and the output head -> noise_pred. Node and weight names are the full UNet's, so
// an executor can share the full one's packed weights (runtime/exec/executor.h).
Graph build_unet_shallow(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len);
Shape unet_cached_feature_shape(const UNetConfig& cfg, int batch, int latent_h, int latent_w);
Graph build_vae_encoder(const VaeConfig& cfg, int batch, int height, int width);
Graph build_vae_decoder(const VaeConfig& cfg, int batch, int latent_h, int latent_w);

// ResnetBlock2D as diffusers builds it (norm1, conv1, [time_emb_proj], norm2, conv2,
// [conv_shortcut]); `temb` < 0 means no time embedding (the VAE's blocks).
TensorId resnet_block(class GraphBuilder& b, const std::string& path, TensorId x, TensorId temb, int cout,
                      int groups, float eps);

}  // namespace zoomrt
