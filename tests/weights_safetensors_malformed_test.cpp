// One test per way a safetensors header can be wrong. Each builds the bytes itself and checks
// that open() throws InputError whose single line names the file and the tensor or key.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>

#include "base/error.h"
#include "weights/safetensors.h"

using namespace zoomrt;
namespace fs = std::filesystem;

namespace {

std::string temp_file() {
  static int counter = 0;
  return (fs::temp_directory_path() / ("zoomrt_weights_bad_" + std::to_string(getpid()) + "_" +
                                       std::to_string(counter++) + ".safetensors"))
      .string();
}

// 8-byte length (the header's, unless overridden), header, then `data_bytes` zero bytes.
std::string file_bytes(const std::string& header, size_t data_bytes,
                       std::optional<uint64_t> length = std::nullopt) {
  uint64_t n = length.value_or(header.size());
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);  // the test machine is little-endian, like the format
  return out + header + std::string(data_bytes, '\0');
}

// Writes `bytes`, opens it, and returns the error message (empty if open succeeded).
std::string open_error(const std::string& bytes, std::string* path_out = nullptr) {
  const std::string path = temp_file();
  std::ofstream(path, std::ios::binary) << bytes;
  if (path_out) *path_out = path;
  std::string msg;
  try {
    SafetensorsFile::open(path);
  } catch (const InputError& e) {
    msg = e.what();
  }
  fs::remove(path);
  return msg;
}

void expect_error(const std::string& bytes, std::initializer_list<const char*> parts) {
  std::string path;
  const std::string msg = open_error(bytes, &path);
  INFO("message: " << msg);
  REQUIRE(!msg.empty());
  CHECK(msg.rfind(path + ": ", 0) == 0);  // starts with the file name
  CHECK(msg.find('\n') == std::string::npos);
  for (const char* p : parts) CHECK(msg.find(p) != std::string::npos);
}

// A header with one tensor entry `w` whose JSON body is given.
std::string one_entry(const std::string& body) { return R"({"w":)" + body + "}"; }

}  // namespace

TEST_CASE("bad: file shorter than 8 bytes") { expect_error("abc", {"shorter"}); }

TEST_CASE("bad: header length past the end of the file") {
  expect_error(file_bytes("{}", 0, 1000), {"header length 1000", "past the end"});
}

TEST_CASE("bad: absurd header length") {
  expect_error(file_bytes("{}", 0, 200'000'000), {"header length 200000000", "absurd"});
  expect_error(file_bytes("{}", 0, ~uint64_t(0)), {"absurd"});
}

TEST_CASE("bad: header is not valid JSON") {
  expect_error(file_bytes(R"({"w": {"dtype": )", 0), {"not valid JSON"});
}

TEST_CASE("bad: header is not an object") {
  expect_error(file_bytes("[1, 2]", 0), {"JSON object"});
}

TEST_CASE("bad: entry missing dtype") {
  expect_error(file_bytes(one_entry(R"({"shape":[1],"data_offsets":[0,4]})"), 4),
               {"tensor 'w'", "missing 'dtype'"});
}

TEST_CASE("bad: entry missing shape") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","data_offsets":[0,4]})"), 4),
               {"tensor 'w'", "missing 'shape'"});
}

TEST_CASE("bad: entry missing data_offsets") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[1]})"), 4),
               {"tensor 'w'", "missing 'data_offsets'"});
}

TEST_CASE("bad: entries of the wrong JSON type") {
  expect_error(file_bytes(one_entry("5"), 4), {"tensor 'w'", "object"});
  expect_error(file_bytes(one_entry(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})"), 4),
               {"tensor 'w'", "'dtype'"});
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})"), 4),
               {"tensor 'w'", "'shape'"});
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[1.0],"data_offsets":[0,4]})"), 4),
               {"tensor 'w'", "'shape'"});
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[1],"data_offsets":[4]})"), 4),
               {"tensor 'w'", "'data_offsets'"});
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[1],"data_offsets":["0",4]})"), 4),
               {"tensor 'w'", "'data_offsets'"});
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})"), 4),
               {"tensor 'w'", "'data_offsets'"});
}

TEST_CASE("bad: unknown dtype") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]})"), 1),
               {"tensor 'w'", "unknown dtype 'F8_E4M3'"});
}

TEST_CASE("bad: negative dimension") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[2,-1],"data_offsets":[0,0]})"), 0),
               {"tensor 'w'", "negative dimension -1"});
}

TEST_CASE("bad: element count overflow") {
  // 2^32 * 2^32 elements overflows 64 bits; nothing may be allocated from it.
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[4294967296,4294967296],)"
                                    R"("data_offsets":[0,0]})"),
                          0),
               {"tensor 'w'", "overflows"});
  // 2^62 elements fit, but 2^62 * 4 bytes do not.
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[4611686018427387904],)"
                                    R"("data_offsets":[0,0]})"),
                          0),
               {"tensor 'w'", "overflows"});
}

TEST_CASE("bad: byte size disagrees with the offsets") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})"), 8),
               {"tensor 'w'", "span 4 bytes", "needs 8"});
}

TEST_CASE("bad: begin after end") {
  expect_error(file_bytes(one_entry(R"({"dtype":"U8","shape":[0],"data_offsets":[8,4]})"), 8),
               {"tensor 'w'", "begin 8 > end 4"});
}

TEST_CASE("bad: range past the data section") {
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), 4),
               {"tensor 'w'", "past the data section (4 bytes)"});
  // An empty tensor must also lie inside the data section.
  expect_error(file_bytes(one_entry(R"({"dtype":"F32","shape":[0],"data_offsets":[9,9]})"), 4),
               {"tensor 'w'", "past the data section"});
}

TEST_CASE("bad: overlapping ranges") {
  expect_error(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          12),
               {"tensor 'b'", "overlap tensor 'a'"});
  // Overlap with an earlier tensor that is not the previous one.
  expect_error(file_bytes(R"({"big":{"dtype":"U8","shape":[16],"data_offsets":[0,16]},)"
                          R"("x":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                          16),
               {"tensor 'x'", "overlap tensor 'big'"});
}

TEST_CASE("bad: __metadata__ not a string-to-string object") {
  expect_error(file_bytes(R"({"__metadata__":["pt"]})", 0), {"__metadata__"});
  expect_error(file_bytes(R"({"__metadata__":{"format":"pt","step":5}})", 0),
               {"__metadata__", "'step'", "string"});
}

TEST_CASE("bad: a tensor listed twice") {
  expect_error(file_bytes(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                          R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                          2),
               {"tensor 'w'", "twice"});
}

TEST_CASE("bad: missing file and directory") {
  const std::string missing = temp_file();
  CHECK_THROWS_WITH(SafetensorsFile::open(missing), Catch::StartsWith(missing + ": cannot read weights file"));
  const std::string dir = fs::temp_directory_path().string();
  CHECK_THROWS_WITH(SafetensorsFile::open(dir), Catch::StartsWith(dir + ": cannot read weights file: a folder, not a regular file"));
}

TEST_CASE("legal: empty tensors, gaps, trailing bytes, no tensors at all") {
  CHECK(open_error(file_bytes(R"({"e":{"dtype":"F16","shape":[3,0],"data_offsets":[4,4]},)"
                              R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})",
                              64))
            .empty());
  CHECK(open_error(file_bytes("{}", 0)).empty());
  CHECK(open_error(file_bytes(R"({"__metadata__":{}}   )", 3)).empty());
}
