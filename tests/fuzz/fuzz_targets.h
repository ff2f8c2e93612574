// Fuzz entry points: one function per parser zoomrt exposes to untrusted files, each taking raw
// bytes. Shared by the libFuzzer harnesses (tests/fuzz/fuzz_main.cpp, one binary per target)
// and by tests/fuzz_regressions_test.cpp, which replays every committed corpus and regression
// file through the same functions in the normal (non-libFuzzer) build.
//
// Contract of every target: bad input may throw zoomrt::InputError (the CLI's exit status 2) and
// nothing else. Any other exception, a crash, a sanitizer report, a hang or an unbounded
// allocation is a bug. The X-macro list below drives the fuzz binaries, scripts/fuzz.sh
// (through `--list`) and the regression test: X(name) with the corpus in tests/fuzz/corpus/<name>/
// and crash inputs in tests/fuzz/regressions/<name>/.
//
// File-based loaders get their bytes through a per-process scratch folder (see scratch_dir()).
#pragma once
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "graph/model_config.h"
#include "runtime/media/image_io.h"
#include "runtime/zoom/prompt_schedule.h"
#include "runtime/diffusion/rng.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "runtime/tokenizer/tokenizer.h"
#include "runtime/zoom/zoom.h"
#include "scheduler/topology.h"
#include "sim/npu_config.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "base/json_config.h"
#include "weights/safetensors.h"

#define ZOOMRT_FUZZ_TARGETS(X) \
  X(safetensors)               \
  X(safetensors_index)         \
  X(model_index)               \
  X(model_config)              \
  X(scheduler_config)          \
  X(tokenizer_files)           \
  X(prompt_text)               \
  X(npu_json)                  \
  X(scalesim_cfg)              \
  X(topology_csv)              \
  X(image)                     \
  X(prompt_schedule)           \
  X(scheduler_steps)           \
  X(zoom_options)

namespace zoomrt::fuzz {

// Pixel cap for the image target: keeps a forged 60000x60000 header from making the fuzzer
// spend its time decoding, while still exercising the refusal path.
inline constexpr int64_t kFuzzMaxImagePixels = 1 << 20;

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A folder private to this process (fuzzers may run several processes at once).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("zoomrt_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, std::string_view bytes) {
  auto path = scratch_dir() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path.string();
}

// Splits `text` at NUL bytes into exactly n parts (missing parts are empty; the last part keeps
// any further NULs). Multi-file targets take their files this way.
inline std::vector<std::string> split_parts(const std::string& text, size_t n) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (parts.size() + 1 < n) {
    size_t nul = text.find('\0', pos);
    if (nul == std::string::npos) break;
    parts.push_back(text.substr(pos, nul - pos));
    pos = nul + 1;
  }
  parts.push_back(pos <= text.size() ? text.substr(pos) : "");
  parts.resize(n);
  return parts;
}

// Runs `fn`, swallowing the InputError that bad input is allowed to produce.
template <class Fn>
int expect_input_error_only(Fn&& fn) {
  try {
    fn();
  } catch (const InputError&) {
  }
  return 0;
}

// The header and tensor table, then every tensor converted (which reads every data byte).
inline int fuzz_safetensors(const uint8_t* data, size_t size) {
  auto path = write_scratch("t.safetensors", {reinterpret_cast<const char*>(data), size});
  return expect_input_error_only([&] {
    auto f = SafetensorsFile::open(path);
    for (const auto& t : f.tensors()) (void)to_f32(t);
    for (const auto& t : f.tensors()) (void)f.at(t.name);
  });
}

// A sharded index next to one valid shard "a.safetensors" holding tensors "x" and "y".
inline int fuzz_safetensors_index(const uint8_t* data, size_t size) {
  static const bool shard_written = [] {
    std::filesystem::create_directories(scratch_dir() / "idx");
    auto fill = [](uint8_t* dst) { std::fill(dst, dst + 8, uint8_t(0)); };
    write_safetensors((scratch_dir() / "idx" / "a.safetensors").string(),
                      {{"x", DType::F32, {2}, fill}, {"y", DType::F16, {2, 2}, fill}});
    return true;
  }();
  (void)shard_written;
  auto path = write_scratch("idx/m.safetensors.index.json", as_string(data, size));
  return expect_input_error_only([&] {
    auto src = WeightSource::open_index(path);
    for (const auto& name : src.names()) (void)to_f32(src.at(name));
  });
}

