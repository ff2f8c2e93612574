// The shipped NPU presets (sim/presets/*.json), embedded at configure time (sim/CMakeLists.txt).
#include "base/embedded_text.h"
#include "base/error.h"
#include "sim/npu_config.h"

namespace zoomrt {
const EmbeddedTexts& embedded_npu_presets();  // generated: name order
}

namespace zoomrt::sim {

std::vector<std::string> npu_preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : embedded_npu_presets()) names.emplace_back(name);
  return names;
}

std::string npu_preset_json(const std::string& name) {
  for (const auto& [preset, text] : embedded_npu_presets())
    if (preset == name) return std::string(text);
  fail_input("--npu: unknown preset '{}'", name);
}

}  // namespace zoomrt::sim
