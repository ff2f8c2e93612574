// The identity of a model directory's content, for `zoom --resume`: a run may only be
// continued with the model that made its keyframes, whatever path it is reached by now (a
// folder swapped under the same path, or the same model copied elsewhere, are told apart by
// content). Cheap: configs, tokenizer files and other small files are hashed whole; a weights
// file by its size and header (safetensors: the JSON header with every tensor's name, dtype,
// shape and offsets), not its gigabytes.
#pragma once
#include <string>

namespace zoomrt {

// 16 hex digits (64-bit FNV-1a over relative paths and contents, in path order).
// InputError when `dir` cannot be listed.
std::string model_content_hash(const std::string& dir);
// The same hash of one file (a start image): whole up to 16 MiB, else its size and first MiB.
std::string file_content_hash(const std::string& path);

}  // namespace zoomrt
