// transformers CLIPTextModel: token + position embeddings, pre-LN transformer layers with a
// causal mask, final layer norm. SD2's OpenCLIP tower is configured with 23 layers and gelu,
// SD1.x's CLIP ViT-L with 12 layers and quick_gelu; both are this one graph.
#include <fmt/format.h>

#include "graph/builder.h"
#include "graph/models.h"

namespace zoomrt {

Graph build_clip_text(const ClipTextConfig& cfg, int batch, int seq_len) {
  Graph g;
  GraphBuilder b(g);
  const int64_t hidden = cfg.hidden_size;
  TensorId ids = g.add_input("input_ids", {batch, seq_len}, DType::I64);
  TensorId tok_table = g.add_weight("text_model.embeddings.token_embedding.weight", {cfg.vocab_size, hidden});
  TensorId pos_table =
      g.add_weight("text_model.embeddings.position_embedding.weight", {cfg.max_position_embeddings, hidden});
  TensorId x = b.op(Op::embedding, "text_model.embeddings.token_embedding", {ids, tok_table});
  Attrs first_rows;
  first_rows.axis = 0;
  first_rows.start = 0;
  first_rows.len = seq_len;
  TensorId pos = b.op(Op::slice, "text_model.embeddings.position_ids", {pos_table}, first_rows);
  x = b.add("text_model.embeddings", x, pos);

  const Op act = cfg.hidden_act == "gelu" ? Op::gelu : Op::quick_gelu;
  for (int i = 0; i < cfg.num_hidden_layers; ++i) {
    const std::string p = fmt::format("text_model.encoder.layers.{}", i);
    TensorId h = b.layer_norm(p + ".layer_norm1", x, cfg.layer_norm_eps);
    TensorId q = b.linear(p + ".self_attn.q_proj", h, cfg.hidden_size);
    TensorId k = b.linear(p + ".self_attn.k_proj", h, cfg.hidden_size);
    TensorId v = b.linear(p + ".self_attn.v_proj", h, cfg.hidden_size);
    h = b.attention(p + ".self_attn", q, k, v, cfg.num_attention_heads, /*causal=*/true);
    h = b.linear(p + ".self_attn.out_proj", h, cfg.hidden_size);
    x = b.add(p + ".residual1", x, h);
    h = b.layer_norm(p + ".layer_norm2", x, cfg.layer_norm_eps);
    h = b.linear(p + ".mlp.fc1", h, cfg.intermediate_size);
    h = b.op(act, p + ".mlp.act", {h});
    h = b.linear(p + ".mlp.fc2", h, cfg.hidden_size);
    x = b.add(p + ".residual2", x, h);
  }
  x = b.layer_norm("text_model.final_layer_norm", x, cfg.layer_norm_eps);
  g.mark_output(x, "last_hidden_state");
  return g;
}

}  // namespace zoomrt
