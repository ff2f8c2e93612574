// Canonical Huffman tables and the entropy-coded bit reader of the JPEG decoder.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/media/jpeg_internal.h"
#include "base/error.h"

namespace zoomrt::jpeg {

const std::array<uint8_t, 64> kZigzagToNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

void fail_corrupt(const std::string& path, const std::string& what) {
  fail_input("{}: corrupt JPEG ({})", path, what);
}

void fail_unsupported(const std::string& path, const std::string& what) {
  fail_input("{}: unsupported JPEG ({})", path, what);
}

void build_huffman_table(HuffmanTable& t, const uint8_t counts[16], const uint8_t* symbols,
                         const std::string& path, const char* name) {
  int total = 0;
  for (int i = 0; i < 16; ++i) total += counts[i];
  // The limit that Debian's stb_image did not check (tests/fuzz/regressions/image/).
  if (total > 256) fail_corrupt(path, fmt::format("a Huffman table declares {} codes, at most 256", total));
  t = HuffmanTable{};
  t.count = total;
  std::copy(symbols, symbols + total, t.values.begin());
  t.maxcode.fill(-1);
  // Canonical codes (T.81 C.2): consecutive values within a length, then one more bit.
  int32_t code = 0;
  int k = 0;
  for (int len = 1; len <= 16; ++len) {
    const int n = counts[len - 1];
    if (n > 0) t.valptr[size_t(len)] = k - code;
    for (int i = 0; i < n; ++i, ++code, ++k) {
      if (len > kFastBits) continue;
      const int shift = kFastBits - len;
      const uint16_t entry = uint16_t((len << 8) | t.values[size_t(k)]);
      for (int32_t j = code << shift; j < (code + 1) << shift && j < (1 << kFastBits); ++j)
        t.fast[size_t(j)] = entry;
    }
    if (n > 0) t.maxcode[size_t(len)] = code - 1;
    // As libjpeg: the codes must fit in `len` bits, and the all-ones code is not allowed.
    if (code >= (int32_t(1) << len))
      fail_corrupt(path, fmt::format("Huffman {} has too many codes of length {} or less", name, len));
    code <<= 1;
  }
  t.defined = true;
}

void BitReader::fill() {
  while (nbits_ <= 56) {
    uint32_t byte = 0;
    if (!stopped_ && pos_ < size_) {
      if (data_[pos_] != 0xFF) {
        byte = data_[pos_++];
      } else if (pos_ + 1 < size_ && data_[pos_ + 1] == 0x00) {
        byte = 0xFF;  // stuffed
        pos_ += 2;
      } else {
        stopped_ = true;  // a marker: the entropy-coded segment ends here
      }
    } else {
      stopped_ = true;
    }
    if (stopped_) padded_bits_ += 8;
    acc_ |= uint64_t(byte) << (56 - nbits_);
    nbits_ += 8;
  }
}

size_t BitReader::next_marker_pos() const {
  size_t p = pos_;
  while (p < size_) {
    if (data_[p] != 0xFF || p + 1 >= size_) {
      ++p;
    } else if (data_[p + 1] == 0x00) {
      p += 2;  // stuffed FF inside data we did not need
    } else if (data_[p + 1] == 0xFF) {
      ++p;  // fill byte before a marker
    } else {
      return p;
    }
  }
  return size_;
}

bool BitReader::restart(int index) {
  const size_t p = next_marker_pos();
  acc_ = 0;
  nbits_ = 0;
  padded_bits_ = 0;
  stopped_ = false;
  if (p + 1 < size_ && data_[p + 1] == 0xD0 + index) {
    pos_ = p + 2;
    return true;
  }
  pos_ = p;
  return false;
}

int decode_huffman(BitReader& br, const HuffmanTable& t, const std::string& path) {
  const uint32_t look = br.peek16();
  const uint16_t e = t.fast[look >> (16 - kFastBits)];
  if (e != 0) {
    br.consume(e >> 8);
    return e & 0xFF;
  }
  for (int len = kFastBits + 1; len <= 16; ++len) {
    const int32_t code = int32_t(look >> (16 - len));
    if (code <= t.maxcode[size_t(len)]) {
      const int32_t index = t.valptr[size_t(len)] + code;
      if (index < 0 || index >= t.count) break;  // cannot happen with canonical tables; checked anyway
      br.consume(len);
      return t.values[size_t(index)];
    }
  }
  fail_corrupt(path, "undefined Huffman code");
}

}  // namespace zoomrt::jpeg
