#include "runtime/model/model.h"

#include "graph/model_zoo.h"
#include "graph/models.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"

namespace zoomrt {

std::string_view component_name(Component c) {
  switch (c) {
#define X(id, name, folder) \
  case Component::id:       \
    return name;
    ZOOMRT_COMPONENTS(X)
#undef X
  }
  return "?";
}

std::string_view component_folder(Component c) {
  switch (c) {
#define X(id, name, folder) \
  case Component::id:       \
    return folder;
    ZOOMRT_COMPONENTS(X)
#undef X
  }
  return "?";
}

Component component_from_name(std::string_view name) {
  for (Component c : kAllComponents)
    if (component_name(c) == name) return c;
  fail_input("unknown component '{}' (expected text_encoder, unet, vae_encoder or vae_decoder)", name);
}

ModelConfigs load_model_configs(const std::string& model) {
  ModelConfigs m;
  m.origin = model;
  if (is_builtin_model(model)) {
    m.builtin = true;
    for (auto& [path, j] : builtin_model_files(model)) {
      JsonConfig c = JsonConfig::from_json(j, model + "/" + path);
      if (path == "unet/config.json") m.unet = UNetConfig::from(c);
      if (path == "vae/config.json") m.vae = VaeConfig::from(c);
      if (path == "text_encoder/config.json") m.text = ClipTextConfig::from(c);
    }
    return m;
  }
  DiffusersDir dir = DiffusersDir::open(model);
  m.unet = UNetConfig::from(dir.component_config("unet"));
  m.vae = VaeConfig::from(dir.component_config("vae"));
  m.text = ClipTextConfig::from(dir.component_config("text_encoder"));
  return m;
}

namespace {

const Shape& need_input(const std::map<std::string, Shape>& in, const std::string& name, size_t rank) {
  auto it = in.find(name);
  if (it == in.end()) fail_input("inputs: tensor '{}' is missing", name);
  if (it->second.size() != rank)
    fail_input("inputs: tensor '{}' has shape {}, expected {} dimensions", name, shape_str(it->second), rank);
  for (int64_t d : it->second)
    if (d < 1 || d > (1 << 16)) fail_input("inputs: tensor '{}' has shape {}", name, shape_str(it->second));
  return it->second;
}

void need_dim(const std::string& name, const Shape& s, size_t axis, int64_t want) {
  if (s[axis] != want)
    fail_input("inputs: tensor '{}' has shape {}, dimension {} must be {}", name, shape_str(s), axis, want);
}

}  // namespace

Graph build_component(const ModelConfigs& m, Component c, const std::map<std::string, Shape>& in) {
  switch (c) {
    case Component::text_encoder: {
      const Shape& ids = need_input(in, "input_ids", 2);
      if (ids[1] > m.text.max_position_embeddings)
        fail_input("inputs: tensor 'input_ids' has {} tokens, the model takes at most {}", ids[1],
                   m.text.max_position_embeddings);
      return build_clip_text(m.text, int(ids[0]), int(ids[1]));
    }
    case Component::unet: {
      const Shape& x = need_input(in, "sample", 4);
      const Shape& ctx = need_input(in, "encoder_hidden_states", 3);
      const Shape& t = need_input(in, "timestep", 1);
      need_dim("sample", x, 1, m.unet.in_channels);
      need_dim("encoder_hidden_states", ctx, 0, x[0]);
      need_dim("encoder_hidden_states", ctx, 2, m.unet.cross_attention_dim);
      need_dim("timestep", t, 0, x[0]);
      const int64_t f = int64_t(1) << (m.unet.block_out_channels.size() - 1);
      if (x[2] % f || x[3] % f)
        fail_input("inputs: tensor 'sample' has shape {}, height and width must be multiples of {}", shape_str(x), f);
      return build_unet(m.unet, int(x[0]), int(x[2]), int(x[3]), int(ctx[1]));
    }
    case Component::vae_encoder: {
      const Shape& x = need_input(in, "image", 4);
      need_dim("image", x, 1, m.vae.in_channels);
      const int64_t f = m.vae.downscale();
      if (x[2] % f || x[3] % f)
        fail_input("inputs: tensor 'image' has shape {}, height and width must be multiples of {}", shape_str(x), f);
      return build_vae_encoder(m.vae, int(x[0]), int(x[2]), int(x[3]));
    }
    case Component::vae_decoder: {
      const Shape& x = need_input(in, "latents", 4);
      need_dim("latents", x, 1, m.vae.latent_channels);
      return build_vae_decoder(m.vae, int(x[0]), int(x[2]), int(x[3]));
    }
  }
  fail_input("unknown component");
}

Graph build_component_for_image(const ModelConfigs& m, Component c, int image_h, int image_w) {
  const int f = m.vae.downscale();
  const int lh = image_h / f, lw = image_w / f;
  switch (c) {
    case Component::text_encoder:
      return build_clip_text(m.text, 2, m.text.max_position_embeddings);
    case Component::unet:
      return build_unet(m.unet, 2, lh, lw, m.text.max_position_embeddings);
    case Component::vae_encoder:
      return build_vae_encoder(m.vae, 1, image_h, image_w);
    case Component::vae_decoder:
      return build_vae_decoder(m.vae, 1, lh, lw);
  }
  fail_input("unknown component");
}

}  // namespace zoomrt
