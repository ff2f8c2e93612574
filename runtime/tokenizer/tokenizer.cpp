#include "runtime/tokenizer/tokenizer.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "runtime/tokenizer/tokenizer_unicode.h"
#include "base/error.h"
#include "base/input_file.h"
#include "base/json_config.h"

namespace zoomrt {
namespace {

using unicode::CharClass;
using unicode::char_class;

struct SpecialToken {
  std::u32string text;
  int32_t id;
  bool normalized;
};

// GPT-2's byte -> printable code point table: printable Latin-1 bytes map to themselves, the
// other 68 bytes to U+0100.. in byte order, so every byte string is a printable string.
std::array<char32_t, 256> byte_alphabet() {
  std::array<char32_t, 256> map{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    map[b] = printable ? char32_t(b) : next++;
  }
  return map;
}

std::string read_text(const std::filesystem::path& path) {
  return read_input_file(path.string(), kMaxConfigBytes, "tokenizer file");
}

std::unordered_map<std::string, int32_t> load_vocab(const std::filesystem::path& path) {
  JsonConfig cfg = JsonConfig::load(path.string());
  std::unordered_map<std::string, int32_t> vocab;
  for (const auto& [token, id] : cfg.json().items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      fail_input("{}: token '{}' must map to a non-negative integer id", path.string(), token);
    vocab.emplace(token, id.get<int32_t>());
  }
  if (vocab.empty()) fail_input("{}: empty vocabulary", path.string());
  return vocab;
}

// Position of the first occurrence, leftmost then longest, of any token in `specials` at or
// after `from`; npos if none. `which` gets the token.
size_t find_special(const std::u32string& s, size_t from, const std::vector<SpecialToken>& specials,
                    const SpecialToken** which) {
  for (size_t i = from; i < s.size(); ++i) {
    const SpecialToken* best = nullptr;
    for (const SpecialToken& t : specials)
      if (s.compare(i, t.text.size(), t.text) == 0 && (!best || t.text.size() > best->text.size())) best = &t;
    if (best) {
      *which = best;
      return i;
    }
  }
  return std::u32string::npos;
}

// NFC, white-space runs -> " ", lower case: tokenizers' normaliser sequence for CLIP.
std::u32string normalize(std::u32string_view text) {
  std::u32string composed = unicode::nfc(text), out;
  out.reserve(composed.size());
  for (size_t i = 0; i < composed.size(); ++i) {
    if (char_class(composed[i]) == CharClass::space) {
      while (i + 1 < composed.size() && char_class(composed[i + 1]) == CharClass::space) ++i;
      out += U' ';
    } else {
      unicode::append_lowercase(composed[i], out);
    }
  }
  return out;
}

// Length of the split pattern's match at s[i] (0 at white space, which the pattern drops).
size_t piece_length(std::u32string_view s, size_t i) {
  for (std::u32string_view lit : {U"<|startoftext|>", U"<|endoftext|>"})
    if (s.substr(i, lit.size()) == lit) return lit.size();
  for (std::u32string_view c : {U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"})
    if (s.substr(i, c.size()) == c) return c.size();
  CharClass k = char_class(s[i]);
  if (k == CharClass::space) return 0;
  if (k == CharClass::number) return 1;
  size_t j = i + 1;
  if (k == CharClass::letter) {
    while (j < s.size() && char_class(s[j]) == CharClass::letter) ++j;
  } else {
    while (j < s.size() && char_class(s[j]) == CharClass::other) ++j;
  }
  return j - i;
}

}  // namespace

struct ClipTokenizer::Impl {
  std::unordered_map<std::string, int32_t> vocab;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;  // (left, right) -> (rank, id)
  std::vector<SpecialToken> raw_specials, normalized_specials;
  std::array<int32_t, 256> byte_id{}, byte_end_id{};  // a byte's symbol alone / with "</w>"
  int32_t bos = 0, eos = 0, pad = 0, unk = 0;
  int max_length = 77;

  void load_merges(const std::filesystem::path& path);
  void load_specials(const TokenizerFiles& files);
  void bpe(std::u32string_view piece, std::vector<int32_t>& out) const;
  void encode_words(std::u32string_view normalized, std::vector<int32_t>& out) const;
};

void ClipTokenizer::Impl::load_merges(const std::filesystem::path& path) {
  std::istringstream in(read_text(path));
  std::string line;
  int line_no = 0;
  int32_t rank = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || line.find(' ', sp + 1) != std::string::npos)
      fail_input("{}: line {}: expected two tokens separated by one space", path.string(), line_no);
    std::string left = line.substr(0, sp), right = line.substr(sp + 1);
    auto l = vocab.find(left), r = vocab.find(right), m = vocab.find(left + right);
    if (l == vocab.end() || r == vocab.end() || m == vocab.end())
      fail_input("{}: line {}: merge '{}' uses or makes a token not in vocab.json", path.string(), line_no, line);
    merges.emplace((uint64_t(uint32_t(l->second)) << 32) | uint32_t(r->second), std::pair{rank++, m->second});
  }
  // No merges is a valid (byte-level) BPE: every character stays its own token.
}

void ClipTokenizer::Impl::bpe(std::u32string_view piece, std::vector<int32_t>& out) const {
  std::string bytes;
  for (char32_t c : piece) unicode::append_utf8(c, bytes);
  std::vector<int32_t> syms;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    int32_t id = i + 1 == bytes.size() ? byte_end_id[b] : byte_id[b];
    syms.push_back(id < 0 ? unk : id);
  }
  for (;;) {  // merge the lowest-ranked adjacent pair, leftmost first, until none applies
    size_t best = syms.size();
    std::pair<int32_t, int32_t> best_merge{INT32_MAX, 0};
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      auto it = merges.find((uint64_t(uint32_t(syms[i])) << 32) | uint32_t(syms[i + 1]));
      if (it != merges.end() && it->second.first < best_merge.first) best = i, best_merge = it->second;
    }
    if (best == syms.size()) break;
    syms[best] = best_merge.second;
    syms.erase(syms.begin() + best + 1);
  }
  out.insert(out.end(), syms.begin(), syms.end());
}