// model_index.json in an otherwise empty model folder: every listed component's config and
// weights are then missing, which must be reported, not crash.
inline int fuzz_model_index(const uint8_t* data, size_t size) {
  write_scratch("model/model_index.json", as_string(data, size));
  return expect_input_error_only([&] {
    auto dir = DiffusersDir::open((scratch_dir() / "model").string());
    for (const auto& c : dir.components()) {
      expect_input_error_only([&] { (void)dir.component_config(c); });
      expect_input_error_only([&] { (void)dir.weights(c); });
    }
  });
}

// One config.json read as each of the three model configs.
inline int fuzz_model_config(const uint8_t* data, size_t size) {
  auto path = write_scratch("config.json", as_string(data, size));
  return expect_input_error_only([&] {
    auto cfg = JsonConfig::load(path);
    expect_input_error_only([&] { (void)UNetConfig::from(cfg); });
    expect_input_error_only([&] { (void)VaeConfig::from(cfg); });
    expect_input_error_only([&] { (void)ClipTextConfig::from(cfg); });
  });
}

// scheduler_config.json, then every scheduler built from it and set to a few step counts.
inline int fuzz_scheduler_config(const uint8_t* data, size_t size) {
  auto path = write_scratch("scheduler_config.json", as_string(data, size));
  return expect_input_error_only([&] {
    auto cfg = SchedulerConfig::from_json(JsonConfig::load(path));
    cfg.validate(path);
    for (const auto& info : scheduler_list()) {
      expect_input_error_only([&] {
        auto s = make_scheduler(info.name, cfg);
        for (int steps : {1, 7, 50}) expect_input_error_only([&] { s->set_timesteps(steps, 0.6); });
      });
    }
  });
}

// vocab.json NUL merges.txt NUL special_tokens_map.json NUL tokenizer_config.json NUL prompt.
inline int fuzz_tokenizer_files(const uint8_t* data, size_t size) {
  auto parts = split_parts(as_string(data, size), 5);
  TokenizerFiles files;
  files.vocab = write_scratch("tok/vocab.json", parts[0]);
  files.merges = write_scratch("tok/merges.txt", parts[1]);
  files.special_tokens_map = write_scratch("tok/special_tokens_map.json", parts[2]);
  files.tokenizer_config = write_scratch("tok/tokenizer_config.json", parts[3]);
  return expect_input_error_only([&] {
    auto tok = ClipTokenizer::load(files);
    (void)tok.encode(parts[4]);
  });
}

// Arbitrary bytes as a prompt, through the real SD tokenizer (tests/fixtures/tokenizer/clip_full).
inline int fuzz_prompt_text(const uint8_t* data, size_t size) {
  static const ClipTokenizer tok =
      ClipTokenizer::load(std::filesystem::path(ZOOMRT_FIXTURES_DIR) / "tokenizer" / "clip_full");
  return expect_input_error_only([&] {
    auto ids = tok.encode(std::string_view(reinterpret_cast<const char*>(data), size));
    if (ids.size() != size_t(tok.max_length())) throw std::logic_error("encode: wrong length");
  });
}

inline int fuzz_npu_json(const uint8_t* data, size_t size) {
  return expect_input_error_only([&] {
    auto c = sim::parse_npu_json(as_string(data, size), "fuzz.json");
    sim::validate_npu(c, "fuzz.json");
  });
}

inline int fuzz_scalesim_cfg(const uint8_t* data, size_t size) {
  return expect_input_error_only([&] {
    auto c = sim::parse_scalesim_cfg(as_string(data, size), "fuzz.cfg");
    sim::validate_npu(c, "fuzz.cfg");
  });
}

inline int fuzz_topology_csv(const uint8_t* data, size_t size) {
  return expect_input_error_only([&] { (void)sched::parse_topology_csv(as_string(data, size), "fuzz.csv"); });
}

