// Writes a diffusers model directory for a built-in architecture with random weights: the
// exact tensor names, shapes and config.json files of the real repository, so full-size
// loading, memory and speed can be tested without the real weights. Values are drawn per
// tensor from a generator seeded by (seed, tensor name): the same seed gives the same files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "kernels/dtype.h"
#include "runtime/model/model.h"

namespace zoomrt {

// The state-dict tensors (name, shape) of one diffusers subfolder ("unet", "vae", "text_encoder").
std::vector<std::pair<std::string, Shape>> folder_tensors(const ModelConfigs& m, std::string_view folder);

// Fills `out` with the random values make-model writes for tensor `name`: weights with fan-in
// scaled normals (activations stay O(1) through a random network), norm scales near 1, biases
// and embeddings small.
void random_tensor_values(uint64_t seed, const std::string& name, const Shape& shape, float* out);

// dtype: F32 or F16 (F16 files use the ".fp16" variant name, as diffusers' variant="fp16").
void make_model(const std::string& config, uint64_t seed, DType dtype, const std::string& out_dir);

}  // namespace zoomrt
