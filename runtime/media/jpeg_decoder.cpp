// JPEG markers and segments: the walk from SOI to EOI, frame and scan headers checked against
// T.81 (B.2) and against what we support, then the pixel stage (runtime/media/jpeg_pixels.cpp).
#include "runtime/media/jpeg_decoder.h"

#include <fmt/format.h>

#include <cstring>

#include "runtime/media/image_io.h"
#include "runtime/media/jpeg_internal.h"

namespace zoomrt {
namespace {

using namespace jpeg;

// The T.81 order rules already bound the scans a progressive file can have (64 coefficients x
// 14 passes x 3 components), but each scan walks every block of its components, so a forged
// file of thousands of tiny scans would still cost ~40 block visits per pixel. Encoders write
// about 10 (libjpeg's default script) to a few dozen; libjpeg-turbo's fuzzers cap at 500 too.
constexpr int kMaxScans = 500;

std::string marker_name(int m) {
  if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) return fmt::format("SOF{}", m - 0xC0);
  if (m >= 0xE0 && m <= 0xEF) return fmt::format("APP{}", m - 0xE0);
  switch (m) {
    case 0xC4: return "DHT";
    case 0xCC: return "DAC";
    case 0xDA: return "SOS";
    case 0xDB: return "DQT";
    case 0xDC: return "DNL";
    case 0xDD: return "DRI";
    case 0xFE: return "COM";
    default: return fmt::format("FF{:02X}", m);
  }
}

// The payload of one marker segment, read with bounds checks.
struct Segment {
  const uint8_t* p;
  size_t n;
  const std::string& path;
  std::string name;
  bool truncated = false;  // the file ends inside the segment: p[0..n) is what there is
  size_t i = 0;
  size_t left() const { return n - i; }
  void need(size_t k) const {
    if (left() >= k) return;
    fail_corrupt(path, truncated ? fmt::format("file ends inside the {} segment", name)
                                 : fmt::format("{} segment too short", name));
  }
  int u8() {
    need(1);
    return p[i++];
  }
  int u16() {
    need(2);
    const int v = (p[i] << 8) | p[i + 1];
    i += 2;
    return v;
  }
  void expect_end() const {
    if (left() != 0) fail_corrupt(path, fmt::format("{} segment has {} bytes too many", name, left()));
  }
};

class Parser {
 public:
  Parser(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels)
      : data_(data), size_(size), path_(path), max_pixels_(max_pixels) {}
  JpegPixels run();

 private:
  void frame_header(Segment s, int marker);
  void huffman_tables(Segment s);
  void quant_tables(Segment s);
  size_t scan(Segment s, size_t data_pos);
  void check_progression(const Scan& sc);
  void finish_colour();
  // frame_header sets ncomp (1 or 3); any failure in it, before or after, ends the whole parse.
  bool have_frame() const { return frame_.ncomp > 0; }

