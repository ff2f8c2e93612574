// The Unicode pieces of CLIP's text normalisation, as Hugging Face `tokenizers` (the engine
// behind transformers' CLIPTokenizer) runs them: NFC, character classes for the split regex,
// per-character lower case. Data tables are generated from that library by
// tools/reference/make_tokenizer_fixtures.py (runtime/tokenizer/tokenizer_unicode_data.inc), so the
// Unicode version is the reference's, not whatever the host's C library has.
// Text is UTF-32 (std::u32string); UTF-8 conversion helpers are here too.
#pragma once
#include <string>
#include <string_view>

namespace zoomrt::unicode {

// How the split pattern `'s|'t|...|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` and the `\s+` normaliser
// see a code point (Oniguruma's \p{L}, \p{N}, \s).
enum class CharClass : unsigned char { other = 0, letter = 1, number = 2, space = 3 };
CharClass char_class(char32_t c);

// Appends Rust's char::to_lowercase(c): usually one code point, a few map to two (U+0130).
// No context rules (final sigma is not special), exactly like tokenizers' Lowercase.
void append_lowercase(char32_t c, std::u32string& out);

// Canonical composition (NFC): canonical decomposition, canonical ordering, composition.
std::u32string nfc(std::u32string_view s);

// UTF-8 <-> UTF-32. decode_utf8 throws InputError naming `what` on malformed input
// (overlong forms, surrogates, truncated sequences, values above U+10FFFF).
std::u32string decode_utf8(std::string_view s, std::string_view what);
void append_utf8(char32_t c, std::string& out);

}  // namespace zoomrt::unicode
