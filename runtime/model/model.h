// A model as the runtime sees it: the configs of its components (from a diffusers directory or
// a built-in architecture name) and graph builders at the shapes a run needs.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "graph/model_config.h"

namespace zoomrt {

// X(id, name on the command line, diffusers subfolder)
#define ZOOMRT_COMPONENTS(X)                   \
  X(text_encoder, "text_encoder", "text_encoder") \
  X(unet, "unet", "unet")                      \
  X(vae_encoder, "vae_encoder", "vae")         \
  X(vae_decoder, "vae_decoder", "vae")

enum class Component {
#define X(id, name, folder) id,
  ZOOMRT_COMPONENTS(X)
#undef X
};
inline constexpr Component kAllComponents[] = {
#define X(id, name, folder) Component::id,
    ZOOMRT_COMPONENTS(X)
#undef X
};
std::string_view component_name(Component c);
std::string_view component_folder(Component c);
Component component_from_name(std::string_view name);  // InputError listing the valid names

struct ModelConfigs {
  std::string origin;  // the directory, or the built-in name
  bool builtin = false;
  ClipTextConfig text;
  UNetConfig unet;
  VaeConfig vae;
};

// `model` is a diffusers directory or a built-in name (graph/model_zoo.h).
ModelConfigs load_model_configs(const std::string& model);

// The graph of one component with input shapes taken from `inputs` (name -> shape), as
// `eval` needs; InputError when an input is missing or has the wrong rank or channel count.
Graph build_component(const ModelConfigs& m, Component c, const std::map<std::string, Shape>& inputs);

// The graph of one component at the shapes the zoom pipeline uses for `image_size`×`image_size`
// frames: text encoder and UNet at batch 2 (classifier-free guidance), VAE at batch 1.
Graph build_component_for_image(const ModelConfigs& m, Component c, int image_h, int image_w);

}  // namespace zoomrt