  const uint8_t* data_;
  size_t size_;
  const std::string& path_;
  int64_t max_pixels_;
  Frame frame_;
  Tables tables_;
  int scans_ = 0;
  bool saw_jfif_ = false;
  int adobe_transform_ = -1;
};

JpegPixels Parser::run() {
  size_t p = 2;  // after SOI
  for (;;) {
    // Like libjpeg, tolerate stray bytes and fill (FF) bytes before a marker.
    while (p < size_ && data_[p] != 0xFF) ++p;
    while (p + 1 < size_ && data_[p + 1] == 0xFF) ++p;
    if (p + 1 >= size_) fail_corrupt(path_, scans_ ? "file ends before the EOI marker" : "file ends before the first scan");
    const int m = data_[p + 1];
    if (m == 0xD9) break;  // EOI
    if (m == 0xD8) fail_corrupt(path_, "a second SOI marker");
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // not a segment: skipped as libjpeg does
      p += 2;
      continue;
    }
    const std::string name = marker_name(m);
    if (p + 4 > size_) fail_corrupt(path_, fmt::format("file ends inside the {} segment", name));
    const size_t len = (size_t(data_[p + 2]) << 8) | data_[p + 3];
    if (len < 2) fail_corrupt(path_, fmt::format("{} segment length {}", name, len));
    // A table segment cut short is still read as far as it goes, so that a bad table in it is
    // named (tests/fuzz/regressions/image/dht_too_many_codes.jpg); anything else fails here.
    const bool truncated = p + 2 + len > size_;
    if (truncated && m != 0xC4 && m != 0xDB) fail_corrupt(path_, fmt::format("file ends inside the {} segment", name));
    Segment seg{data_ + p + 4, truncated ? size_ - (p + 4) : len - 2, path_, name, truncated};
    const size_t end = p + 2 + len;
    p = end;
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) frame_header(seg, m);
    else if (m == 0xC3) fail_unsupported(path_, "lossless coding, SOF3");
    else if (m == 0xC5 || m == 0xC6 || m == 0xC7 || m == 0xDE || m == 0xDF)
      fail_unsupported(path_, fmt::format("hierarchical coding, {}", name));
    else if (m >= 0xC9 && m <= 0xCF) fail_unsupported(path_, fmt::format("arithmetic coding, {}", name));
    else if (m == 0xC4) huffman_tables(seg);
    else if (m == 0xDB) quant_tables(seg);
    else if (m == 0xDC) fail_unsupported(path_, "a DNL marker (height defined after the first scan)");
    else if (m == 0xDD) {
      tables_.restart_interval = seg.u16();
      seg.expect_end();
    } else if (m == 0xDA) p = scan(seg, end);
    else if (m == 0xE0 && seg.n >= 5 && std::memcmp(seg.p, "JFIF\0", 5) == 0) saw_jfif_ = true;
    else if (m == 0xEE && seg.n >= 12 && std::memcmp(seg.p, "Adobe", 5) == 0) adobe_transform_ = seg.p[11];
    // Everything else (APPn, COM, reserved JPGn) is skipped by its length.
    if (truncated) fail_corrupt(path_, fmt::format("file ends inside the {} segment", name));
  }
  if (!have_frame()) fail_corrupt(path_, "no frame header (SOF) before EOI");
  for (int i = 0; i < frame_.ncomp; ++i)
    if (!frame_.comp[size_t(i)].scanned)
      fail_corrupt(path_, fmt::format("component {} has no scan before EOI", frame_.comp[size_t(i)].id));
  finish_colour();
  JpegPixels out{frame_.width, frame_.height, frame_to_rgb(frame_)};
  return out;
}

void Parser::frame_header(Segment s, int marker) {
  if (have_frame()) fail_corrupt(path_, "more than one frame header (SOF)");
  const int precision = s.u8();
  const int height = s.u16(), width = s.u16(), ncomp = s.u8();
  if (precision == 12 || precision == 16) fail_unsupported(path_, fmt::format("{}-bit samples, only 8-bit", precision));
  if (precision != 8) fail_corrupt(path_, fmt::format("{}-bit sample precision", precision));
  if (width == 0) fail_corrupt(path_, fmt::format("frame is {}x{} pixels", width, height));
  if (height == 0) fail_unsupported(path_, "frame height 0 (defined later by a DNL marker)");
  if (ncomp == 4) fail_unsupported(path_, "4 components (CMYK or YCCK)");
  if (ncomp == 0) fail_corrupt(path_, "frame has no components");
  if (ncomp != 1 && ncomp != 3) fail_unsupported(path_, fmt::format("{} components, only 1 (grey) or 3 (colour)", ncomp));
  if (s.left() != size_t(3 * ncomp))
    fail_corrupt(path_, fmt::format("{} segment length does not match its {} components", s.name, ncomp));
  check_image_pixels(path_, width, height, max_pixels_);  // before anything image-sized exists
  Frame& f = frame_;
  f.width = width;
  f.height = height;
  f.progressive = marker == 0xC2;
  f.ncomp = ncomp;
  for (int i = 0; i < ncomp; ++i) {
    Component& c = f.comp[size_t(i)];
    c.id = s.u8();
    const int hv = s.u8();
    c.h = hv >> 4;
    c.v = hv & 15;
    c.quant_id = s.u8();
    if (c.h == 0 || c.v == 0 || c.h > 4 || c.v > 4)
      fail_corrupt(path_, fmt::format("component {} has sampling factors {}x{}", c.id, c.h, c.v));
    if (c.h > 2 || c.v > 2)
      fail_unsupported(path_, fmt::format("sampling factors {}x{} (component {}), at most 2x2", c.h, c.v, c.id));
    if (c.quant_id > 3) fail_corrupt(path_, fmt::format("component {} uses quantization table {}", c.id, c.quant_id));
    for (int j = 0; j < i; ++j)
      if (f.comp[size_t(j)].id == c.id) fail_corrupt(path_, fmt::format("two components with id {}", c.id));
    c.coef_al.fill(-1);
    f.hmax = std::max(f.hmax, c.h);
    f.vmax = std::max(f.vmax, c.v);
  }
  f.mcus_x = (width + 8 * f.hmax - 1) / (8 * f.hmax);
  f.mcus_y = (height + 8 * f.vmax - 1) / (8 * f.vmax);
  for (int i = 0; i < ncomp; ++i) {
    Component& c = f.comp[size_t(i)];
    c.width = (width * c.h + f.hmax - 1) / f.hmax;
    c.height = (height * c.v + f.vmax - 1) / f.vmax;
    c.scan_blocks_w = (c.width + 7) / 8;
    c.scan_blocks_h = (c.height + 7) / 8;
    c.blocks_w = f.mcus_x * c.h;
    c.blocks_h = f.mcus_y * c.v;
  }
}

