#include "runtime/tokenizer/tokenizer_unicode.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "base/error.h"

namespace zoomrt::unicode {
namespace {

struct ClassRange {
  char32_t lo, hi;
  int value;  // CharClass for kClassRanges, combining class for kCombiningRanges
};
struct LowerRun {  // cp -> cp + delta for cp = lo, lo + stride, ..., hi
  char32_t lo, hi;
  int delta, stride;
};
struct LowerMulti {
  char32_t cp, out[3];  // zero-terminated when shorter than 3
};
struct Decomposition {
  char32_t cp, first, second;  // second == 0: a singleton decomposition
  int composes;                // 1: a primary composite that NFC recomposes
};

#include "runtime/tokenizer/tokenizer_unicode_data.inc"

template <typename T, size_t N>
const T* find_range(const T (&table)[N], char32_t c) {
  auto it = std::upper_bound(std::begin(table), std::end(table), c,
                             [](char32_t v, const T& r) { return v < r.lo; });
  if (it == std::begin(table)) return nullptr;
  --it;
  return c <= it->hi ? &*it : nullptr;
}

int combining_class(char32_t c) {
  const ClassRange* r = find_range(kCombiningRanges, c);
  return r ? r->value : 0;
}

const Decomposition* find_decomposition(char32_t c) {
  auto it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), c,
                             [](const Decomposition& d, char32_t v) { return d.cp < v; });
  return it != std::end(kDecompositions) && it->cp == c ? &*it : nullptr;
}

// Hangul syllables decompose and compose algorithmically (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = 588, kSCount = 11172;

void decompose(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    char32_t i = c - kSBase;
    out += kLBase + i / kNCount;
    out += kVBase + (i % kNCount) / kTCount;
    if (i % kTCount) out += kTBase + i % kTCount;
    return;
  }
  if (const Decomposition* d = find_decomposition(c)) {
    decompose(d->first, out);
    if (d->second) decompose(d->second, out);
    return;
  }
  out += c;
}

const std::unordered_map<uint64_t, char32_t>& composition_map() {
  static const auto map = [] {
    std::unordered_map<uint64_t, char32_t> m;
    for (const Decomposition& d : kDecompositions)
      if (d.composes) m[(uint64_t(d.first) << 32) | d.second] = d.cp;
    return m;
  }();
  return map;
}

// The composite of starter a and c, or 0.
char32_t compose_pair(char32_t a, char32_t c) {
  if (a >= kLBase && a < kLBase + kLCount && c >= kVBase && c < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (c - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && c > kTBase &&
      c < kTBase + kTCount)
    return a + (c - kTBase);
  const auto& m = composition_map();
  auto it = m.find((uint64_t(a) << 32) | c);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

CharClass char_class(char32_t c) {
  const ClassRange* r = find_range(kClassRanges, c);
  return r ? CharClass(r->value) : CharClass::other;
}

void append_lowercase(char32_t c, std::u32string& out) {
  if (c < 0x80) {  // the common case, without a table search
    out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return;
  }
  for (const LowerMulti& m : kLowerMulti)
    if (m.cp == c) {
      for (char32_t x : m.out)
        if (x) out += x;
      return;
    }
  const LowerRun* r = find_range(kLowerRuns, c);
  if (r && (c - r->lo) % r->stride == 0) {
    out += char32_t(int64_t(c) + r->delta);
    return;
  }
  out += c;
}

std::u32string nfc(std::u32string_view s) {
  std::u32string d;
  d.reserve(s.size());
  for (char32_t c : s) decompose(c, d);
  // Canonical ordering: a stable sort of each run of non-starters by combining class.
  for (size_t i = 1; i < d.size(); ++i) {
    int k = combining_class(d[i]);
    for (size_t j = i; k != 0 && j > 0 && combining_class(d[j - 1]) > k; --j) std::swap(d[j - 1], d[j]);
  }
  // Composition: c joins the last starter unless a character in between blocks it (one with
  // class 0, or a class not below c's).
  std::u32string out;
  out.reserve(d.size());
  size_t starter = std::u32string::npos;
  int last_class = 0;
  for (char32_t c : d) {
    int k = combining_class(c);
    if (starter != std::u32string::npos && (out.size() - 1 == starter || last_class < k)) {
      if (char32_t composite = compose_pair(out[starter], c)) {
        out[starter] = composite;
        continue;
      }
    }
    if (k == 0) starter = out.size();
    last_class = k;
    out += c;
  }
  return out;
}

std::u32string decode_utf8(std::string_view s, std::string_view what) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + n >= s.size()) fail_input("{}: invalid UTF-8 at byte {}", what, i);
    char32_t c = n == 0 ? b : (b & (0x3F >> n));
    for (int k = 1; k <= n; ++k) {
      auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb >> 6) != 2) fail_input("{}: invalid UTF-8 at byte {}", what, i);
      c = (c << 6) | (cb & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (c < kMin[n] || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
      fail_input("{}: invalid UTF-8 at byte {}", what, i);
    out += c;
    i += n + 1;
  }
  return out;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

}  // namespace zoomrt::unicode
