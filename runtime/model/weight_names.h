// Weight-name spellings. Graphs use the names of the Hugging Face files; files saved by
// current libraries rename two things: the VAE mid-block attention (query/key/value/proj_attn
// became to_q/to_k/to_v/to_out.0) and CLIPTextModel's "text_model." prefix (dropped by
// transformers 5). Loading tries the graph's name first, then these alternatives.
#pragma once
#include <string>
#include <vector>

#include "runtime/exec/executor.h"

namespace zoomrt {

// Other spellings of `name`, most likely first (empty when there are none).
std::vector<std::string> weight_name_alternatives(const std::string& name);

// Wraps a lookup so that it also finds tensors under their alternative names.
WeightLookup with_name_alternatives(WeightLookup lookup);

}  // namespace zoomrt