void Parser::huffman_tables(Segment s) {
  while (s.left() > 0) {
    const int tc_th = s.u8();
    const int tc = tc_th >> 4, th = tc_th & 15;
    if (tc > 1 || th > 3) fail_corrupt(path_, fmt::format("DHT defines table class {} id {}", tc, th));
    s.need(16);
    const uint8_t* counts = s.p + s.i;
    s.i += 16;
    int total = 0;
    for (int i = 0; i < 16; ++i) total += counts[i];
    if (total <= 256) s.need(size_t(total));  // more than 256: build_huffman_table names it
    HuffmanTable& t = tc == 0 ? tables_.dc[size_t(th)] : tables_.ac[size_t(th)];
    build_huffman_table(t, counts, s.p + s.i, path_, tc == 0 ? "DC table" : "AC table");
    s.i += size_t(total);
  }
}

void Parser::quant_tables(Segment s) {
  while (s.left() > 0) {
    const int pq_tq = s.u8();
    const int pq = pq_tq >> 4, tq = pq_tq & 15;
    if (pq > 1 || tq > 3) fail_corrupt(path_, fmt::format("DQT defines table {} with precision {}", tq, pq));
    for (int k = 0; k < 64; ++k)
      tables_.quant[size_t(tq)][kZigzagToNatural[size_t(k)]] = uint16_t(pq ? s.u16() : s.u8());
    tables_.quant_defined[size_t(tq)] = true;
  }
}

