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

}  // namespace

Graph build_unet(const UNetConfig& cfg, int batch, int latent_h, int latent_w, int context_len) {
  Graph g;
  GraphBuilder b(g);
  const auto& ch = cfg.block_out_channels;
  const size_t nblocks = ch.size();
  const int groups = cfg.norm_num_groups;
  const float eps = cfg.norm_eps;
  TensorId sample = g.add_input("sample", {batch, cfg.in_channels, latent_h, latent_w});
  TensorId timestep = g.add_input("timestep", {batch});
  TensorId context = g.add_input("encoder_hidden_states", {batch, context_len, cfg.cross_attention_dim});

  Attrs te;
  te.dim = ch[0];
  te.flip_sin_to_cos = cfg.flip_sin_to_cos;
  te.freq_shift = cfg.freq_shift;
  TensorId temb = b.op(Op::timestep_embedding, "time_proj", {timestep}, te);
  temb = b.linear("time_embedding.linear_1", temb, ch[0] * 4);
  temb = b.silu("time_embedding.act", temb);
  temb = b.linear("time_embedding.linear_2", temb, ch[0] * 4);

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
    const size_t level = nblocks - 1 - i;  // the down level this up block mirrors
    const bool attn = cfg.up_block_types[i] == "CrossAttnUpBlock2D";
    for (int j = 0; j <= cfg.layers_per_block; ++j) {
      TensorId skip = skips.back();
      skips.pop_back();
      Attrs cat;
      cat.axis = 1;
      x = b.op(Op::concat, fmt::format("{}.cat.{}", p, j), {x, skip}, cat);
      x = resnet_block(b, fmt::format("{}.resnets.{}", p, j), x, temb, ch[level], groups, eps);
      if (attn)
        x = spatial_transformer(b, fmt::format("{}.attentions.{}", p, j), x, context, cfg.heads[level], cfg);
    }
    if (i + 1 < nblocks) {
      x = b.op(Op::upsample_nearest2x, p + ".upsamplers.0.upsample", {x});
      x = b.conv(p + ".upsamplers.0.conv", x, ch[level], 3, 1, 1);
    }
  }

  x = b.group_norm("conv_norm_out", x, groups, eps);
  x = b.silu("conv_act", x);
  x = b.conv("conv_out", x, cfg.out_channels, 3, 1, 1);
  g.mark_output(x, "noise_pred");
  return g;
}

}  // namespace zoomrt
