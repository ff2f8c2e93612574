// zoomrt quantize end to end: the sd2_tiny fixture converted to every stored format, the result
// loaded by `zoomrt eval` straight from the file (codes packed as stored), and the UNet's noise
// prediction compared with the diffusers FP32 output in io/unet.safetensors by cosine similarity.
// Floors: f16/int8/int4 as tests/runtime_precision_test.cpp (the same formats, so the same
// budgets); palette and sparse24 are floors set just under the values measured on this tiny
// random UNet (printed by the test; see docs/kernels.md), so a regression fails.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cli_util.h"
#include "runtime/exec/executor.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"
#include "weights/safetensors.h"

using namespace zoomrt;
namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return ab / std::sqrt(aa * bb);
}

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& tag)
      : path("/tmp/zoomrt_cli_quantize_" + tag + "_" + std::to_string(::getpid())) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

struct Floor {
  const char* format;
  double floor;
};
// Cosine of the quantised UNet against diffusers' FP32 output.
// Measured (sd2_tiny, this CPU): f16 1.000000, bf16 0.999963, int8 0.998787, int4-g32/64/128 0.924368 / 0.916776
// / 0.920456 (int4 scales chosen for least squared error; the same values as the --dtype
// policy: the codes are the same), palette2..8 0.507 / 0.692 / 0.872 / 0.958 / 0.987 / 0.9966 /
// 0.99924, palette2..8-ch 0.540 / 0.775 / 0.948 / 0.9915 / 0.99872 / 0.999847 / 0.999992,
// sparse24 0.502 (half of every random layer pruned: these tiny random weights have no
// small-magnitude half to lose). The palette figures are not monotone in weight error alone:
// the k-means of weights/palette.h lowers every bit width's weight error against the earlier
// linear start (palette3 14.65 -> 14.73 dB, palette4 19.69 -> 20.18 dB over this UNet) yet its
// palette3 cosine fell from 0.741 to 0.692: on 16k-weight random layers the output error is
// that noisy.
constexpr Floor kFloors[] = {{"f16", 0.9999},      {"bf16", 0.9999},      {"int8", 0.9985},      {"int4-g32", 0.91},    {"int4-g64", 0.90},
                             {"int4-g128", 0.90},   {"palette2", 0.50},    {"palette3", 0.68},    {"palette4", 0.86},
                             {"palette5", 0.95},    {"palette6", 0.985},   {"palette7", 0.996},   {"palette8", 0.999},
                             {"palette2-ch", 0.53}, {"palette3-ch", 0.77}, {"palette4-ch", 0.94}, {"palette5-ch", 0.99},
                             {"palette6-ch", 0.998}, {"palette7-ch", 0.9998}, {"palette8-ch", 0.99999},
                             {"sparse24", 0.49}};

}  // namespace

TEST_CASE("quantize: every format loads in eval and stays within its cosine floor of FP32") {
  SafetensorsFile io = SafetensorsFile::open(kModel + "/io/unet.safetensors");
  const std::vector<float> reference = to_f32(io.at("noise_pred"));
  for (const Floor& f : kFloors) {
    SECTION(f.format) {
      TempDir dir(f.format);
      const std::string out = dir.path + "/model";
      CliResult q = run_cli("quantize --model " + kModel + " --to " + f.format + " --out " + out);
      INFO(q.err);
      REQUIRE(q.status == 0);
      REQUIRE(fs::exists(out + "/model_index.json"));
      REQUIRE(fs::exists(out + "/scheduler/scheduler_config.json"));
      SafetensorsFile unet = SafetensorsFile::open(out + "/unet/diffusion_pytorch_model.safetensors");
      REQUIRE(unet.metadata().at("zoomrt.quantize").find(std::string(f.format).substr(0, 4)) == 0);
      CliResult e = run_cli("eval --model " + out + " --component unet --inputs " + kModel +
                            "/io/unet.safetensors --output " + dir.path + "/pred.safetensors --threads 2");
      INFO(e.err);
      REQUIRE(e.status == 0);
      const double c = cosine(to_f32(SafetensorsFile::open(dir.path + "/pred.safetensors").at("noise_pred")), reference);
      WARN("sd2_tiny unet stored " << f.format << ": cosine vs diffusers fp32 " << c << " (floor " << f.floor << ")");
      CHECK(c >= f.floor);
    }
  }
}