size_t Parser::scan(Segment s, size_t data_pos) {
  if (!have_frame()) fail_corrupt(path_, "a scan (SOS) before the frame header (SOF)");
  if (scans_ == kMaxScans) fail_unsupported(path_, fmt::format("more than {} scans", kMaxScans));
  Scan sc;
  sc.ncomp = s.u8();
  if (sc.ncomp < 1 || sc.ncomp > frame_.ncomp) fail_corrupt(path_, fmt::format("a scan of {} components", sc.ncomp));
  if (s.left() != size_t(2 * sc.ncomp + 3))
    fail_corrupt(path_, fmt::format("SOS segment length does not match its {} components", sc.ncomp));
  for (int i = 0; i < sc.ncomp; ++i) {
    const int id = s.u8(), tables = s.u8();
    int index = -1;
    for (int j = 0; j < frame_.ncomp; ++j)
      if (frame_.comp[size_t(j)].id == id) index = j;
    if (index < 0) fail_corrupt(path_, fmt::format("a scan names component {}, which the frame lacks", id));
    for (int j = 0; j < i; ++j)
      if (sc.comp[size_t(j)] == index) fail_corrupt(path_, fmt::format("a scan names component {} twice", id));
    sc.comp[size_t(i)] = index;
    sc.dc_table[size_t(i)] = tables >> 4;
    sc.ac_table[size_t(i)] = tables & 15;
    if (sc.dc_table[size_t(i)] > 3 || sc.ac_table[size_t(i)] > 3)
      fail_corrupt(path_, fmt::format("a scan uses Huffman tables {}/{}, at most 3", tables >> 4, tables & 15));
  }
  sc.ss = s.u8();
  sc.se = s.u8();
  const int ahal = s.u8();
  sc.ah = ahal >> 4;
  sc.al = ahal & 15;
  if (frame_.progressive) {
    check_progression(sc);
  } else {  // libjpeg ignores these fields in sequential scans; so do we
    sc.ss = 0, sc.se = 63, sc.ah = 0, sc.al = 0;
  }
  const bool needs_dc = sc.ss == 0 && sc.ah == 0, needs_ac = sc.se > 0;
  for (int i = 0; i < sc.ncomp; ++i) {
    Component& c = frame_.comp[size_t(sc.comp[size_t(i)])];
    if (!frame_.progressive && c.scanned)
      fail_corrupt(path_, fmt::format("component {} is in two sequential scans", c.id));
    if (needs_dc && !tables_.dc[size_t(sc.dc_table[size_t(i)])].defined)
      fail_corrupt(path_, fmt::format("a scan uses DC Huffman table {}, which is not defined", sc.dc_table[size_t(i)]));
    if (needs_ac && !tables_.ac[size_t(sc.ac_table[size_t(i)])].defined)
      fail_corrupt(path_, fmt::format("a scan uses AC Huffman table {}, which is not defined", sc.ac_table[size_t(i)]));
    if (!c.scanned) {  // as libjpeg: the table in force at the component's first scan
      if (!tables_.quant_defined[size_t(c.quant_id)])
        fail_corrupt(path_, fmt::format("quantization table {} is not defined", c.quant_id));
      c.quant = tables_.quant[size_t(c.quant_id)];
    }
    c.scanned = true;
  }
  ++scans_;
  return decode_scan(frame_, sc, tables_, data_, size_, data_pos, path_);
}

// T.81 G.1.1.1: spectral selection and successive approximation must refine each coefficient in
// order (first pass, then Al one lower each time). This bounds the scans that can touch a block
// at 14 per coefficient, which keeps decoding time linear.
void Parser::check_progression(const Scan& sc) {
  if (sc.ss > sc.se || sc.se > 63) fail_corrupt(path_, fmt::format("spectral selection {}..{}", sc.ss, sc.se));
  if (sc.ss == 0 && sc.se != 0) fail_corrupt(path_, fmt::format("a progressive DC scan also codes AC 1..{}", sc.se));
  if (sc.ss > 0 && sc.ncomp != 1) fail_corrupt(path_, fmt::format("a progressive AC scan of {} components", sc.ncomp));
  if (sc.al > 13 || (sc.ah != 0 && sc.al != sc.ah - 1))
    fail_corrupt(path_, fmt::format("successive approximation Ah {} Al {}", sc.ah, sc.al));
  const int expected = sc.ah == 0 ? -1 : sc.ah;
  for (int i = 0; i < sc.ncomp; ++i) {
    Component& c = frame_.comp[size_t(sc.comp[size_t(i)])];
    for (int k = sc.ss; k <= sc.se; ++k) {
      if (c.coef_al[size_t(k)] != expected)
        fail_corrupt(path_, fmt::format("progressive scans out of order (component {}, coefficient {})", c.id, k));
      c.coef_al[size_t(k)] = int8_t(sc.al);
    }
  }
}

// Which colour space three components are in, decided as libjpeg does.
void Parser::finish_colour() {
  if (frame_.ncomp != 3 || saw_jfif_) return;
  if (adobe_transform_ >= 0) {
    frame_.rgb = adobe_transform_ == 0;
    return;
  }
  frame_.rgb = frame_.comp[0].id == 'R' && frame_.comp[1].id == 'G' && frame_.comp[2].id == 'B';
}

}  // namespace

bool is_jpeg(const uint8_t* data, size_t size) { return size >= 2 && data[0] == 0xFF && data[1] == 0xD8; }

JpegPixels decode_jpeg(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels) {
  if (!is_jpeg(data, size)) fail_corrupt(path, "no SOI marker");
  return Parser(data, size, path, max_pixels).run();
}

}  // namespace zoomrt
