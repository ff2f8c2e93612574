// DiffusersDir: model_index.json, component folders and the choice of weight files.
#include "weights/diffusers_dir.h"

#include <fmt/ranges.h>

#include <filesystem>
#include <utility>

#include "base/error.h"

namespace zoomrt {
namespace fs = std::filesystem;
namespace {

// A component or variant name is used as a path segment; refuse anything that could leave
// the model directory.
void check_segment(const std::string& dir, std::string_view what, std::string_view s) {
  bool ok = !s.empty() && s != "." && s != "..";
  for (char c : s) ok = ok && c != '/' && c != '\\' && c != '\0';
  if (!ok) fail_input("{}: invalid {} name '{}'", dir, what, s);
}

bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

DiffusersDir::DiffusersDir(std::string dir, JsonConfig model_index)
    : dir_(std::move(dir)), model_index_(std::move(model_index)) {}

DiffusersDir DiffusersDir::open(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  std::error_code ec;
  if (!fs::is_directory(d, ec)) fail_input("{}: not a directory", d);
  JsonConfig index = JsonConfig::load(d + "/model_index.json");
  return DiffusersDir(d, std::move(index));
}

bool DiffusersDir::has_component(std::string_view name) const {
  if (name.empty() || name.front() == '_') return false;  // "_class_name", "_diffusers_version"
  auto it = model_index_.json().find(name);
  if (it == model_index_.json().end()) return false;
  return it->is_array() && it->size() == 2 && (*it)[1].is_string();
}

std::vector<std::string> DiffusersDir::components() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : model_index_.json().items())
    if (has_component(key)) out.push_back(key);
  return out;  // nlohmann objects iterate in key order
}

std::string DiffusersDir::component_dir(std::string_view name) const {
  check_segment(dir_, "component", name);
  return fmt::format("{}/{}", dir_, name);
}

JsonConfig DiffusersDir::component_config(std::string_view name) const {
  std::string_view file = "config.json";
  if (name == "scheduler") file = "scheduler_config.json";
  if (name == "tokenizer") file = "tokenizer_config.json";
  if (name == "feature_extractor") file = "preprocessor_config.json";
  return JsonConfig::load(fmt::format("{}/{}", component_dir(name), file));
}

std::string DiffusersDir::weights_stem(std::string_view component) const {
  // transformers models save "model.safetensors", diffusers models
  // "diffusion_pytorch_model.safetensors"; model_index.json says which library a component
  // comes from. Components not listed there are judged by name.
  auto it = model_index_.json().find(component);
  if (it != model_index_.json().end() && it->is_array() && !it->empty() && (*it)[0].is_string())
    return (*it)[0] == "transformers" ? "model" : "diffusion_pytorch_model";
  return component.starts_with("text_encoder") ? "model" : "diffusion_pytorch_model";
}

WeightSource DiffusersDir::weights(std::string_view component, std::string_view variant) const {
  const std::string cdir = component_dir(component);
  std::error_code ec;
  if (!fs::is_directory(cdir, ec)) fail_input("{}: component directory missing", cdir);
  const std::string stem = weights_stem(component);

  std::vector<std::string> variants;
  if (variant.empty()) {
    variants = {"", "fp16"};
  } else {
    check_segment(cdir, "variant", variant);
    variants = {std::string(variant)};
  }
  std::vector<std::string> tried;
  for (const std::string& v : variants) {
    const std::string dot_v = v.empty() ? "" : "." + v;
    const std::string single = fmt::format("{}/{}{}.safetensors", cdir, stem, dot_v);
    const std::string index = fmt::format("{}/{}.safetensors.index{}.json", cdir, stem, dot_v);
    WeightSource w;
    if (is_file(single)) {
      w = WeightSource::open_file(single);
    } else if (is_file(index)) {
      w = WeightSource::open_index(index);
    } else {
      tried.push_back(fs::path(single).filename().string());
      tried.push_back(fs::path(index).filename().string());
      continue;
    }
    w.origin_ = cdir;
    return w;
  }
  std::string hint;
  if (is_file(fmt::format("{}/{}.bin", cdir, stem)))
    hint =
        fmt::format(" (found {}.bin: PyTorch pickles are not read; convert to safetensors)", stem);
  fail_input("{}: no weights: looked for {}{}", cdir, fmt::join(tried, ", "), hint);
}

}  // namespace zoomrt
