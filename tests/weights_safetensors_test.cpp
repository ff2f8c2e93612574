// Reading files written by the Python safetensors library, and writing files it would write.
// Expected values come from tools/reference/make_safetensors_fixture.py (torch's own float32
// conversion of every tensor), never from our reader.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "base/error.h"
#include "weights/safetensors.h"

using namespace zoomrt;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kDir = std::string(ZOOMRT_FIXTURES_DIR) + "/weights/";

json reference_values() {
  std::ifstream in(kDir + "reference_values.json");
  REQUIRE(in);
  return json::parse(in);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

float expected_float(const json& v) {  // non-finite values are stored as "nan", "inf", "-inf"
  return v.is_string() ? std::strtof(v.get<std::string>().c_str(), nullptr) : v.get<float>();
}

bool same_float(float a, float b) {  // bit-exact, so -0.0 != 0.0, and NaN == NaN
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, 4) == 0;
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("zoomrt_weights_st_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Header JSON of a safetensors file, parsed (key order does not matter to a comparison).
json header_of(const std::string& bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return json::parse(bytes.substr(8, n));
}

}  // namespace

TEST_CASE("reads every dtype of a file written by the Python library") {
  const json ref = reference_values()["reference.safetensors"];
  SafetensorsFile f = SafetensorsFile::open(kDir + "reference.safetensors");

  CHECK(f.metadata() == ref["metadata"].get<std::map<std::string, std::string>>());
  std::vector<std::string> order;
  for (const TensorView& t : f.tensors()) order.push_back(t.name);
  CHECK(order == ref["order"].get<std::vector<std::string>>());  // data-offset order

  REQUIRE(f.tensors().size() == ref["tensors"].size());
  for (const auto& [name, e] : ref["tensors"].items()) {
    INFO("tensor " << name);
    const TensorView& t = f.at(name);
    CHECK(dtype_name(t.dtype) == e["dtype"].get<std::string>());
    CHECK(t.shape == e["shape"].get<std::vector<int64_t>>());
    const auto& values = e["values"];
    REQUIRE(t.numel() == int64_t(values.size()));
    CHECK(t.nbytes == values.size() * dtype_bytes(t.dtype));
    std::vector<float> got = to_f32(t);
    for (size_t i = 0; i < values.size(); ++i) {
      INFO("element " << i << " expected " << values[i].dump() << " got " << got[i]);
      CHECK(same_float(got[i], expected_float(values[i])));
    }
  }
  CHECK(f.find("no.such.tensor") == nullptr);
}

TEST_CASE("at() names the file and the missing tensor") {
  SafetensorsFile f = SafetensorsFile::open(kDir + "reference.safetensors");
  try {
    f.at("unet.missing");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == kDir + "reference.safetensors: missing tensor 'unet.missing'");
  }
}

TEST_CASE("views stay valid when the file object moves") {
  SafetensorsFile a = SafetensorsFile::open(kDir + "reference.safetensors");
  const TensorView* before = a.find("scalar");
  SafetensorsFile b = std::move(a);
  CHECK(b.find("scalar") == before);
  CHECK(to_f32(*before)[0] == 42.25f);
}

TEST_CASE("writer reproduces the Python library's bytes for an f32 file") {
  const json ref = reference_values()["reference_f32.safetensors"];
  std::vector<std::vector<float>> data;
  std::vector<TensorToWrite> tensors;
  for (const auto& name : ref["order"]) {
    const json& e = ref["tensors"][name.get<std::string>()];
    data.push_back(e["values"].get<std::vector<float>>());
    tensors.push_back(
        {name, DType::F32, e["shape"].get<std::vector<int64_t>>(),
         [v = data.back()](uint8_t* dst) { std::memcpy(dst, v.data(), v.size() * 4); }});
  }
  TempDir tmp;
  const std::string out = tmp.file("ours.safetensors");
  write_safetensors(out, tensors, ref["metadata"].get<std::map<std::string, std::string>>());
  const std::string ours = read_bytes(out), theirs = read_bytes(kDir + "reference_f32.safetensors");
  CHECK(ours.size() == theirs.size());
  CHECK(ours == theirs);
  CHECK(!fs::exists(out + ".tmp." + std::to_string(getpid())));
}

