#include "runtime/model/make_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "graph/model_zoo.h"
#include "graph/models.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "base/json_config.h"
#include "weights/safetensors.h"

namespace zoomrt {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

void add_graph_weights(const Graph& g, std::vector<std::pair<std::string, Shape>>& out) {
  for (TensorId w : g.weights()) out.push_back({g.tensor(w).name, g.tensor(w).shape});
}

// UTF-8 encoding of one code point below 0x800 (all that bytes_to_unicode produces).
std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else {
    s += char(0xc0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3f));
  }
  return s;
}

// CLIP's vocabulary starts with the 256 byte symbols in GPT-2's bytes_to_unicode order, then
// the same with "</w>"; merges and the two special tokens follow. A tokenizer with this
// prefix and no merges gives the real ids for every single character, so prompts still map
// to meaningful rows of a real model's embedding table.
nlohmann::json byte_level_clip_vocab() {
  std::vector<uint32_t> order;
  for (uint32_t b = 33; b <= 126; ++b) order.push_back(b);
  for (uint32_t b = 161; b <= 172; ++b) order.push_back(b);
  for (uint32_t b = 174; b <= 255; ++b) order.push_back(b);
  std::vector<uint32_t> symbol(256);
  for (uint32_t b : order) symbol[b] = b;
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b)
    if (std::find(order.begin(), order.end(), b) == order.end()) {
      order.push_back(b);
      symbol[b] = next++;
    }
  nlohmann::json vocab = nlohmann::json::object();
  int id = 0;
  for (uint32_t b : order) vocab[utf8(symbol[b])] = id++;
  for (uint32_t b : order) vocab[utf8(symbol[b]) + "</w>"] = id++;
  vocab["<|startoftext|>"] = 49406;
  vocab["<|endoftext|>"] = 49407;
  return vocab;
}

void write_tokenizer(const std::string& dir, bool pad_with_exclamation) {
  std::filesystem::create_directories(dir);
  write_json_atomic(dir + "/vocab.json", byte_level_clip_vocab());
  AtomicFile merges(dir + "/merges.txt");
  merges.write("#version: 0.2\n");
  merges.commit();
  const char* pad = pad_with_exclamation ? "!" : "<|endoftext|>";
  write_json_atomic(dir + "/special_tokens_map.json", {{"bos_token", "<|startoftext|>"},
                                                      {"eos_token", "<|endoftext|>"},
                                                      {"pad_token", pad},
                                                      {"unk_token", "<|endoftext|>"}});
  write_json_atomic(dir + "/tokenizer_config.json", {{"tokenizer_class", "CLIPTokenizer"},
                                                    {"model_max_length", 77},
                                                    {"bos_token", "<|startoftext|>"},
                                                    {"eos_token", "<|endoftext|>"},
                                                    {"pad_token", pad},
                                                    {"unk_token", "<|endoftext|>"},
                                                    {"do_lower_case", true}});
}

}  // namespace

std::vector<std::pair<std::string, Shape>> folder_tensors(const ModelConfigs& m, std::string_view folder) {
  std::vector<std::pair<std::string, Shape>> out;
  const int f = m.vae.downscale(), u = 1 << (m.unet.block_out_channels.size() - 1);
  if (folder == "text_encoder") add_graph_weights(build_clip_text(m.text, 1, 1), out);
  if (folder == "unet") add_graph_weights(build_unet(m.unet, 1, u, u, 1), out);
  if (folder == "vae") {
    add_graph_weights(build_vae_encoder(m.vae, 1, f, f), out);
    add_graph_weights(build_vae_decoder(m.vae, 1, 1, 1), out);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void random_tensor_values(uint64_t seed, const std::string& name, const Shape& shape, float* out) {
  uint64_t state = seed ^ fnv1a(name);
  const int64_t n = shape_numel(shape);
  auto normal = [&]() {
    // Box-Muller on two 53-bit uniforms in (0, 1].
    double u1 = (double(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = double(splitmix64(state) >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  };
  const bool is_norm = name.find("norm") != std::string::npos;
  const bool is_weight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
  double mean = 0.0, stddev = 0.02;
  if (name.find("embedding.weight") != std::string::npos) {
    stddev = 0.02;
  } else if (shape.size() >= 2) {
    stddev = 1.0 / std::sqrt(double(n / shape[0]));  // fan-in
  } else if (is_norm && is_weight) {
    mean = 1.0;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = float(mean + stddev * normal());
}

void make_model(const std::string& config, uint64_t seed, DType dtype, const std::string& out_dir) {
  if (dtype != DType::F32 && dtype != DType::F16) fail_input("--dtype: must be f32 or f16");
  ModelConfigs m = load_model_configs(config);
  if (!m.builtin) fail_input("--config: '{}' is not a built-in model", config);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) fail_input("{}: cannot create directory: {}", out_dir, ec.message());
  for (auto& [rel, j] : builtin_model_files(config)) {
    std::filesystem::path p = std::filesystem::path(out_dir) / rel;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) fail_input("{}: cannot create directory: {}", p.parent_path().string(), ec.message());
    write_json_atomic(p.string(), j);
  }
  // The real repositories ship CLIP's full BPE vocabulary; we write its byte-level prefix.
  write_tokenizer((std::filesystem::path(out_dir) / "tokenizer").string(), config != "sd15-inpainting");
  const std::string variant = dtype == DType::F16 ? ".fp16" : "";
  const std::pair<const char*, const char*> files[] = {
      {"text_encoder", "model"}, {"unet", "diffusion_pytorch_model"}, {"vae", "diffusion_pytorch_model"}};
  for (auto [folder, stem] : files) {
    std::vector<TensorToWrite> tensors;
    for (auto& [name, shape] : folder_tensors(m, folder)) {
      TensorToWrite t{name, dtype, shape, nullptr};
      t.fill = [seed, name = name, shape = shape, dtype](uint8_t* dst) {
        std::vector<float> v(size_t(shape_numel(shape)));
        random_tensor_values(seed, name, shape, v.data());
        if (dtype == DType::F32) {
          std::memcpy(dst, v.data(), v.size() * 4);
        } else {
          for (size_t i = 0; i < v.size(); ++i) {
            uint16_t h = float_to_half(v[i]);
            std::memcpy(dst + 2 * i, &h, 2);
          }
        }
      };
      tensors.push_back(std::move(t));
    }
    std::string path = (std::filesystem::path(out_dir) / folder / (std::string(stem) + variant + ".safetensors"));
    write_safetensors(path, tensors, {{"format", "pt"}});
  }
}

}  // namespace zoomrt
