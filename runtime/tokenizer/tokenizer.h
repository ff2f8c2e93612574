// ClipTokenizer: CLIP's byte-level BPE, token for token as transformers' CLIPTokenizer
// (5.x, the `tokenizers`-backed one diffusers' pipelines call) with
// padding="max_length", max_length=model_max_length, truncation=True.
//
// Steps, in the reference's order:
//  1. special tokens marked "normalized": false (SD2's pad "!") are cut out of the raw text;
//  2. each remaining segment: NFC, every run of white space -> one " ", per-character lower case;
//  3. special tokens marked "normalized": true (BOS/EOS in SD's files) are cut out of that;
//  4. the rest is split by `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|
//     [\p{N}]|[^\s\p{L}\p{N}]+` (white space dropped); each piece's UTF-8 bytes are mapped to
//     GPT-2's printable byte alphabet, "</w>" is appended to its last symbol, and BPE merges
//     apply lowest rank first (leftmost on ties); symbols missing from the vocabulary give unk;
//  5. ids are cut to model_max_length - 2, wrapped in BOS ... EOS and padded with the pad token.
//
// Files (a diffusers model's `tokenizer/` folder): vocab.json (token -> id), merges.txt
// ("#version" header, then "left right" per line, rank = line order), special_tokens_map.json
// (bos/eos/unk/pad: a string, or an object with "content" and "normalized") and
// tokenizer_config.json (model_max_length; its token entries stand in when the map is absent).
// A token named by several entries is "normalized" only if every entry says so (SD1.5 names
// EOS as an object and again as the plain-string pad, and transformers then matches it raw).
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zoomrt {

struct TokenizerFiles {
  std::filesystem::path vocab, merges, special_tokens_map, tokenizer_config;
  // The four files inside `dir` under their usual names.
  static TokenizerFiles in_dir(const std::filesystem::path& dir);
};

class ClipTokenizer {
 public:
  // InputError naming the file on a missing or malformed file, a merge whose tokens are not
  // in the vocabulary, or a special token that is not in the vocabulary.
  static ClipTokenizer load(const std::filesystem::path& dir);
  static ClipTokenizer load(const TokenizerFiles& files);
  ClipTokenizer(ClipTokenizer&&) noexcept;
  ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
  ~ClipTokenizer();

  // Exactly max_length() ids: BOS, up to max_length()-2 text tokens, EOS, pad ... pad.
  // `text` is UTF-8; malformed UTF-8 is an InputError naming "prompt".
  std::vector<int32_t> encode(std::string_view text) const;
  // The text tokens alone: no BOS/EOS, no truncation, no padding.
  std::vector<int32_t> tokenize(std::string_view text) const;

  int max_length() const;
  int32_t bos_id() const;
  int32_t eos_id() const;
  int32_t pad_id() const;
  size_t vocab_size() const;

 private:
  struct Impl;
  explicit ClipTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zoomrt
