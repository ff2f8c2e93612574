// WeightSource: one component's tensors over one file or a sharded index.
#include <filesystem>
#include <utility>

#include "weights/diffusers_dir.h"
#include "base/error.h"

namespace zoomrt {
namespace fs = std::filesystem;

WeightSource WeightSource::open_file(const std::string& path) {
  WeightSource w;
  w.origin_ = path;
  w.describe_ = path;
  w.files_.push_back(SafetensorsFile::open(path));
  for (const TensorView& t : w.files_.back().tensors()) w.index_.emplace(t.name, &t);
  return w;
}

WeightSource WeightSource::open_index(const std::string& index_path) {
  JsonConfig index = JsonConfig::load(index_path);
  if (!index.has("weight_map")) fail_input("{}: key 'weight_map' missing", index_path);
  const nlohmann::json& map = index.json().at("weight_map");
  if (!map.is_object() || map.empty())
    fail_input("{}: key 'weight_map' must be a non-empty object of tensor -> shard file",
               index_path);

  // Group tensors by shard, checking shard names before they touch the file system: a shard
  // must be a plain file name in the index's own folder.
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const auto& [tensor, shard] : map.items()) {
    if (!shard.is_string())
      fail_input("{}: tensor '{}': shard must be a file name string", index_path, tensor);
    const auto& name = shard.get_ref<const std::string&>();
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      fail_input("{}: tensor '{}': shard '{}' is not a plain file name", index_path, tensor, name);
    by_shard[name].push_back(tensor);
  }

  const fs::path folder = fs::path(index_path).parent_path();
  WeightSource w;
  w.origin_ = folder.empty() ? "." : folder.string();
  w.describe_ =
      fmt::format("{} ({} shard{})", index_path, by_shard.size(), by_shard.size() == 1 ? "" : "s");
  w.files_.reserve(by_shard.size());
  for (const auto& [shard, tensors] : by_shard) {
    const std::string shard_path = (folder / shard).string();
    std::error_code ec;
    if (!fs::is_regular_file(shard_path, ec))
      fail_input("{}: shard '{}' (holding tensor '{}') does not exist", index_path, shard,
                 tensors.front());
    w.files_.push_back(SafetensorsFile::open(shard_path));
    const SafetensorsFile& file = w.files_.back();
    for (const std::string& t : tensors) {
      const TensorView* view = file.find(t);
      if (!view) fail_input("{}: tensor '{}' is not in its shard '{}'", index_path, t, shard);
      w.index_.emplace(t, view);
    }
  }
  return w;
}

const TensorView* WeightSource::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const TensorView& WeightSource::at(std::string_view name) const {
  const TensorView* t = find(name);
  if (!t) fail_input("{}: missing tensor '{}'", origin_, name);
  return *t;
}

std::vector<std::string> WeightSource::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, view] : index_) out.push_back(name);
  return out;
}

}  // namespace zoomrt
