// The embedded default model: `zoomrt zoom` without --model runs on our tiny architecture
// (graph/model_zoo.cpp "tiny"), written once by make-model with seed 0 into a cache folder and
// reused. Writing is deterministic and atomic (a temporary folder renamed into place).
#pragma once
#include <string>

namespace zoomrt {

// $ZOOMRT_CACHE, else $XDG_CACHE_HOME/zoomrt, else $HOME/.cache/zoomrt, else /tmp/zoomrt-cache;
// plus "/tiny-v1". Creates the model there if it is not complete yet.
std::string embedded_model_dir();

}  // namespace zoomrt