TEST_CASE("quantize: int8 stores codes and scales the reader recognises") {
  TempDir dir("layout");
  const std::string out = dir.path + "/model";
  REQUIRE(run_cli("quantize --model " + kModel + " --to int8 --out " + out).status == 0);
  SafetensorsFile src = SafetensorsFile::open(kModel + "/unet/diffusion_pytorch_model.safetensors");
  SafetensorsFile dst = SafetensorsFile::open(out + "/unet/diffusion_pytorch_model.safetensors");
  const TensorView& w = dst.at("conv_in.weight");
  CHECK(w.dtype == DType::I8);
  CHECK(w.shape.size() == 2);
  CHECK(dst.at("conv_in.weight.scales").dtype == DType::F32);
  CHECK(dst.metadata().at("zoomrt.format.conv_in.weight") == "int8");
  // Norms and biases keep their dtype and bytes.
  const TensorView& b0 = src.at("conv_in.bias");
  const TensorView& b1 = dst.at("conv_in.bias");
  CHECK(b1.dtype == b0.dtype);
  REQUIRE(b1.nbytes == b0.nbytes);
  CHECK(std::equal(b0.data, b0.data + b0.nbytes, b1.data));
}

TEST_CASE("quantize: bad input exits 2 with one line") {
  TempDir dir("bad");
  CliResult r = run_cli("quantize --model " + kModel + " --to int3 --out " + dir.path);
  CHECK(r.status == 2);
  CHECK(r.err.find("int3") != std::string::npos);
  r = run_cli("quantize --model /nonexistent/model --to int8 --out " + dir.path);
  CHECK(r.status == 2);
  CHECK(r.err.find("/nonexistent/model") != std::string::npos);
  r = run_cli("quantize --model " + kModel + " --to int8 --out /dev/null/model");
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
}

TEST_CASE("inspect shows stored bytes per format and the bytes each format would take") {
  TempDir dir("inspect");
  const std::string out = dir.path + "/model";
  REQUIRE(run_cli("quantize --model " + kModel + " --to int4-g32 --out " + out).status == 0);
  CliResult r = run_cli("inspect --model " + out + " --size 64 --json");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  // Expected from the format definition over the source shapes: n * ceil(K/2) code bytes plus
  // one f32 scale per 32 k of a row, for every weight the file says it converted.
  size_t int4_bytes = 0, all_bytes = 0;
  for (const char* file : {"/unet/diffusion_pytorch_model.safetensors", "/vae/diffusion_pytorch_model.safetensors",
                           "/text_encoder/model.safetensors"}) {
    SafetensorsFile src = SafetensorsFile::open(kModel + file), dst = SafetensorsFile::open(out + file);
    for (const TensorView& t : dst.tensors()) all_bytes += t.nbytes;
    for (const auto& [key, value] : dst.metadata()) {
      if (key.rfind("zoomrt.format.", 0) != 0) continue;
      CHECK(value == "int4-g32");
      const TensorView& w = src.at(key.substr(14));
      const size_t n = size_t(w.shape[0]), k = size_t(w.numel()) / n;
      int4_bytes += n * ((k + 1) / 2) + 4 * n * ((k + 31) / 32);
    }
  }
  REQUIRE(int4_bytes > 0);
  CHECK(j["stored_bytes"]["format"]["int4-g32"].get<size_t>() == int4_bytes);
  size_t by_dtype = 0, by_format = 0;
  for (auto& [k, v] : j["stored_bytes"]["dtype"].items()) by_dtype += v.get<size_t>();
  for (auto& [k, v] : j["stored_bytes"]["format"].items()) by_format += v.get<size_t>();
  CHECK(by_dtype == all_bytes);
  CHECK(by_format == all_bytes);
  // Every weight in f32 is 4 bytes per parameter; compressed formats take fewer.
  const auto& c = j["components"];
  const int64_t params = c["text_encoder"]["params"].get<int64_t>() + c["unet"]["params"].get<int64_t>() +
                         j["vae_params"].get<int64_t>();
  const auto& per = j["bytes_per_format"];
  CHECK(per["f32"].get<int64_t>() == 4 * params);
  CHECK(per["f16"].get<int64_t>() < per["f32"].get<int64_t>());
  CHECK(per["int8"].get<int64_t>() < per["f16"].get<int64_t>());
  CHECK(per["int4-g64"].get<int64_t>() < per["int8"].get<int64_t>());
  CHECK(per["int4-g32"].get<int64_t>() > per["int4-g64"].get<int64_t>());  // more scales
  CHECK(per["palette2"].get<int64_t>() < per["palette8"].get<int64_t>());
}

