// zoomrt quantize: copy a diffusers directory with the linear and conv weights of the text
// encoder, UNet and VAE converted to one stored format (weights/quantized.h). Configs, tokenizer
// and scheduler files are copied byte for byte; every other tensor keeps its dtype and values.
// Each component's weights become one <stem>.safetensors whose __metadata__ says
// "zoomrt.quantize" = the format and "zoomrt.format.<weight>" = the format of each converted
// weight. Weights are converted one at a time while the file streams out (atomic writes), so
// memory holds one layer in f32 plus its quantised bytes.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "tools/zoomrt/commands.h"
#include "base/atomic_file.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "base/input_file.h"
#include "weights/quantized.h"

namespace zoomrt::cli {
namespace {
namespace fs = std::filesystem;

// File names (as the component's files spell them) of the weights a linear or conv2d reads,
// per component folder: found through the graphs at the smallest image the model accepts.
std::map<std::string, std::set<std::string>> packed_weight_names(const ModelConfigs& m, const DiffusersDir& dir) {
  const int size = m.vae.downscale() * (1 << (m.unet.block_out_channels.size() - 1));
  std::map<std::string, std::set<std::string>> out;
  std::map<std::string, WeightSource> sources;
  for (Component c : kAllComponents) {
    const std::string folder(component_folder(c));
    if (!sources.count(folder)) sources.emplace(folder, dir.weights(folder));
    const WeightSource& ws = sources.at(folder);
    Graph g = build_component_for_image(m, c, size, size);
    for (const Node& n : g.nodes()) {
      if (n.op != Op::linear && n.op != Op::conv2d) continue;
      const std::string& name = g.tensor(n.inputs[1]).name;
      if (g.tensor(n.inputs[1]).role != TensorRole::weight) continue;
      std::vector<std::string> spellings{name};
      for (std::string& alt : weight_name_alternatives(name)) spellings.push_back(std::move(alt));
      for (const std::string& s : spellings)
        if (ws.find(s)) {
          out[folder].insert(s);
          break;
        }
    }
  }
  return out;
}

void copy_file_atomic(const fs::path& from, const fs::path& to) {
  const std::string text = read_input_file(from.string(), kMaxConfigBytes, "model file");
  AtomicFile out(to.string());
  out.write(text);
  out.commit();
}

// Copies everything but the weight files of the converted folders.
void copy_other_files(const fs::path& model, const fs::path& out, const std::map<std::string, std::set<std::string>>& converted) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(model, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), model);
    std::error_code same_ec;
    if (fs::equivalent(it->path(), out, same_ec)) {  // --out inside --model: never copy it into itself
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      fs::create_directories(out / rel, ec);
      if (ec) fail_input("--out: cannot create '{}': {}", (out / rel).string(), ec.message());
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string top = rel.begin()->string();
    if (converted.count(top) && rel.filename().string().find(".safetensors") != std::string::npos) continue;
    copy_file_atomic(it->path(), out / rel);
  }
  if (ec) fail_input("{}: cannot list: {}", model.string(), ec.message());
}

struct FolderSummary {
  size_t converted = 0, kept = 0, bytes_in = 0, bytes_out = 0;
};

// Writes one component's weights: converted tensors streamed through quantize_weight (the main
// tensor's fill quantises and stashes the companions, which follow it in file order).
FolderSummary write_folder(const WeightSource& ws, const std::set<std::string>& to_convert, const QuantSpec& spec,
                           const std::string& path) {
  FolderSummary sum;
  std::vector<TensorToWrite> tensors;
  std::map<std::string, std::string> metadata{{"format", "pt"}, {"zoomrt.quantize", quant_spec_name(spec)}};
  auto stash = std::make_shared<std::vector<QuantTensor>>();
  for (const std::string& name : ws.names()) {
    const TensorView* v = ws.find(name);
    sum.bytes_in += v->nbytes;
    if (!to_convert.count(name) || !quant_spec_fits(v->shape, spec)) {
      ++sum.kept, sum.bytes_out += v->nbytes;
      tensors.push_back({name, v->dtype, v->shape, [v](uint8_t* dst) { std::memcpy(dst, v->data, v->nbytes); }});
      continue;
    }
    ++sum.converted;
    metadata["zoomrt.format." + name] = quant_spec_name(spec);
    sum.bytes_out += quantized_bytes(v->shape, spec);
    const std::vector<QuantTensor> layout = quantized_layout(name, v->shape, spec);
    for (size_t i = 0; i < layout.size(); ++i) {
      const QuantTensor& t = layout[i];
      std::function<void(uint8_t*)> fill;
      if (i == 0)
        fill = [v, spec, stash](uint8_t* dst) {
          const std::vector<float> w = to_f32(*v);
          *stash = quantize_weight(v->name, v->shape, w.data(), spec);
          std::memcpy(dst, (*stash)[0].bytes.data(), (*stash)[0].bytes.size());
        };
      else
        fill = [stash, i](uint8_t* dst) { std::memcpy(dst, (*stash)[i].bytes.data(), (*stash)[i].bytes.size()); };
      tensors.push_back({t.name, t.dtype, t.shape, std::move(fill)});
    }
  }
  write_safetensors(path, tensors, metadata);
  return sum;
}

}  // namespace

void setup_quantize(CLI::App& sub) {
  struct Opts {
    std::string model, to, out;
  };
  auto o = std::make_shared<Opts>();
  sub.add_option("--model", o->model, "diffusers model directory")->required();
  sub.add_option("--to", o->to, "format: " + quant_spec_names())->required();
  sub.add_option("--out", o->out, "directory to write the converted model to")->required();
  sub.callback([o] {
    const QuantSpec spec = quant_spec_from_name(o->to);
    std::error_code ec;
    if (!fs::is_directory(o->model, ec)) fail_input("--model: '{}' is not a model directory", o->model);
    ModelConfigs m = load_model_configs(o->model);
    DiffusersDir dir = DiffusersDir::open(o->model);
    if (fs::exists(o->out, ec) && fs::equivalent(o->out, o->model, ec))
      fail_input("--out: '{}' is the model directory itself", o->out);
    fs::create_directories(o->out, ec);
    if (ec || !fs::is_directory(o->out)) fail_input("--out: cannot create '{}': {}", o->out, ec.message());
    const auto converted = packed_weight_names(m, dir);
    copy_other_files(o->model, o->out, converted);
    for (const auto& [folder, names] : converted) {
      const WeightSource ws = dir.weights(folder);
      const std::string stem = folder == "text_encoder" ? "model" : "diffusion_pytorch_model";
      const std::string path = (fs::path(o->out) / folder / (stem + ".safetensors")).string();
      const FolderSummary s = write_folder(ws, names, spec, path);
      fmt::print("{:<13} {} {:>4} weights converted, {:>4} kept, {:9.2f} MiB -> {:9.2f} MiB\n", folder,
                 quant_spec_name(spec), s.converted, s.kept, double(s.bytes_in) / (1 << 20),
                 double(s.bytes_out) / (1 << 20));
    }
  });
}

}  // namespace zoomrt::cli
