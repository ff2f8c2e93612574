// Parity with diffusers/transformers: every component of the tiny SD2-like and SD1.5-like
// fixture models, run by our executor on the inputs the reference script saved, must give the
// reference outputs within 1e-4 × max(1, max |reference|).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <catch2/catch.hpp>

#include "runtime/exec/executor.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"

using namespace zoomrt;

namespace {

constexpr double kParityBudget = 1e-4;  // relative to max(1, max |reference|)

struct Case {
  const char* model;
  const char* file;
  Component component;
  std::vector<const char*> outputs;
};

void check_case(const Case& c, bool fast_kernels) {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/" + c.model;
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/" + c.file + ".safetensors");
  std::map<std::string, Shape> shapes;
  for (const TensorView& t : io.tensors()) shapes[t.name] = Shape(t.shape.begin(), t.shape.end());
  ModelConfigs m = load_model_configs(dir);
  Graph g = build_component(m, c.component, shapes);
  std::map<std::string, HostTensor> inputs;
  for (TensorId t : g.inputs()) inputs[g.tensor(t).name] = HostTensor::from_view(io.at(g.tensor(t).name));
  DiffusersDir d = DiffusersDir::open(dir);
  WeightSource ws = d.weights(component_folder(c.component));
  ThreadPool pool(2);
  Executor ex(std::move(g), with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(),
              pool, ExecOptions{fast_kernels, Precision{}});
  auto out = ex.run(inputs);
  for (const char* name : c.outputs) {
    std::vector<float> ref = to_f32(io.at(name));
    const HostTensor& got = out.at(name);
    REQUIRE(got.f32.size() == ref.size());
    double max_ref = 0, max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      max_ref = std::max(max_ref, std::abs(double(ref[i])));
      max_err = std::max(max_err, std::abs(double(ref[i]) - double(got.f32[i])));
    }
    INFO(c.model << " " << c.file << " " << name << (fast_kernels ? " (fast kernels)" : " (reference kernels)")
                 << ": max abs error " << max_err << ", max |ref| " << max_ref);
    CHECK(max_err <= kParityBudget * std::max(1.0, max_ref));
    CHECK(max_ref > 0.1);  // the fixture exercises the path (not all zeros)
  }
}

const std::vector<Case>& cases(const char* model) {
  static std::map<std::string, std::vector<Case>> all;
  auto& v = all[model];
  if (v.empty())
    v = {{model, "text_encoder", Component::text_encoder, {"last_hidden_state"}},
         {model, "unet", Component::unet, {"noise_pred"}},
         {model, "unet_16", Component::unet, {"noise_pred"}},
         {model, "vae_encoder", Component::vae_encoder, {"mean", "logvar"}},
         {model, "vae_decoder", Component::vae_decoder, {"image"}}};
  return v;
}

}  // namespace

TEST_CASE("SD2-like tiny model matches diffusers component by component") {
  for (const Case& c : cases("sd2_tiny")) {
    SECTION(std::string(c.file) + " reference kernels") { check_case(c, false); }
    SECTION(std::string(c.file) + " fast kernels") { check_case(c, true); }
  }
}

TEST_CASE("SD1.5-like tiny model matches diffusers component by component") {
  for (const Case& c : cases("sd15_tiny")) {
    SECTION(std::string(c.file) + " reference kernels") { check_case(c, false); }
    SECTION(std::string(c.file) + " fast kernels") { check_case(c, true); }
  }
}