TEST_CASE("zoom runs a quantised model directory (tokenizer and configs copied)") {
  TempDir dir("zoom");
  REQUIRE(run_cli("make-model --config tiny --seed 3 --out " + dir.path + "/f32").status == 0);
  CliResult q = run_cli("quantize --model " + dir.path + "/f32 --to int4-g64 --out " + dir.path + "/int4");
  INFO(q.err);
  REQUIRE(q.status == 0);
  CHECK(fs::exists(dir.path + "/int4/tokenizer/vocab.json"));
  CliResult z = run_cli("zoom --model " + dir.path + "/int4 --prompt 'a lighthouse' --width 64 --height 64 "
                        "--keyframes 2 --frames-between 1 --steps 2 --seed 1 --no-video --quiet --threads 2 --out " +
                        dir.path + "/zoom");
  INFO(z.err);
  REQUIRE(z.status == 0);
  size_t frames = 0;
  for (const auto& e : fs::directory_iterator(dir.path + "/zoom/frames")) frames += e.is_regular_file();
  CHECK(frames == 3);  // 1 + (2 - 1) * (1 + 1)
}

TEST_CASE("a stored int4 model runs W4A8 under --dtype int4a8 within the int4 floor") {
  TempDir dir("w4a8");
  const std::string out = dir.path + "/model";
  REQUIRE(run_cli("quantize --model " + kModel + " --to int4-g64 --out " + out).status == 0);
  CliResult e = run_cli("eval --model " + out + " --component unet --dtype int4a8 --inputs " + kModel +
                        "/io/unet.safetensors --output " + dir.path + "/pred.safetensors --threads 2");
  INFO(e.err);
  REQUIRE(e.status == 0);
  SafetensorsFile io = SafetensorsFile::open(kModel + "/io/unet.safetensors");
  const double c = cosine(to_f32(SafetensorsFile::open(dir.path + "/pred.safetensors").at("noise_pred")),
                          to_f32(io.at("noise_pred")));
  WARN("sd2_tiny unet stored int4-g64, run int4a8: cosine vs diffusers fp32 " << c);
  CHECK(c >= 0.90);
  CHECK(c < 0.999);  // the activations really were quantised (W4A16 alone gives 0.916776)
}

TEST_CASE("eval --compare prints cosine, max abs and relative RMS error against a reference file") {
  TempDir dir("compare");
  fs::create_directories(dir.path);
  const std::string pred = dir.path + "/pred.safetensors";
  CliResult e = run_cli("eval --model " + kModel + " --component unet --dtype int8-mix --inputs " + kModel +
                        "/io/unet.safetensors --output " + pred + " --compare " + kModel + "/io/unet.safetensors");
  INFO(e.err);
  REQUIRE(e.status == 0);
  // The same three figures computed here from the written output and the diffusers reference.
  SafetensorsFile io = SafetensorsFile::open(kModel + "/io/unet.safetensors");
  const std::vector<float> got = to_f32(SafetensorsFile::open(pred).at("noise_pred")), ref = to_f32(io.at("noise_pred"));
  double dd = 0, bb = 0, max_abs = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    dd += double(got[i] - ref[i]) * (got[i] - ref[i]), bb += double(ref[i]) * ref[i],
        max_abs = std::max(max_abs, double(std::abs(got[i] - ref[i])));
  double cos = 0, printed_max = 0, rel = 0;
  const size_t at = e.out.find("noise_pred: cosine ");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::sscanf(e.out.c_str() + at, "noise_pred: cosine %lf max_abs %lf rel_rms %lf", &cos, &printed_max, &rel) ==
          3);
  CHECK(cos == Approx(cosine(got, ref)).epsilon(1e-6));
  CHECK(printed_max == Approx(max_abs).epsilon(1e-3));
  CHECK(rel == Approx(std::sqrt(dd / bb)).epsilon(1e-3));
  CHECK(cos >= 0.999);  // int8-mix meets the int8 target on this model (0.999564)
  // A reference without any of the outputs is bad input naming the file.
  CliResult bad = run_cli("eval --model " + kModel + " --component unet --inputs " + kModel +
                          "/io/unet.safetensors --compare " + kModel + "/io/text_encoder.safetensors");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("text_encoder.safetensors") && Catch::Contains("none of the outputs"));
}

