// Replays every committed fuzz input (tests/fuzz/corpus/<target>/ and
// tests/fuzz/regressions/<target>/) through the fuzz entry points of tests/fuzz/fuzz_targets.h
// in the normal build, so a parser change that brings back a fixed crash fails here, and under
// scripts/sanitize.sh the same inputs run with ASan/UBSan. An entry point may throw InputError
// (caught inside) and nothing else.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"

namespace fs = std::filesystem;

namespace {

using Target = int (*)(const uint8_t*, size_t);

const fs::path kFuzzDir = fs::path(ZOOMRT_FIXTURES_DIR).parent_path() / "fuzz";

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Every corpus and regression file of one target; returns how many corpus files there were.
size_t replay(const std::string& name, Target fn) {
  size_t corpus = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& file : inputs_in(kFuzzDir / kind / name)) {
      std::string bytes = read_bytes(file);
      INFO(file.string());
      CHECK_NOTHROW(fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
      corpus += std::string(kind) == "corpus";
    }
  }
  return corpus;
}

}  // namespace

#define ZOOMRT_X(name)                                                   \
  TEST_CASE("fuzz inputs replay without crashing: " #name, "[fuzz]") {   \
    /* A target without a seed corpus would be fuzzed from nothing. */  \
    CHECK(replay(#name, &zoomrt::fuzz::fuzz_##name) > 0);               \
  }
ZOOMRT_FUZZ_TARGETS(ZOOMRT_X)
#undef ZOOMRT_X

TEST_CASE("split_parts gives exactly n parts at NUL bytes", "[fuzz]") {
  using zoomrt::fuzz::split_parts;
  CHECK(split_parts(std::string("a\0b\0c", 5), 2) == std::vector<std::string>{"a", std::string("b\0c", 3)});
  CHECK(split_parts("abc", 3) == std::vector<std::string>{"abc", "", ""});
  CHECK(split_parts(std::string("a\0", 2), 2) == std::vector<std::string>{"a", ""});
}

// Fixed crashes whose bad behaviour was silent without sanitizers: the refusal itself is checked.
TEST_CASE("regression: a JPEG Huffman table of more than 256 codes is refused as corrupt", "[fuzz]") {
  const std::string path = (kFuzzDir / "regressions" / "image" / "dht_too_many_codes.jpg").string();
  CHECK_THROWS_WITH(zoomrt::load_image(path),
                    Catch::Equals(path + ": corrupt or unsupported JPEG (Bogus Huffman table definition)"));
}

TEST_CASE("regression: an NPU description with a number too large for a double is bad input", "[fuzz]") {
  CHECK_THROWS_AS(zoomrt::sim::parse_npu_json(R"({"name": 1e99999})", "x.json"), zoomrt::InputError);
  CHECK_THROWS_WITH(zoomrt::sim::parse_npu_json(R"({"name": 1e99999})", "x.json"), Catch::Contains("x.json"));
}
