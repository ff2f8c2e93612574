// diffusers UNet2DConditionModel for the SD 1.x/2.x family: time embedding, conv_in, down
// blocks (ResnetBlock2D + Transformer2DModel, Downsample2D), the cross-attention mid block,
// up blocks that concatenate the skip connections, and the output head.
#include <fmt/format.h>

#include "graph/builder.h"
#include "graph/models.h"

namespace zoomrt {

TensorId resnet_block(GraphBuilder& b, const std::string& p, TensorId x, TensorId temb, int cout, int groups,
                      float eps) {
  const int64_t cin = b.shape(x)[1];
  TensorId h = b.group_norm(p + ".norm1", x, groups, eps);
  h = b.silu(p + ".act1", h);
  h = b.conv(p + ".conv1", h, cout, 3, 1, 1);
  if (temb >= 0) {
    TensorId t = b.silu(p + ".time_act", temb);
    t = b.linear(p + ".time_emb_proj", t, cout);                                  // [n, cout]
    t = b.reshape(p + ".time_emb_proj.view", t, {b.shape(t)[0], cout, 1, 1});  // broadcast over h, w
    h = b.add(p + ".add_temb", h, t);
  }
  h = b.group_norm(p + ".norm2", h, groups, eps);
  h = b.silu(p + ".act2", h);
  h = b.conv(p + ".conv2", h, cout, 3, 1, 1);
  if (cin != cout) x = b.conv(p + ".conv_shortcut", x, cout, 1);
  return b.add(p + ".residual", x, h);
}

namespace {

// diffusers Attention with to_q/to_k/to_v (no bias) and to_out.0 (with bias).
TensorId cross_attention(GraphBuilder& b, const std::string& p, TensorId x, TensorId context, int heads) {
  const int dim = int(b.shape(x).back());
  TensorId kv_src = context >= 0 ? context : x;
  TensorId q = b.linear(p + ".to_q", x, dim, false);
  TensorId k = b.linear(p + ".to_k", kv_src, dim, false);
  TensorId v = b.linear(p + ".to_v", kv_src, dim, false);
  TensorId o = b.attention(p, q, k, v, heads);
  return b.linear(p + ".to_out.0", o, dim);
}

// BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, each pre-LN
// with a residual.
TensorId transformer_block(GraphBuilder& b, const std::string& p, TensorId x, TensorId context, int heads) {
  const int dim = int(b.shape(x).back());
  TensorId h = b.layer_norm(p + ".norm1", x, 1e-5f);
  x = b.add(p + ".attn1.residual", x, cross_attention(b, p + ".attn1", h, -1, heads));
  h = b.layer_norm(p + ".norm2", x, 1e-5f);
  x = b.add(p + ".attn2.residual", x, cross_attention(b, p + ".attn2", h, context, heads));
  h = b.layer_norm(p + ".norm3", x, 1e-5f);
  h = b.linear(p + ".ff.net.0.proj", h, dim * 8);
  h = b.op(Op::geglu, p + ".ff.net.0", {h});
  h = b.linear(p + ".ff.net.2", h, dim);
  return b.add(p + ".ff.residual", x, h);
}

// Transformer2DModel on an NCHW feature map: GroupNorm(eps 1e-6), proj_in (1×1 conv before
// flattening, or linear after it with use_linear_projection), one transformer block, proj_out,
// residual.
TensorId spatial_transformer(GraphBuilder& b, const std::string& p, TensorId x, TensorId context, int heads,
                             const UNetConfig& cfg) {
  const Shape s = b.shape(x);
  const int c = int(s[1]);
  TensorId h = b.group_norm(p + ".norm", x, cfg.norm_num_groups, 1e-6f);
  if (cfg.use_linear_projection) {
    h = b.nchw_to_tokens(p + ".to_tokens", h);
    h = b.linear(p + ".proj_in", h, c);
  } else {
    h = b.conv(p + ".proj_in", h, c, 1);
    h = b.nchw_to_tokens(p + ".to_tokens", h);
  }
  h = transformer_block(b, p + ".transformer_blocks.0", h, context, heads);
  if (cfg.use_linear_projection) {
    h = b.linear(p + ".proj_out", h, c);
    h = b.tokens_to_nchw(p + ".to_nchw", h, s[2], s[3]);
  } else {
    h = b.tokens_to_nchw(p + ".to_nchw", h, s[2], s[3]);
    h = b.conv(p + ".proj_out", h, c, 1);
  }
  return b.add(p + ".residual", h, x);
}

// Sinusoidal projection of the timestep, then linear_1 -> SiLU -> linear_2: [n, 4 * ch[0]].
TensorId time_embedding(GraphBuilder& b, const UNetConfig& cfg, TensorId timestep) {
  const int c0 = cfg.block_out_channels[0];
  Attrs te;
  te.dim = c0;
  te.flip_sin_to_cos = cfg.flip_sin_to_cos;
  te.freq_shift = cfg.freq_shift;
  TensorId temb = b.op(Op::timestep_embedding, "time_proj", {timestep}, te);
  temb = b.linear("time_embedding.linear_1", temb, c0 * 4);
  temb = b.silu("time_embedding.act", temb);
  return b.linear("time_embedding.linear_2", temb, c0 * 4);
}

// Layer j of up block i: concat with the skip, ResnetBlock2D, and the Transformer2DModel of a
// CrossAttnUpBlock2D.
TensorId up_layer(GraphBuilder& b, const UNetConfig& cfg, size_t i, int j, TensorId x, TensorId skip, TensorId temb,
                  TensorId context) {
  const std::string p = fmt::format("up_blocks.{}", i);
  const size_t level = cfg.block_out_channels.size() - 1 - i;  // the down level this up block mirrors
  Attrs cat;
  cat.axis = 1;
  x = b.op(Op::concat, fmt::format("{}.cat.{}", p, j), {x, skip}, cat);
  x = resnet_block(b, fmt::format("{}.resnets.{}", p, j), x, temb, cfg.block_out_channels[level],
                   cfg.norm_num_groups, cfg.norm_eps);
  if (cfg.up_block_types[i] == "CrossAttnUpBlock2D")
    x = spatial_transformer(b, fmt::format("{}.attentions.{}", p, j), x, context, cfg.heads[level], cfg);
  return x;
}

// conv_norm_out -> SiLU -> conv_out, marked as the output "noise_pred".
void output_head(GraphBuilder& b, const UNetConfig& cfg, TensorId x) {
  x = b.group_norm("conv_norm_out", x, cfg.norm_num_groups, cfg.norm_eps);
  x = b.silu("conv_act", x);
  x = b.conv("conv_out", x, cfg.out_channels, 3, 1, 1);
  b.graph().mark_output(x, "noise_pred");
}

struct UNetInputs {
  TensorId sample, timestep, context;
};

UNetInputs unet_inputs(Graph& g, const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len) {
  return {g.add_input("sample", {batch, cfg.in_channels, latent_h, latent_w}), g.add_input("timestep", {batch}),
          g.add_input("encoder_hidden_states", {batch, context_len, cfg.cross_attention_dim})};
}

}  // namespace

Graph build_unet(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len,
                 bool output_cached_feature) {
  Graph g;
  GraphBuilder b(g);
  const auto& ch = cfg.block_out_channels;
  const size_t nblocks = ch.size();
  const int groups = cfg.norm_num_groups;
  const float eps = cfg.norm_eps;
  const auto [sample, timestep, context] = unet_inputs(g, cfg, batch, latent_h, latent_w, context_len);
  const TensorId temb = time_embedding(b, cfg, timestep);

  TensorId x = b.conv("conv_in", sample, ch[0], 3, 1, 1);
  std::vector<TensorId> skips{x};
  for (size_t i = 0; i < nblocks; ++i) {
    const std::string p = fmt::format("down_blocks.{}", i);
    const bool attn = cfg.down_block_types[i] == "CrossAttnDownBlock2D";
    for (int j = 0; j < cfg.layers_per_block; ++j) {
      x = resnet_block(b, fmt::format("{}.resnets.{}", p, j), x, temb, ch[i], groups, eps);
      if (attn) x = spatial_transformer(b, fmt::format("{}.attentions.{}", p, j), x, context, cfg.heads[i], cfg);
      skips.push_back(x);
    }
    if (i + 1 < nblocks) {
      x = b.conv(p + ".downsamplers.0.conv", x, ch[i], 3, 2, cfg.downsample_padding);
      skips.push_back(x);
    }
  }

  x = resnet_block(b, "mid_block.resnets.0", x, temb, ch.back(), groups, eps);
  x = spatial_transformer(b, "mid_block.attentions.0", x, context, cfg.heads.back(), cfg);
  x = resnet_block(b, "mid_block.resnets.1", x, temb, ch.back(), groups, eps);

  for (size_t i = 0; i < nblocks; ++i) {
    const std::string p = fmt::format("up_blocks.{}", i);
    const size_t level = nblocks - 1 - i;
    for (int j = 0; j <= cfg.layers_per_block; ++j) {
      // The input of the last layer of the last up block is what step caching keeps.
      if (output_cached_feature && i + 1 == nblocks && j == cfg.layers_per_block) g.mark_output(x, "cached_feature");
      TensorId skip = skips.back();
      skips.pop_back();
      x = up_layer(b, cfg, i, j, x, skip, temb, context);
    }
    if (i + 1 < nblocks) {
      x = b.op(Op::upsample_nearest2x, p + ".upsamplers.0.upsample", {x});
      x = b.conv(p + ".upsamplers.0.conv", x, ch[level], 3, 1, 1);
    }
  }
  output_head(b, cfg, x);
  return g;
}

Shape unet_cached_feature_shape(const UNetConfig& cfg, int batch, int latent_h, int latent_w) {
  return {batch, cfg.block_out_channels[0], latent_h, latent_w};
}

Graph build_unet_shallow(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len) {
  Graph g;
  GraphBuilder b(g);
  const auto [sample, timestep, context] = unet_inputs(g, cfg, batch, latent_h, latent_w, context_len);
  const TensorId cached = g.add_input("cached_feature", unet_cached_feature_shape(cfg, batch, latent_h, latent_w));
  const TensorId temb = time_embedding(b, cfg, timestep);
  const TensorId skip = b.conv("conv_in", sample, cfg.block_out_channels[0], 3, 1, 1);
  const TensorId x = up_layer(b, cfg, cfg.block_out_channels.size() - 1, cfg.layers_per_block, cached, skip, temb,
                              context);
  output_head(b, cfg, x);
  return g;
}

}  // namespace zoomrt
