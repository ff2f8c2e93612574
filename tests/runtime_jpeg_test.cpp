// Our JPEG decoder (runtime/media/jpeg_decoder.h) against libjpeg-turbo, through Pillow: fixtures from
// tools/reference/make_jpeg_fixtures.py (tests/fixtures/jpeg/, listed in manifest.json), plus
// corrupt and unsupported files made here by cutting or patching those fixtures, each with the
// exact one-line message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <numeric>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/media/image_io.h"
#include "runtime/media/jpeg_decoder.h"
#include "base/error.h"

using namespace zoomrt;

namespace {

const std::string kDir = std::string(ZOOMRT_FIXTURES_DIR) + "/jpeg/";

using Bytes = std::vector<uint8_t>;

Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

JpegPixels decode(const Bytes& b, const std::string& name = "x.jpg", int64_t max_pixels = kDefaultMaxImagePixels) {
  return decode_jpeg(b.data(), b.size(), name, max_pixels);
}

// We use libjpeg-turbo's arithmetic (islow IDCT, fancy upsampling, fixed-point YCbCr), so valid
// files decode identically: every fixture is checked bit for bit, and a one-level rounding slip
// (a bias in the upsampler, a descale) fails. The one documented difference, the edge sample
// replicated where libjpeg-turbo reads block padding beyond a 1-sample-wide chroma row (2x1
// subsampled images), has no fixture; one that hits it needs its own budget. The fixture loop
// prints each Diff, so that a failure shows how far off it is.
struct Diff {
  int max_abs = 0;
  double mean_abs = 0;
};

Diff compare(const uint8_t* a, const uint8_t* b, size_t n) {
  Diff d;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const int e = std::abs(int(a[i]) - int(b[i]));
    d.max_abs = std::max(d.max_abs, e);
    sum += e;
  }
  d.mean_abs = n ? sum / double(n) : 0;
  return d;
}

nlohmann::json manifest() {
  std::ifstream f(kDir + "manifest.json");
  return nlohmann::json::parse(f);
}

// Offset of the first marker FF `m` (a segment start in these clean fixtures).
size_t find_marker(const Bytes& b, uint8_t m) {
  for (size_t i = 0; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == m) return i;
  FAIL("marker not found");
  return 0;
}

// `b` with `bytes` written at `offset`.
Bytes patched(Bytes b, size_t offset, std::initializer_list<uint8_t> bytes) {
  std::copy(bytes.begin(), bytes.end(), b.begin() + long(offset));
  return b;
}

void check_message(const Bytes& b, const std::string& expected) {
  CHECK_THROWS_AS(decode(b), InputError);
  CHECK_THROWS_WITH(decode(b), Catch::Equals(expected));
}

}  // namespace

TEST_CASE("every fixture decodes identically to libjpeg-turbo") {
  const nlohmann::json cases = manifest()["cases"];
  REQUIRE(cases.size() >= 15);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    const int w = c["width"], h = c["height"];
    INFO(name << " (" << c["kind"].get<std::string>() << ", " << w << "x" << h << ")");
    const JpegPixels px = decode(read_bytes(kDir + name + ".jpg"));
    const Bytes expect = read_bytes(kDir + name + ".rgb");
    REQUIRE(px.width == w);
    REQUIRE(px.height == h);
    REQUIRE(px.rgb.size() == expect.size());
    const Diff d = compare(px.rgb.data(), expect.data(), expect.size());
    std::printf("jpeg %-20s %-4s %2dx%-2d max %d mean %.4f\n", name.c_str(), c["kind"].get<std::string>().c_str(), w,
                h, d.max_abs, d.mean_abs);
    CHECK(d.max_abs == 0);
  }
}

TEST_CASE("load_image routes JPEG to our decoder") {
  const Image img = load_image(kDir + "q95_444.jpg");
  const Bytes expect = read_bytes(kDir + "q95_444.rgb");
  REQUIRE(img.width == 48);
  REQUIRE(img.height == 32);
  CHECK(compare(to_rgb8(img).data(), expect.data(), expect.size()).max_abs == 0);
}

TEST_CASE("512x512 baseline: crop and means match libjpeg-turbo, decode time printed") {
  const auto m = manifest()["big_512"];
  const Bytes file = read_bytes(kDir + "big_512.jpg");
  double best_ms = 1e9;
  JpegPixels px;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    px = decode(file);
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("jpeg decode 512x512 4:2:0 (%zu bytes): %.2f ms (best of 3)\n", file.size(), best_ms);
  REQUIRE(px.width == 512);
  REQUIRE(px.height == 512);
  const int x0 = m["crop_x"], y0 = m["crop_y"], n = m["crop_size"];
  Bytes crop;
  for (int y = y0; y < y0 + n; ++y)
    crop.insert(crop.end(), px.rgb.begin() + (y * 512 + x0) * 3, px.rgb.begin() + (y * 512 + x0 + n) * 3);
  const Bytes expect = read_bytes(kDir + "big_512_crop.rgb");
  CHECK(compare(crop.data(), expect.data(), expect.size()).max_abs == 0);
  for (int c = 0; c < 3; ++c) {  // integer sums: both means are exact in double
    double sum = 0;
    for (size_t i = size_t(c); i < px.rgb.size(); i += 3) sum += px.rgb[i];
    CHECK(sum / (512.0 * 512.0) == m["mean_rgb"][size_t(c)].get<double>());
  }
}

