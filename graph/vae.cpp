// diffusers AutoencoderKL: the encoder (with quant_conv; outputs the latent distribution's
// mean and clamped log-variance) and the decoder (with post_quant_conv). Norms use eps 1e-6
// as in diffusers' Encoder/Decoder.
#include <fmt/format.h>

#include "graph/builder.h"
#include "graph/models.h"

namespace zoomrt {
namespace {

constexpr float kVaeEps = 1e-6f;

// UNetMidBlock2D: resnet, single-head self-attention over all pixels, resnet.
TensorId vae_mid_block(GraphBuilder& b, const std::string& p, TensorId x, int groups) {
  const Shape s = b.shape(x);
  const int c = int(s[1]);
  x = resnet_block(b, p + ".resnets.0", x, -1, c, groups, kVaeEps);
  const std::string a = p + ".attentions.0";
  TensorId h = b.group_norm(a + ".group_norm", x, groups, kVaeEps);
  h = b.nchw_to_tokens(a + ".to_tokens", h);
  // Named as in the Hugging Face files (diffusers' old AttentionBlock); files saved by current
  // diffusers say to_q/to_k/to_v/to_out.0, which loading maps (runtime/model/weight_names.h).
  TensorId q = b.linear(a + ".query", h, c);
  TensorId k = b.linear(a + ".key", h, c);
  TensorId v = b.linear(a + ".value", h, c);
  h = b.attention(a, q, k, v, 1);
  h = b.linear(a + ".proj_attn", h, c);
  h = b.tokens_to_nchw(a + ".to_nchw", h, s[2], s[3]);
  x = b.add(a + ".residual", h, x);
  return resnet_block(b, p + ".resnets.1", x, -1, c, groups, kVaeEps);
}

}  // namespace

Graph build_vae_encoder(const VaeConfig& cfg, int batch, int height, int width) {
  Graph g;
  GraphBuilder b(g);
  const auto& ch = cfg.block_out_channels;
  const int groups = cfg.norm_num_groups;
  TensorId x = g.add_input("image", {batch, cfg.in_channels, height, width});
  x = b.conv("encoder.conv_in", x, ch[0], 3, 1, 1);
  for (size_t i = 0; i < ch.size(); ++i) {
    const std::string p = fmt::format("encoder.down_blocks.{}", i);
    for (int j = 0; j < cfg.layers_per_block; ++j)
      x = resnet_block(b, fmt::format("{}.resnets.{}", p, j), x, -1, ch[i], groups, kVaeEps);
    if (i + 1 < ch.size()) {
      // Downsample2D(padding=0) pads one zero row/column at the bottom/right, then a stride-2 conv.
      Attrs pad;
      pad.pads[1] = 1;
      pad.pads[3] = 1;
      x = b.op(Op::pad2d, p + ".downsamplers.0.pad", {x}, pad);
      x = b.conv(p + ".downsamplers.0.conv", x, ch[i], 3, 2, 0);
    }
  }
  x = vae_mid_block(b, "encoder.mid_block", x, groups);
  x = b.group_norm("encoder.conv_norm_out", x, groups, kVaeEps);
  x = b.silu("encoder.conv_act", x);
  x = b.conv("encoder.conv_out", x, 2 * cfg.latent_channels, 3, 1, 1);
  x = b.conv("quant_conv", x, 2 * cfg.latent_channels, 1);
  Attrs half;
  half.axis = 1;
  half.len = cfg.latent_channels;
  TensorId mean = b.op(Op::slice, "latent_dist.mean", {x}, half);
  half.start = cfg.latent_channels;
  TensorId logvar = b.op(Op::slice, "latent_dist.logvar", {x}, half);
  Attrs clamp;
  clamp.lo = -30.0f;
  clamp.hi = 20.0f;
  logvar = b.op(Op::clamp, "latent_dist.logvar.clamp", {logvar}, clamp);
  g.mark_output(mean, "mean");
  g.mark_output(logvar, "logvar");
  return g;
}

Graph build_vae_decoder(const VaeConfig& cfg, int batch, int latent_h, int latent_w) {
  Graph g;
  GraphBuilder b(g);
  const auto& ch = cfg.block_out_channels;
  const size_t n = ch.size();
  const int groups = cfg.norm_num_groups;
  TensorId x = g.add_input("latents", {batch, cfg.latent_channels, latent_h, latent_w});
  x = b.conv("post_quant_conv", x, cfg.latent_channels, 1);
  x = b.conv("decoder.conv_in", x, ch.back(), 3, 1, 1);
  x = vae_mid_block(b, "decoder.mid_block", x, groups);
  for (size_t i = 0; i < n; ++i) {
    const std::string p = fmt::format("decoder.up_blocks.{}", i);
    const int cout = ch[n - 1 - i];
    for (int j = 0; j <= cfg.layers_per_block; ++j)
      x = resnet_block(b, fmt::format("{}.resnets.{}", p, j), x, -1, cout, groups, kVaeEps);
    if (i + 1 < n) {
      x = b.op(Op::upsample_nearest2x, p + ".upsamplers.0.upsample", {x});
      x = b.conv(p + ".upsamplers.0.conv", x, cout, 3, 1, 1);
    }
  }
  x = b.group_norm("decoder.conv_norm_out", x, groups, kVaeEps);
  x = b.silu("decoder.conv_act", x);
  x = b.conv("decoder.conv_out", x, cfg.out_channels, 3, 1, 1);
  g.mark_output(x, "image");
  return g;
}

}  // namespace zoomrt