// PNG (libpng) or JPEG (libjpeg-turbo), chosen by signature (runtime/media/decoders.h), capped at
// kFuzzMaxImagePixels. The seeds (tests/fuzz/corpus/image/jpeg_*, png_*) are the decoders' test
// fixtures: baseline, progressive, restarts, every sampling, grey, RGB, CMYK JPEG; 16-bit, low-bit
// grey, palette, alpha and interlaced PNG.
inline int fuzz_image(const uint8_t* data, size_t size) {
  auto path = write_scratch("image.png", as_string(data, size));
  return expect_input_error_only([&] {
    Image img = load_image(path, kFuzzMaxImagePixels);
    if (img.rgb.size() != size_t(3) * size_t(img.width) * size_t(img.height))
      throw std::logic_error("load_image: pixel count does not match the size");
  });
}

// A --prompt-file, and the whole input as one --prompt-at item.
inline int fuzz_prompt_schedule(const uint8_t* data, size_t size) {
  auto text = as_string(data, size);
  auto path = write_scratch("prompts.txt", text);
  expect_input_error_only([&] {
    auto s = load_prompt_schedule_file(path, make_prompt_schedule("base", {}));
    for (int k = 0; k < 4; ++k) (void)s.prompt_for(k);
  });
  return expect_input_error_only([&] { (void)make_prompt_schedule("", {text}); });
}

// scheduler_config.json x step counts (issue 16): the first line is "<steps> <strength>", the
// rest the config. Every scheduler runs its whole denoising loop on a 4-value latent, so every
// index a config and a step count produce is exercised (under ASan: every table read). Steps
// above 1000 are what the CLI refuses (--steps 1..1000); they are skipped to bound the work.
inline int fuzz_scheduler_steps(const uint8_t* data, size_t size) {
  const std::string text = as_string(data, size);
  const size_t nl = text.find('\n');
  int steps = 0;
  double strength = 1.0;
  std::istringstream(text.substr(0, nl)) >> steps >> strength;
  if (steps > 1000) return 0;
  auto path = write_scratch("steps/scheduler_config.json", nl == std::string::npos ? "" : text.substr(nl + 1));
  return expect_input_error_only([&] {
    const SchedulerConfig cfg = SchedulerConfig::from_json(JsonConfig::load(path));
    for (const auto& info : scheduler_list())
      expect_input_error_only([&] {
        auto s = make_scheduler(info.name, cfg);
        s->set_timesteps(steps, strength);
        std::vector<float> latents(4, 0.5f), model(4, 0.1f), scaled(4), noisy(4);
        s->add_noise(latents, model, noisy);
        (void)s->init_noise_sigma();
        Rng rng(7);
        for (size_t i = 0; i < s->timesteps().size(); ++i) {
          scaled = latents;
          s->scale_model_input(scaled, int(i));
          s->step(model, int(i), latents, rng);
        }
      });
  });
}

// The zoom command's options (issue 16): "width height keyframes frames_between zoom border
// feather fps steps guidance" as text, then NUL, then one --prompt-at item. Every combination
// goes through the checks `zoomrt zoom` runs before any work (validate_zoom_options, with an
// --out in the scratch folder); an accepted one also builds the frame plan, whose size those
// checks bound (at most 999999 frames; plans above 100000 frames are skipped for speed).
inline int fuzz_zoom_options(const uint8_t* data, size_t size) {
  const auto parts = split_parts(as_string(data, size), 2);
  ZoomOptions o;
  std::istringstream in(parts[0]);
  in >> o.width >> o.height >> o.keyframes >> o.frames_between >> o.zoom_factor >> o.border_px >> o.feather_px >>
      o.fps >> o.model.steps >> o.model.guidance;
  o.out_dir = (scratch_dir() / "zoom_out").string();
  o.video = false;
  return expect_input_error_only([&] {
    o.prompts = make_prompt_schedule("a base prompt", {parts[1]});
    const ZoomGeometry g = validate_zoom_options(o).geometry;
    if (int64_t(o.keyframes) * (g.frames_between + 1) <= 100000) (void)zoom_frame_work(o, g);
  });
}

}  // namespace zoomrt::fuzz
