// Graph builders for the three Stable Diffusion components, from their validated configs.
// Weight names are the exact state-dict names of the diffusers/transformers modules, so a
// graph's weight list is also what `make-model` writes and what loading expects.
//
// Graph inputs and outputs (names shared with the parity fixtures and `zoomrt eval`):
//   text_encoder: input_ids I64 [b, seq]                  -> last_hidden_state [b, seq, hidden]
//   unet:         sample [b, in_ch, h, w], timestep [b],
//                 encoder_hidden_states [b, ctx_len, cross_dim] -> noise_pred [b, out_ch, h, w]
//   vae_encoder:  image [b, 3, H, W]                      -> mean, logvar [b, latent_ch, H/f, W/f]
//   vae_decoder:  latents [b, latent_ch, h, w]            -> image [b, 3, h*f, w*f]
#pragma once
#include <string_view>

#include "graph/graph.h"
#include "graph/model_config.h"

namespace zoomrt {

Graph build_clip_text(const ClipTextConfig& cfg, int batch, int seq_len);
Graph build_unet(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len);
Graph build_vae_encoder(const VaeConfig& cfg, int batch, int height, int width);
Graph build_vae_decoder(const VaeConfig& cfg, int batch, int latent_h, int latent_w);

// ResnetBlock2D as diffusers builds it (norm1, conv1, [time_emb_proj], norm2, conv2,
// [conv_shortcut]); `temb` < 0 means no time embedding (the VAE's blocks).
TensorId resnet_block(class GraphBuilder& b, const std::string& path, TensorId x, TensorId temb, int cout,
                      int groups, float eps);

}  // namespace zoomrt