TEST_CASE("truncated files: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t dht = find_marker(good, 0xC4), sos = find_marker(good, 0xDA);
  check_message(Bytes(good.begin(), good.begin() + long(dht) + 10), "x.jpg: corrupt JPEG (file ends inside the DHT segment)");
  check_message(Bytes(good.begin(), good.begin() + 2), "x.jpg: corrupt JPEG (file ends before the first scan)");
  const size_t scan_mid = sos + (good.size() - sos) / 2;
  check_message(Bytes(good.begin(), good.begin() + long(scan_mid)),
                "x.jpg: corrupt JPEG (scan data ends before its last block)");
  check_message(Bytes(good.begin(), good.end() - 2), "x.jpg: corrupt JPEG (file ends before the EOI marker)");
  check_message(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, "x.jpg: corrupt JPEG (no frame header (SOF) before EOI)");
}

TEST_CASE("every prefix of a progressive file is refused with InputError") {
  const Bytes good = read_bytes(kDir + "progressive_420.jpg");
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK_THROWS_AS(decode(Bytes(good.begin(), good.begin() + long(n))), InputError);
  }
}

TEST_CASE("corrupt Huffman tables and scan data: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t counts = find_marker(good, 0xC4) + 5;  // FF C4, length, class/id, then 16 counts
  check_message(patched(good, counts + 14, {200, 100}), "x.jpg: corrupt JPEG (a Huffman table declares " +
                          std::to_string(300 + std::accumulate(good.begin() + long(counts), good.begin() + long(counts) + 14, 0)) +
                          " codes, at most 256)");
  Bytes overfull = good;  // three 1-bit codes, same total, so the segment still parses
  REQUIRE(good[counts + 1] + good[counts + 2] >= 3);
  overfull[counts] = 3;
  for (int k = 1, left = 3 - good[counts]; left > 0; ++k) {
    const int take = std::min<int>(left, overfull[counts + size_t(k)]);
    overfull[counts + size_t(k)] = uint8_t(overfull[counts + size_t(k)] - take);
    left -= take;
  }
  check_message(overfull, "x.jpg: corrupt JPEG (Huffman DC table has too many codes of length 1 or less)");
  const size_t sos = find_marker(good, 0xDA);
  const size_t data = sos + 2 + ((good[sos + 2] << 8) | good[sos + 3]);
  // 16 one-bits (stuffed FF 00 twice): the all-ones code is never defined.
  check_message(patched(good, data, {0xFF, 0x00, 0xFF, 0x00}), "x.jpg: corrupt JPEG (undefined Huffman code)");
}

TEST_CASE("bad frame headers: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t sof = find_marker(good, 0xC0);  // FF C0, length(2), P, Y(2), X(2), Nf, comps
  check_message(patched(good, sof + 7, {0, 0}), "x.jpg: corrupt JPEG (frame is 0x32 pixels)");
  check_message(patched(good, sof + 5, {0, 0}), "x.jpg: unsupported JPEG (frame height 0 (defined later by a DNL marker))");
  check_message(patched(good, sof + 11, {0x31}),
                "x.jpg: unsupported JPEG (sampling factors 3x1 (component 1), at most 2x2)");
  check_message(patched(good, sof + 11, {0x01}), "x.jpg: corrupt JPEG (component 1 has sampling factors 0x1)");
  check_message(patched(good, sof + 13, {1}), "x.jpg: corrupt JPEG (two components with id 1)");
  check_message(patched(good, sof + 9, {2}), "x.jpg: unsupported JPEG (2 components, only 1 (grey) or 3 (colour))");
  // The pixel limit is checked from the header, with image_io's message.
  CHECK_THROWS_WITH(decode(good, "x.jpg", 48 * 32 - 1),
                    Catch::Equals("x.jpg: image is 48x32 = 1536 pixels, above the limit of 1535 (raise it with "
                                  "--max-image-pixels)"));
  CHECK_NOTHROW(decode(good, "x.jpg", 48 * 32));
}

TEST_CASE("unsupported JPEG kinds: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t sof = find_marker(good, 0xC0);  // FF C0: the marker byte is sof + 1
  check_message(patched(good, sof + 1, {0xC9}), "x.jpg: unsupported JPEG (arithmetic coding, SOF9)");
  check_message(patched(good, sof + 1, {0xC3}), "x.jpg: unsupported JPEG (lossless coding, SOF3)");
  check_message(patched(good, sof + 1, {0xC5}), "x.jpg: unsupported JPEG (hierarchical coding, SOF5)");
  check_message(patched(good, sof + 4, {12}), "x.jpg: unsupported JPEG (12-bit samples, only 8-bit)");
  check_message(read_bytes(kDir + "cmyk.jpg"), "x.jpg: unsupported JPEG (4 components (CMYK or YCCK))");
}

