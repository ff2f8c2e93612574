#include "runtime/model/weight_names.h"

namespace zoomrt {

std::vector<std::string> weight_name_alternatives(const std::string& name) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {".mid_block.attentions.0.query.", ".mid_block.attentions.0.to_q."},
      {".mid_block.attentions.0.key.", ".mid_block.attentions.0.to_k."},
      {".mid_block.attentions.0.value.", ".mid_block.attentions.0.to_v."},
      {".mid_block.attentions.0.proj_attn.", ".mid_block.attentions.0.to_out.0."},
  };
  std::vector<std::string> out;
  for (auto [file_part, module_part] : kRenames)
    if (size_t at = name.find(file_part); at != std::string::npos)
      out.push_back(name.substr(0, at) + module_part + name.substr(at + std::string(file_part).size()));
  const std::string prefix = "text_model.";
  if (name.rfind(prefix, 0) == 0) out.push_back(name.substr(prefix.size()));
  return out;
}

WeightLookup with_name_alternatives(WeightLookup lookup) {
  return [lookup = std::move(lookup)](std::string_view name) -> const TensorView* {
    if (const TensorView* t = lookup(name)) return t;
    for (const std::string& alt : weight_name_alternatives(std::string(name)))
      if (const TensorView* t = lookup(alt)) return t;
    return nullptr;
  };
}

}  // namespace zoomrt
