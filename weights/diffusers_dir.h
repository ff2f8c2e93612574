// A Hugging Face diffusers model directory: model_index.json, one folder per component
// (unet/, vae/, text_encoder/, tokenizer/, scheduler/), each with its config and safetensors
// weights, optionally sharded (<stem>.safetensors.index.json + shard files) and optionally an
// fp16 variant (<stem>.fp16.safetensors, <stem>.safetensors.index.fp16.json).
// Weights stay memory-mapped; a WeightSource owns the mappings of one component.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_config.h"
#include "weights/safetensors.h"

namespace zoomrt {

// The tensors of one component, possibly spread over several files (shards). Move-only; the
// TensorView pointers it hands out stay valid while it lives.
class WeightSource {
 public:
  static WeightSource open_file(const std::string& path);  // one safetensors file
  // A sharded index {"weight_map": {tensor: shard file}}: every shard must exist (in the
  // index's folder) and hold the tensors the map assigns to it.
  static WeightSource open_index(const std::string& index_path);

  const TensorView* find(std::string_view name) const;  // nullptr if absent
  const TensorView& at(std::string_view name) const;    // "<component dir>: missing tensor 'x'"
  std::vector<std::string> names() const;               // sorted
  size_t size() const { return index_.size(); }
  // The file it was read from, e.g. "model/unet/diffusion_pytorch_model.safetensors" or
  // "model/unet/diffusion_pytorch_model.safetensors.index.json (2 shards)".
  std::string describe() const { return describe_; }
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  friend class DiffusersDir;
  std::string origin_;  // named in "missing tensor" errors: the component dir or the file
  std::string describe_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, const TensorView*, std::less<>> index_;
};

class DiffusersDir {
 public:
  // Reads <dir>/model_index.json (must be a JSON object). InputError if dir is not a folder.
  static DiffusersDir open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const JsonConfig& model_index() const { return model_index_; }
  // Listed in model_index.json as [library, class] with a non-null class ("safety_checker":
  // [null, null] is not a component; neither is "requires_safety_checker": false).
  bool has_component(std::string_view name) const;
  std::vector<std::string> components() const;             // sorted
  std::string component_dir(std::string_view name) const;  // "<dir>/<name>"
  // <dir>/<name>/config.json; scheduler: scheduler_config.json, tokenizer:
  // tokenizer_config.json, feature_extractor: preprocessor_config.json.
  JsonConfig component_config(std::string_view name) const;
  // The component's weights. File stem: "model" for transformers components (text_encoder),
  // "diffusion_pytorch_model" otherwise. Variant "" tries <stem>.safetensors, then
  // <stem>.safetensors.index.json, then the same two for fp16; a named variant ("fp16") tries
  // only <stem>.<variant>.safetensors and <stem>.safetensors.index.<variant>.json.
  WeightSource weights(std::string_view component, std::string_view variant = "") const;

 private:
  DiffusersDir(std::string dir, JsonConfig model_index);
  std::string weights_stem(std::string_view component) const;

  std::string dir_;
  JsonConfig model_index_;
};

}  // namespace zoomrt