TEST_CASE("writer round-trips every dtype: same header and data as the Python file") {
  const std::string src_path = kDir + "reference.safetensors";
  SafetensorsFile src = SafetensorsFile::open(src_path);
  std::vector<TensorToWrite> tensors;
  for (const TensorView& t : src.tensors())
    tensors.push_back(
        {t.name, t.dtype, t.shape, [&t](uint8_t* dst) { std::memcpy(dst, t.data, t.nbytes); }});
  TempDir tmp;
  const std::string out = tmp.file("copy.safetensors");
  write_safetensors(out, tensors, src.metadata());

  // The Python file's metadata keys come in hash order, so compare parsed headers and the data
  // sections rather than whole files.
  const std::string ours = read_bytes(out), theirs = read_bytes(src_path);
  CHECK(header_of(ours) == header_of(theirs));
  uint64_t n_ours = 0, n_theirs = 0;
  std::memcpy(&n_ours, ours.data(), 8);
  std::memcpy(&n_theirs, theirs.data(), 8);
  CHECK(n_ours % 8 == 0);
  CHECK(ours.substr(8 + n_ours) == theirs.substr(8 + n_theirs));
  CHECK(n_ours == n_theirs);  // same JSON length: same compact encoding, same padding
}

TEST_CASE("writer pads the header with spaces and writes metadata first") {
  TempDir tmp;
  const std::string out = tmp.file("small.safetensors");
  const uint16_t halves[3] = {0x3c00, 0xc000, 0x3800};  // 1.0, -2.0, 0.5
  write_safetensors(out,
                    {{"w", DType::F16, {3}, [&](uint8_t* dst) { std::memcpy(dst, halves, 6); }},
                     {"none", DType::F32, {0, 4}, [](uint8_t*) { FAIL("fill of empty tensor"); }}},
                    {{"k", "v"}});
  const std::string bytes = read_bytes(out);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  const std::string expect =
      R"({"__metadata__":{"k":"v"},"w":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
      R"("none":{"dtype":"F32","shape":[0,4],"data_offsets":[6,6]}})";
  REQUIRE(n == (expect.size() + 7) / 8 * 8);
  CHECK(bytes.substr(8, expect.size()) == expect);
  CHECK(bytes.substr(8 + expect.size(), n - expect.size()) == std::string(n - expect.size(), ' '));
  CHECK(bytes.size() == 8 + n + 6);

  SafetensorsFile f = SafetensorsFile::open(out);
  CHECK(to_f32(f.at("w")) == std::vector<float>{1.0f, -2.0f, 0.5f});
  CHECK(f.at("none").numel() == 0);
}

TEST_CASE("writer leaves nothing behind when a fill throws") {
  TempDir tmp;
  const std::string out = tmp.file("broken.safetensors");
  auto boom = [](uint8_t*) { throw std::runtime_error("boom"); };
  CHECK_THROWS_AS(write_safetensors(out, {{"a", DType::F32, {2}, boom}}), std::runtime_error);
  CHECK(fs::is_empty(tmp.path));
}

TEST_CASE("writer refuses duplicate names and negative dims, naming the tensor") {
  TempDir tmp;
  const std::string out = tmp.file("bad.safetensors");
  auto fill = [](uint8_t*) {};
  CHECK_THROWS_WITH(
      write_safetensors(out, {{"a", DType::F32, {1}, fill}, {"a", DType::F32, {1}, fill}}),
      Catch::Contains(out) && Catch::Contains("'a'"));
  CHECK_THROWS_WITH(
      write_safetensors(out, {{"neg", DType::F32, {2, -1}, fill}}),
      Catch::Contains(out) && Catch::Contains("'neg'") && Catch::Contains("negative"));
  CHECK_THROWS_AS(write_safetensors(tmp.file("no/such/dir.safetensors"), {}), InputError);
  CHECK(fs::is_empty(tmp.path));
}

TEST_CASE("copy_to_f32 reads unaligned data") {
  // An F32 tensor placed at data offset 1 (legal: the format does not require alignment).
  TempDir tmp;
  const std::string path = tmp.file("unaligned.safetensors");
  std::string header = R"({"pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("x":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  const float xs[2] = {1.25f, -7.5f};
  bytes += header;
  bytes += '\x05';
  bytes.append(reinterpret_cast<const char*>(xs), 8);
  std::ofstream(path, std::ios::binary) << bytes;
  SafetensorsFile f = SafetensorsFile::open(path);
  CHECK(to_f32(f.at("x")) == std::vector<float>{1.25f, -7.5f});
  CHECK(to_f32(f.at("pad")) == std::vector<float>{5.0f});
}