void ClipTokenizer::Impl::encode_words(std::u32string_view s, std::vector<int32_t>& out) const {
  for (size_t i = 0; i < s.size();) {
    size_t n = piece_length(s, i);
    if (n == 0) {
      ++i;
      continue;
    }
    std::u32string_view piece = s.substr(i, n);
    if (piece.front() == U'<' && n > 4 && piece.substr(0, 2) == U"<|") {
      // A special-token literal that was not cut out earlier: tokenizers' ByteLevel step
      // splits it again with GPT-2's pattern into "<|", the name, "|>".
      bpe(piece.substr(0, 2), out);
      bpe(piece.substr(2, n - 4), out);
      bpe(piece.substr(n - 2), out);
    } else {
      bpe(piece, out);
    }
    i += n;
  }
}

std::vector<int32_t> ClipTokenizer::tokenize(std::string_view text) const {
  const Impl& m = *impl_;
  std::u32string raw = unicode::decode_utf8(text, "prompt");
  std::vector<int32_t> ids;
  auto normalized_segment = [&](std::u32string_view seg) {
    std::u32string norm = normalize(seg);
    for (size_t pos = 0;;) {
      const SpecialToken* t = nullptr;
      size_t at = find_special(norm, pos, m.normalized_specials, &t);
      m.encode_words(std::u32string_view(norm).substr(pos, at - pos), ids);
      if (at == std::u32string::npos) break;
      ids.push_back(t->id);
      pos = at + t->text.size();
    }
  };
  for (size_t pos = 0;;) {
    const SpecialToken* t = nullptr;
    size_t at = find_special(raw, pos, m.raw_specials, &t);
    normalized_segment(std::u32string_view(raw).substr(pos, at - pos));
    if (at == std::u32string::npos) break;
    ids.push_back(t->id);
    pos = at + t->text.size();
  }
  return ids;
}

std::vector<int32_t> ClipTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> body = tokenize(text);
  size_t keep = std::min(body.size(), size_t(impl_->max_length - 2));
  std::vector<int32_t> ids;
  ids.reserve(impl_->max_length);
  ids.push_back(impl_->bos);
  ids.insert(ids.end(), body.begin(), body.begin() + keep);
  ids.push_back(impl_->eos);
  ids.resize(impl_->max_length, impl_->pad);
  return ids;
}

}  // namespace zoomrt

