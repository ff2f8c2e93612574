// Text files compiled into the binary, so it works from any directory: the NPU presets
// (sim/presets/*.json), the SCALE-Sim topologies (scheduler/topologies/*.csv) and the chart
// scripts (tools/plot/*.py). CMake's zoomrt_embed_text_files (cmake/zoomrt_common.cmake)
// generates, at configure time, one function per family returning its files as {name without
// extension, text} in name order; the folder using them declares that function.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace zoomrt {

using EmbeddedTexts = std::vector<std::pair<std::string_view, std::string_view>>;

}  // namespace zoomrt
