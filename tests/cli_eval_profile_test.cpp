// `zoomrt eval --repeat N --profile FILE` (the peer harness times with them): N runs, each
// printed, the outputs those of a single run; the profile counts every node once, its conv2d /
// linear / attention classes matching the weight file's own tensors (4-D weights, 2-D weights,
// to_q weights), read here from the safetensors header independently of the graph builder.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_scratch.h"
#include "cli_util.h"

using nlohmann::json;

namespace {

const std::string kModel = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";

json safetensors_header(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  std::string h(n, '\0');
  f.read(h.data(), std::streamsize(n));
  return json::parse(h);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("eval --repeat runs N times and --profile counts each node by op class") {
  cli_test::TinyModelScratch scratch("eval_profile");
  const std::string prof = scratch.dir() + "/profile.json";
  CliResult r = run_cli("eval --model " + kModel + " --component unet --inputs " + kModel +
                        "/io/unet.safetensors --compare " + kModel + "/io/unet.safetensors --threads 2 --repeat 3" +
                        " --profile " + prof);
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (int i = 1; i <= 3; ++i) CHECK_THAT(r.err, Catch::Contains("unet: run " + std::to_string(i) + " of 3: "));
  // The last of three runs gives the diffusers reference output (fixture) as one run does.
  CHECK_THAT(r.out, Catch::Contains("cosine 1.0000000"));

  const json p = json::parse(read_text(prof));
  CHECK(p.at("run_seconds").size() == 3);
  CHECK(p.at("run_cpu_seconds").size() == 3);
  int conv = 0, linear = 0, attention = 0;
  double sum = 0;
  for (const auto& item : p.at("by_class").items()) {
    const std::string cls = item.key();
    const json& v = item.value();
    if (cls.rfind("conv2d/", 0) == 0) conv += v.at("nodes").get<int>();
    if (cls.rfind("linear/", 0) == 0) linear += v.at("nodes").get<int>();
    if (cls == "attention") attention += v.at("nodes").get<int>();
    CHECK(v.at("seconds").get<double>() >= 0);
    sum += v.at("seconds").get<double>();
  }
  CHECK(sum == Approx(p.at("node_seconds_total").get<double>()).epsilon(1e-6));

  int w4 = 0, w2 = 0, to_q = 0;
  const json header = safetensors_header(kModel + "/unet/diffusion_pytorch_model.safetensors");
  for (const auto& item : header.items()) {
    const std::string name = item.key();
    if (name == "__metadata__" || !ends_with(name, ".weight")) continue;
    const size_t rank = item.value().at("shape").size();
    w4 += rank == 4;
    w2 += rank == 2;
    to_q += ends_with(name, ".to_q.weight");
  }
  CHECK(w4 > 0);
  CHECK(conv == w4);
  CHECK(linear == w2);
  CHECK(attention == to_q);
}

TEST_CASE("eval --repeat out of range is one line and exit 2") {
  for (const char* n : {"0", "1001"}) {
    CliResult r = run_cli("eval --model " + kModel + " --component unet --inputs " + kModel +
                          "/io/unet.safetensors --compare " + kModel + "/io/unet.safetensors --repeat " + n);
    cli_test::expect_bad(r, {"--repeat"});
  }
}
