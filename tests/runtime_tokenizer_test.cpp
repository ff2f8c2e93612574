// ClipTokenizer against transformers' CLIPTokenizer: golden ids made by
// tools/reference/make_tokenizer_fixtures.py for the same prompts, on a trimmed tokenizer
// (always) and on the real CLIP vocabulary (when its fixture is present), each with SD2's
// pad token "!" and SD1.5's pad token EOS.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/tokenizer/tokenizer.h"
#include "runtime/tokenizer/tokenizer_unicode.h"
#include "base/error.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

const fs::path kDir = fs::path(ZOOMRT_FIXTURES_DIR) / "tokenizer";

const nlohmann::json& golden() {
  static const nlohmann::json j = [] {
    std::ifstream f(kDir / "golden.json");
    REQUIRE(f);
    return nlohmann::json::parse(f);
  }();
  return j;
}

void check_all_prompts(const ClipTokenizer& tok, const std::string& variant) {
  const auto& prompts = golden()["prompts"];
  const auto& ids = golden()["ids"][variant];
  REQUIRE(prompts.size() >= 50);
  REQUIRE(ids.size() == prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::string prompt = prompts[i].get<std::string>();
    INFO(variant << " prompt " << i << ": " << nlohmann::json(prompt).dump());
    CHECK(tok.encode(prompt) == ids[i].get<std::vector<int32_t>>());
  }
}

fs::path scratch_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("zoomrt_tok_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  for (const char* f : {"vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"})
    fs::copy_file(kDir / "small_sd2" / f, d / f);
  return d;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string load_error(const fs::path& dir) {
  try {
    ClipTokenizer::load(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("trimmed tokenizer, SD2 padding: ids equal transformers' on every prompt") {
  ClipTokenizer tok = ClipTokenizer::load(kDir / "small_sd2");
  CHECK(tok.max_length() == 77);
  CHECK(tok.pad_id() == 0);  // "!"
  check_all_prompts(tok, "small_sd2");
}

TEST_CASE("trimmed tokenizer, SD1.5 padding: ids equal transformers' on every prompt") {
  ClipTokenizer tok = ClipTokenizer::load(kDir / "small_sd15");
  CHECK(tok.pad_id() == tok.eos_id());
  check_all_prompts(tok, "small_sd15");
}

TEST_CASE("real CLIP vocabulary: ids equal transformers' on every prompt, both paddings") {
  if (!fs::exists(kDir / "clip_full" / "vocab.json")) {
    WARN("SKIPPED: tests/fixtures/tokenizer/clip_full/ is absent (run tools/reference/make_tokenizer_fixtures.py)");
    return;
  }
  ClipTokenizer sd2 = ClipTokenizer::load(kDir / "clip_full");
  CHECK(sd2.vocab_size() == 49408);
  CHECK(sd2.bos_id() == 49406);
  CHECK(sd2.eos_id() == 49407);
  CHECK(sd2.pad_id() == 0);
  check_all_prompts(sd2, "full_sd2");

  TokenizerFiles files = TokenizerFiles::in_dir(kDir / "clip_full_sd15");
  files.vocab = kDir / "clip_full" / "vocab.json";
  files.merges = kDir / "clip_full" / "merges.txt";
  ClipTokenizer sd15 = ClipTokenizer::load(files);
  CHECK(sd15.pad_id() == 49407);
  check_all_prompts(sd15, "full_sd15");
}

TEST_CASE("NFC and lower case follow the Unicode standard's worked cases") {
  using unicode::nfc;
  CHECK(nfc(U"e\u0301") == U"\u00e9");                  // e + combining acute -> é
  CHECK(nfc(U"\u212b") == U"\u00c5");                   // angstrom sign: singleton to Å
  CHECK(nfc(U"a\u0328\u0301") == U"\u0105\u0301");      // ogonek (202) composes first
  CHECK(nfc(U"a\u0301\u0328") == U"\u0105\u0301");      // reordered, then the same
  CHECK(nfc(U"\u1100\u1161\u11a8") == U"\uac01");       // Hangul L V T -> 각
  CHECK(nfc(U"\u0344") == U"\u0308\u0301");             // excluded from recomposition
  std::u32string low;
  unicode::append_lowercase(U'\u0130', low);            // İ -> i + combining dot above
  unicode::append_lowercase(U'\u03a3', low);            // Σ -> σ, no final-sigma rule
  unicode::append_lowercase(U'\uff21', low);            // fullwidth A -> fullwidth a
  CHECK(low == U"i\u0307\u03c3\uff41");
  CHECK(unicode::char_class(U'\u3000') == unicode::CharClass::space);
  CHECK(unicode::char_class(U'\u216b') == unicode::CharClass::number);  // Ⅻ is \p{Nl}
  CHECK(unicode::char_class(U'\u0301') == unicode::CharClass::other);   // marks are not \p{L}
}

TEST_CASE("tokenizer files: missing or corrupt input is an InputError naming the file") {
  fs::path d = scratch_dir("bad");
  fs::remove(d / "vocab.json");
  CHECK_THAT(load_error(d), Catch::Contains("vocab.json"));
  write(d / "vocab.json", "{\"a\": 0,");
  CHECK_THAT(load_error(d), Catch::Contains("vocab.json"));
  write(d / "vocab.json", "{\"a\": \"zero\"}");
  CHECK_THAT(load_error(d), Catch::Contains("vocab.json") && Catch::Contains("'a'"));
  fs::copy_file(kDir / "small_sd2" / "vocab.json", d / "vocab.json", fs::copy_options::overwrite_existing);
  fs::remove(d / "merges.txt");
  CHECK_THAT(load_error(d), Catch::Contains("merges.txt"));
  write(d / "merges.txt", "#version: 0.2\ni n\nt h e\n");
  CHECK_THAT(load_error(d), Catch::Contains("merges.txt: line 3"));
  write(d / "merges.txt", "#version: 0.2\nqqqq zzzz\n");
  CHECK_THAT(load_error(d), Catch::Contains("merges.txt: line 2") && Catch::Contains("not in vocab.json"));
  fs::copy_file(kDir / "small_sd2" / "merges.txt", d / "merges.txt", fs::copy_options::overwrite_existing);
  write(d / "special_tokens_map.json", "{\"pad_token\": \"no-such-token\"}");
  CHECK_THAT(load_error(d), Catch::Contains("special_tokens_map.json") && Catch::Contains("pad_token"));
  fs::remove_all(d);
}

TEST_CASE("prompt that is not UTF-8 is an InputError") {
  ClipTokenizer tok = ClipTokenizer::load(kDir / "small_sd2");
  CHECK_THROWS_AS(tok.encode("caf\xe9"), InputError);       // Latin-1 byte
  CHECK_THROWS_AS(tok.encode("\xed\xa0\x80"), InputError);  // a UTF-16 surrogate
  CHECK_THROWS_AS(tok.encode("\xc0\xaf"), InputError);      // overlong '/'
}