namespace zoomrt {

void ClipTokenizer::Impl::load_specials(const TokenizerFiles& files) {
  nlohmann::json src = nlohmann::json::object();
  std::string src_path = files.special_tokens_map.string();
  if (std::filesystem::exists(files.tokenizer_config)) {
    JsonConfig cfg = JsonConfig::load(files.tokenizer_config.string());
    max_length = int(cfg.get_int("model_max_length", 77));
    if (max_length < 2 || max_length > 4096)
      fail_input("{}: model_max_length {} out of range [2, 4096]", cfg.path(), max_length);
    if (!std::filesystem::exists(files.special_tokens_map)) src = cfg.json(), src_path = cfg.path();
  }
  if (std::filesystem::exists(files.special_tokens_map))
    src = JsonConfig::load(files.special_tokens_map.string()).json();

  struct Entry {
    int32_t* id;
    const char* key;
    const char* fallback;
  };
  // transformers' CLIPTokenizer defaults, for files that leave a token out.
  const Entry entries[] = {{&bos, "bos_token", "<|startoftext|>"},
                           {&eos, "eos_token", "<|endoftext|>"},
                           {&unk, "unk_token", "<|endoftext|>"},
                           {&pad, "pad_token", "<|endoftext|>"}};
  std::vector<std::pair<std::string, bool>> seen;  // content, normalized (all entries agree)
  for (const Entry& e : entries) {
    std::string content = e.fallback;
    bool normalized = false;
    if (src.contains(e.key) && !src[e.key].is_null()) {
      const nlohmann::json& v = src[e.key];
      if (v.is_string()) {
        content = v.get<std::string>();
      } else if (v.is_object() && v.contains("content") && v["content"].is_string()) {
        content = v["content"].get<std::string>();
        normalized = !v.contains("normalized") || v["normalized"] == true;
      } else {
        fail_input("{}: key '{}' must be a string or an object with a string \"content\"", src_path, e.key);
      }
    }
    auto it = vocab.find(content);
    if (it == vocab.end()) fail_input("{}: {} '{}' is not in vocab.json", src_path, e.key, content);
    *e.id = it->second;
    auto s = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == content; });
    if (s == seen.end()) seen.emplace_back(content, normalized);
    else s->second = s->second && normalized;
  }
  for (const auto& [content, normalized] : seen) {
    SpecialToken t{unicode::decode_utf8(content, src_path), vocab.at(content), normalized};
    (normalized ? normalized_specials : raw_specials).push_back(std::move(t));
  }
}

TokenizerFiles TokenizerFiles::in_dir(const std::filesystem::path& dir) {
  return {dir / "vocab.json", dir / "merges.txt", dir / "special_tokens_map.json", dir / "tokenizer_config.json"};
}

ClipTokenizer ClipTokenizer::load(const std::filesystem::path& dir) { return load(TokenizerFiles::in_dir(dir)); }

ClipTokenizer ClipTokenizer::load(const TokenizerFiles& files) {
  auto m = std::make_unique<Impl>();
  m->vocab = load_vocab(files.vocab);
  m->load_merges(files.merges);
  m->load_specials(files);
  std::array<char32_t, 256> alphabet = byte_alphabet();
  for (int b = 0; b < 256; ++b) {
    std::string sym;
    unicode::append_utf8(alphabet[b], sym);
    auto a = m->vocab.find(sym), e = m->vocab.find(sym + "</w>");
    m->byte_id[b] = a == m->vocab.end() ? -1 : a->second;
    m->byte_end_id[b] = e == m->vocab.end() ? -1 : e->second;
  }
  return ClipTokenizer(std::move(m));
}

ClipTokenizer::ClipTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

int ClipTokenizer::max_length() const { return impl_->max_length; }
int32_t ClipTokenizer::bos_id() const { return impl_->bos; }
int32_t ClipTokenizer::eos_id() const { return impl_->eos; }
int32_t ClipTokenizer::pad_id() const { return impl_->pad; }
size_t ClipTokenizer::vocab_size() const { return impl_->vocab.size(); }

}  // namespace zoomrt
