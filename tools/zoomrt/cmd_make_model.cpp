// zoomrt make-model: a diffusers directory with the real repository's names, shapes and
// configs, filled with seeded random values.
#include <fmt/format.h>

#include "graph/model_zoo.h"
#include "runtime/model/make_model.h"
#include "tools/zoomrt/commands.h"
#include "base/error.h"

namespace zoomrt::cli {

void setup_make_model(CLI::App& sub) {
  struct Opts {
    std::string config, dtype = "f32", out;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  sub.add_option("--config", o->config, "sd2-inpainting | sd15-inpainting | tiny")->required();
  sub.add_option("--seed", o->seed, "random seed (default 0)");
  sub.add_option("--dtype", o->dtype, "f32 | f16 (default f32)");
  sub.add_option("--out", o->out, "output directory")->required();
  sub.callback([o] {
    if (!is_builtin_model(o->config))
      fail_input("--config: unknown model '{}' (expected sd2-inpainting, sd15-inpainting or tiny)", o->config);
    if (o->dtype != "f32" && o->dtype != "f16") fail_input("--dtype: '{}' is not f32 or f16", o->dtype);
    make_model(o->config, o->seed, o->dtype == "f16" ? DType::F16 : DType::F32, o->out);
    fmt::print("wrote {} ({}, {}, seed {})\n", o->out, o->config, o->dtype, o->seed);
  });
}

}  // namespace zoomrt::cli
