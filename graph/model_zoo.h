// Built-in model architectures: the config.json files of the real Hugging Face repositories
// (stabilityai/stable-diffusion-2-inpainting, runwayml/stable-diffusion-inpainting) and of our
// own tiny model of the same architecture. `make-model` writes them out; `inspect` and `sim`
// accept their names where a model directory is expected.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace zoomrt {

// X(id, name used on the command line)
#define ZOOMRT_BUILTIN_MODELS(X) \
  X(sd2_inpainting, "sd2-inpainting") \
  X(sd15_inpainting, "sd15-inpainting") \
  X(tiny, "tiny")

std::vector<std::string> builtin_model_names();
bool is_builtin_model(std::string_view name);

// The files of one built-in model: model_index.json and each component's config, keyed by
// relative path ("unet/config.json", "scheduler/scheduler_config.json", ...).
std::vector<std::pair<std::string, nlohmann::json>> builtin_model_files(std::string_view name);

}  // namespace zoomrt
