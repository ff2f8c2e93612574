// Internals of the JPEG decoder (runtime/media/jpeg_decoder.h), shared by its files:
//   jpeg_decoder.cpp  markers and segments (SOF, DHT, DQT, DRI, SOS, APP14), the main loop
//   jpeg_huffman.cpp  canonical Huffman tables and the entropy-coded bit reader
//   jpeg_scan.cpp     one scan: MCU walk, restart markers, baseline and progressive block coding
//   jpeg_pixels.cpp   dequantisation + IDCT, chroma upsampling, colour conversion
// Coefficients are kept for the whole image (int16, natural row-major order inside a block), so
// baseline and progressive files share the pixel stage.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zoomrt::jpeg {

inline constexpr int kMaxComponents = 3;
inline constexpr int kFastBits = 9;  // Huffman codes up to this length decode with one lookup

// Position k in zig-zag (transmission) order -> index in the row-major 8x8 block.
extern const std::array<uint8_t, 64> kZigzagToNatural;

// Failures: "<path>: corrupt JPEG (<what>)" / "<path>: unsupported JPEG (<what>)" as InputError.
[[noreturn]] void fail_corrupt(const std::string& path, const std::string& what);
[[noreturn]] void fail_unsupported(const std::string& path, const std::string& what);

// A Huffman table from a DHT segment, checked and expanded (T.81 Annex C and F.2.2.3).
struct HuffmanTable {
  bool defined = false;
  int count = 0;                                // number of codes, <= 256
  std::array<uint8_t, 256> values{};            // symbols in code order
  std::array<uint16_t, 1 << kFastBits> fast{};  // next kFastBits bits -> (length << 8) | symbol; 0: longer code
  std::array<int32_t, 17> maxcode{};            // [length]: largest code of that length, -1 if none
  std::array<int32_t, 17> valptr{};             // [length]: index in values of code 0 of that length
};

// Builds `t` from the 16 code counts and the symbols. InputError (corrupt) when there are more
// than 256 codes or the counts do not fit their lengths (as libjpeg, an all-ones code is refused).
void build_huffman_table(HuffmanTable& t, const uint8_t counts[16], const uint8_t* symbols,
                         const std::string& path, const char* name);

// Reads entropy-coded bits (MSB first) from data[pos..), undoing FF 00 stuffing. It never reads
// past a marker or the end: beyond them it supplies zero bits and remembers that it did, so
// overran() tells whether the decoder consumed bits the file does not have.
class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size, size_t pos) : data_(data), size_(size), pos_(pos) {}
  uint32_t peek16() {  // the next 16 bits
    if (nbits_ < 16) fill();
    return uint32_t(acc_ >> 48);
  }
  void consume(int n) {  // n <= 16, after peek16()
    acc_ <<= n;
    nbits_ -= n;
    if (nbits_ < padded_bits_) overran_ = true;
  }
  int bits(int n) {  // n in 0..16, as an unsigned value
    if (n == 0) return 0;
    const int v = int(peek16() >> (16 - n));
    consume(n);
    return v;
  }
  int bit() { return bits(1); }
  bool overran() const { return overran_; }
  // Drops buffered bits and moves to the next marker; true when it is RSTn with n == `index`
  // (0..7), which is then skipped.
  bool restart(int index);
  // Where the entropy-coded data this reader stopped in is followed by the next marker.
  size_t next_marker_pos() const;

 private:
  void fill();
  const uint8_t* data_;
  size_t size_;
  size_t pos_;
  uint64_t acc_ = 0;  // buffered bits, left-aligned
  int nbits_ = 0;
  int padded_bits_ = 0;  // how many of the last buffered bits are made-up zeros
  bool stopped_ = false;
  bool overran_ = false;
};

// The next Huffman symbol. InputError (corrupt) on a code the table does not define.
int decode_huffman(BitReader& br, const HuffmanTable& t, const std::string& path);

// T.81 F.2.2.1 EXTEND: an s-bit magnitude category value to its signed value (s in 1..16).
inline int extend(int v, int s) { return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v; }

struct Component {
  int id = 0;
  int h = 1, v = 1;   // sampling factors, 1..2
  int quant_id = 0;   // DQT table 0..3 named by the frame header
  int width = 0;      // samples in this component: ceil(image width * h / hmax)
  int height = 0;
  int blocks_w = 0;   // blocks stored: whole MCUs, mcus_x * h
  int blocks_h = 0;
  int scan_blocks_w = 0;  // blocks a single-component scan codes: ceil(width / 8)
  int scan_blocks_h = 0;
  std::vector<int16_t> coefs;  // [blocks_h][blocks_w][64]; allocated by the first scan
  std::array<uint16_t, 64> quant{};  // latched when the component's first scan starts (!scanned)
  std::array<int8_t, 64> coef_al{};  // progressive: current Al of each coefficient, -1 before its first scan
  bool scanned = false;  // some scan has named this component
  int16_t* block(int bx, int by) { return coefs.data() + (size_t(by) * size_t(blocks_w) + size_t(bx)) * 64; }
};

struct Frame {
  int width = 0, height = 0;
  bool progressive = false;
  int ncomp = 0;
  std::array<Component, kMaxComponents> comp;
  int hmax = 1, vmax = 1;
  int mcus_x = 0, mcus_y = 0;  // MCUs of an interleaved scan
  bool rgb = false;            // 3 components stored as RGB rather than YCbCr
};

struct Scan {
  int ncomp = 0;
  std::array<int, kMaxComponents> comp{};  // indices into Frame::comp
  std::array<int, kMaxComponents> dc_table{}, ac_table{};
  int ss = 0, se = 63, ah = 0, al = 0;
};

struct Tables {
  std::array<HuffmanTable, 4> dc, ac;
  std::array<std::array<uint16_t, 64>, 4> quant{};  // natural order
  std::array<bool, 4> quant_defined{};
  int restart_interval = 0;  // MCUs, 0: none
};

// Decodes the entropy-coded data of `scan` starting at data[pos]; returns where the next marker
// is. Allocates coefficient buffers on first use (sizes from the validated frame only).
size_t decode_scan(Frame& f, const Scan& scan, const Tables& t, const uint8_t* data, size_t size, size_t pos,
                   const std::string& path);

// Dequantises, inverse-transforms, upsamples and colour-converts every component.
std::vector<uint8_t> frame_to_rgb(Frame& f);

}  // namespace zoomrt::jpeg