TEST_CASE("restart markers and progressive order are enforced") {
  const Bytes rst = read_bytes(kDir + "restart_420.jpg");
  check_message(patched(rst, find_marker(rst, 0xD0) + 1, {0xD3}), "x.jpg: corrupt JPEG (restart marker RST0 missing)");
  // The first AC scan of the progressive file turned into a refinement of a band never sent.
  Bytes prog = read_bytes(kDir + "progressive_420.jpg");
  size_t sos = 0;
  for (size_t i = 0; i + 1 < prog.size(); ++i) {
    if (prog[i] != 0xFF || prog[i + 1] != 0xDA) continue;
    const size_t ns = prog[i + 4];
    if (prog[i + 5 + 2 * ns] != 0) {  // Ss > 0: an AC scan
      sos = i;
      break;
    }
  }
  REQUIRE(sos > 0);
  const size_t ahal = sos + 5 + 2 * prog[sos + 4] + 2;
  prog[ahal] = 0x10;  // Ah 1, Al 0
  check_message(prog, "x.jpg: corrupt JPEG (progressive scans out of order (component 1, coefficient " +
                          std::to_string(prog[sos + 5 + 2 * prog[sos + 4]]) + "))");
}

// A valid 8x8 progressive grey file (all coefficients 0) with `nscans` scans: the DC scan, then
// per AC coefficient a first pass at Al 13 and its 13 refinements, each coded as one EOB.
Bytes many_scans_file(int nscans) {
  Bytes b{0xFF, 0xD8};
  auto segment = [&](uint8_t marker, Bytes payload) {
    const size_t len = payload.size() + 2;
    b.insert(b.end(), {0xFF, marker, uint8_t(len >> 8), uint8_t(len & 255)});
    b.insert(b.end(), payload.begin(), payload.end());
  };
  Bytes dqt(65, 1);
  dqt[0] = 0x00;
  segment(0xDB, dqt);
  segment(0xC2, {8, 0, 8, 0, 8, 1, 1, 0x11, 0});
  Bytes dht(18, 0);  // one 1-bit code ("0") for symbol 0: DC difference 0 / AC end-of-band
  dht[1] = 1;
  segment(0xC4, dht);
  dht[0] = 0x10;
  segment(0xC4, dht);
  auto scan = [&](int ss, int se, int ah, int al) {
    segment(0xDA, {1, 1, 0x00, uint8_t(ss), uint8_t(se), uint8_t(ah << 4 | al)});
    b.push_back(0x7F);  // the code "0", padded with ones
  };
  scan(0, 0, 0, 0);
  int n = 1;
  for (int k = 1; k < 64 && n < nscans; ++k)
    for (int al = 13; al >= 0 && n < nscans; --al, ++n) scan(k, k, al == 13 ? 0 : al + 1, al);
  b.insert(b.end(), {0xFF, 0xD9});
  return b;
}

TEST_CASE("progressive files of up to 500 scans decode, more are refused") {
  const JpegPixels px = decode(many_scans_file(500));
  REQUIRE(px.width == 8);
  CHECK(std::all_of(px.rgb.begin(), px.rgb.end(), [](uint8_t v) { return v == 128; }));
  check_message(many_scans_file(501), "x.jpg: unsupported JPEG (more than 500 scans)");
}

TEST_CASE("single-bit flips anywhere give pixels or InputError, nothing else") {
  for (const char* name : {"q50_420.jpg", "progressive_444.jpg", "restart_progressive.jpg"}) {
    const Bytes good = read_bytes(kDir + name);
    int refused = 0, decoded = 0;
    for (size_t i = 0; i < good.size(); ++i) {
      Bytes b = good;
      b[i] ^= uint8_t(1u << (i % 8));
      try {
        const JpegPixels px = decode(b);
        CHECK(px.rgb.size() == size_t(px.width) * size_t(px.height) * 3);
        ++decoded;
      } catch (const InputError&) {
        ++refused;
      }
    }
    // Any other exception fails the test case; a crash or sanitizer report fails the run.
    std::printf("jpeg bit flips %-24s %d decoded, %d refused\n", name, decoded, refused);
  }
}

TEST_CASE("image_io: a PNG chunk longer than the file is refused before stb allocates for it") {
  // Found by the image fuzzer: an IDAT declaring 1.5 GB made stb_image allocate it.
  const std::string path =
      std::string(ZOOMRT_FIXTURES_DIR) + "/../fuzz/regressions/image/png_idat_length_past_end.png";
  CHECK_THROWS_WITH(load_image(path),
                    Catch::Equals(path + ": corrupt PNG (chunk IDAT of 1560281235 bytes runs past the end of the file)"));
}

TEST_CASE("image_io: files that are neither PNG nor JPEG") {
  const std::string path = std::string(ZOOMRT_FIXTURES_DIR) + "/jpeg/manifest.json";
  CHECK_THROWS_WITH(load_image(path), Catch::Equals(path + ": not a PNG or JPEG image"));
}