TEST_CASE("a stored palette or sparse24 model runs bit for bit like the same --dtype on the source model") {
  // Same quantiser, same codes, same packers: the file's weights and the policy's must be the
  // same panels (sparse24 keeps conv_in, K = 81, unconverted in the file and f32 under the policy).
  for (const char* format : {"palette4", "palette4-ch", "palette3-ch", "sparse24"}) {
    SECTION(format) {
      TempDir dir(std::string("same_") + format);
      const std::string out = dir.path + "/model";
      REQUIRE(run_cli("quantize --model " + kModel + " --to " + format + " --out " + out).status == 0);
      const std::string args = " --component unet --inputs " + kModel + "/io/unet.safetensors --threads 2 --output ";
      CliResult stored = run_cli("eval --model " + out + args + dir.path + "/stored.safetensors");
      CliResult policy = run_cli("eval --model " + kModel + " --dtype " + format + args + dir.path + "/policy.safetensors");
      INFO(stored.err << policy.err);
      REQUIRE(stored.status == 0);
      REQUIRE(policy.status == 0);
      const std::vector<float> a = to_f32(SafetensorsFile::open(dir.path + "/stored.safetensors").at("noise_pred"));
      const std::vector<float> b = to_f32(SafetensorsFile::open(dir.path + "/policy.safetensors").at("noise_pred"));
      REQUIRE(a.size() == b.size());
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      CHECK(cosine(a, to_f32(SafetensorsFile::open(kModel + "/io/unet.safetensors").at("noise_pred"))) < 0.9999);
    }
  }
}

TEST_CASE("a stored palette4 UNet is packed as codes: under 0.6 of the f16 UNet's packed bytes") {
  TempDir dir("packed");
  const std::string out = dir.path + "/model";
  REQUIRE(run_cli("quantize --model " + kModel + " --to palette4 --out " + out).status == 0);
  SafetensorsFile io = SafetensorsFile::open(kModel + "/io/unet.safetensors");
  std::map<std::string, Shape> shapes;
  for (const TensorView& t : io.tensors()) shapes[t.name] = Shape(t.shape.begin(), t.shape.end());
  const auto packed_bytes = [&](const std::string& model, const char* dtype) {
    DiffusersDir d = DiffusersDir::open(model);
    WeightSource ws = d.weights("unet");
    ThreadPool pool(1);
    Executor ex(build_component(load_model_configs(model), Component::unet, shapes),
                with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(), pool,
                ExecOptions{true, precision_from_name(dtype)});
    return ex.weight_bytes_packed();
  };
  const size_t palette = packed_bytes(out, "f32"), f16 = packed_bytes(kModel, "f16");
  WARN("sd2_tiny unet packed: stored palette4 " << palette << " B, f16 " << f16 << " B");
  CHECK(double(palette) < 0.6 * double(f16));
}

TEST_CASE("inspect counts the bytes of per-channel palette files") {
  TempDir dir("inspect_ch");
  const std::string out = dir.path + "/model";
  REQUIRE(run_cli("quantize --model " + kModel + " --to palette4-ch --out " + out).status == 0);
  CliResult r = run_cli("inspect --model " + out + " --size 64 --json");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  // From the format definition: 4-bit indices of every weight as one bit stream plus a
  // 16-float codebook per output channel.
  size_t want = 0;
  for (const char* file : {"/unet/diffusion_pytorch_model.safetensors", "/vae/diffusion_pytorch_model.safetensors",
                           "/text_encoder/model.safetensors"}) {
    SafetensorsFile src = SafetensorsFile::open(kModel + file), dst = SafetensorsFile::open(out + file);
    for (const auto& [key, value] : dst.metadata()) {
      if (key.rfind("zoomrt.format.", 0) != 0) continue;
      CHECK(value == "palette4-ch");
      const TensorView& w = src.at(key.substr(14));
      const size_t n = size_t(w.shape[0]);
      want += (size_t(w.numel()) * 4 + 7) / 8 + 4 * 16 * n;
    }
  }
  REQUIRE(want > 0);
  CHECK(j["stored_bytes"]["format"]["palette4-ch"].get<size_t>() == want);
  const auto& per = j["bytes_per_format"];
  CHECK(per["palette4-ch"].get<int64_t>() > per["palette4"].get<int64_t>());  // a codebook per channel
  CHECK(per["palette4-ch"].get<int64_t>() < per["f16"].get<int64_t>());  // (on this tiny model the 64 B per
                                                                        // channel cost more than int8's 4)
}
