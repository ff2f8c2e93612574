// Start-image decoding (runtime/media/decoders.h): JPEG by libjpeg-turbo against Pillow's decode
// (tools/reference/make_jpeg_fixtures.py, tests/fixtures/jpeg/), odd-format PNG by libpng against
// the sample rules computed without a decoder (tools/reference/make_png_fixtures.py,
// tests/fixtures/png/), plus corrupt, unsupported and oversized files made here by cutting or
// patching those fixtures, each refused with one InputError line naming the file.
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
#include "runtime/media/decoders.h"
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

Rgb8 decode(const Bytes& b, const std::string& name = "x.jpg", int64_t max_pixels = kDefaultMaxImagePixels) {
  return decode_jpeg(b.data(), b.size(), name, max_pixels);
}

// Pillow decodes with libjpeg-turbo's defaults (islow IDCT, fancy upsampling), which decode_jpeg
// sets explicitly, so every fixture is checked bit for bit. Measured against 7 of these fixtures
// with libjpeg-turbo 2.1.5: islow + fancy upsampling 0 levels off; JDCT_IFAST up to 9 (mean
// 1.28), JDCT_FLOAT up to 3, no fancy upsampling up to 73 (mean 6.1): any other setting fails. The fixture loop prints each Diff,
// so that a failure shows how far off it is.
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
    const Rgb8 px = decode(read_bytes(kDir + name + ".jpg"));
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

TEST_CASE("load_image routes JPEG to libjpeg-turbo") {
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
  Rgb8 px;
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

// libjpeg's message for each kind of damage, inside our one line. Truncation anywhere is
// libjpeg's "premature end" warning, which we refuse instead of letting libjpeg fill with grey.
TEST_CASE("truncated JPEG files: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t dht = find_marker(good, 0xC4), sos = find_marker(good, 0xDA);
  const std::string premature = "x.jpg: corrupt or unsupported JPEG (Premature end of JPEG file)";
  check_message(Bytes(good.begin(), good.begin() + long(dht) + 10), premature);
  check_message(Bytes(good.begin(), good.begin() + 2), premature);
  check_message(Bytes(good.begin(), good.begin() + long(sos + (good.size() - sos) / 2)), premature);
  check_message(Bytes(good.begin(), good.end() - 2), premature);  // no EOI
  check_message(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, "x.jpg: corrupt or unsupported JPEG (JPEG datastream contains no image)");
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
  check_message(patched(good, counts + 14, {200, 100}), "x.jpg: corrupt or unsupported JPEG (Bogus Huffman table definition)");
  const size_t sos = find_marker(good, 0xDA);
  const size_t data = sos + 2 + ((good[sos + 2] << 8) | good[sos + 3]);
  // 16 one-bits (stuffed FF 00 twice): the all-ones code is never defined. libjpeg warns and
  // skips to the next marker; the warning is our error.
  CHECK_THROWS_WITH(decode(patched(good, data, {0xFF, 0x00, 0xFF, 0x00})),
                    Catch::StartsWith("x.jpg: corrupt or unsupported JPEG (Corrupt JPEG data: ") &&
                        Catch::EndsWith(" extraneous bytes before marker 0xd9)"));
}

TEST_CASE("bad frame headers: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t sof = find_marker(good, 0xC0);  // FF C0, length(2), P, Y(2), X(2), Nf, comps
  const std::string bad = "x.jpg: corrupt or unsupported JPEG (";
  check_message(patched(good, sof + 7, {0, 0}), bad + "Empty JPEG image (DNL not supported))");
  check_message(patched(good, sof + 5, {0, 0}), bad + "Empty JPEG image (DNL not supported))");
  check_message(patched(good, sof + 11, {0x01}), bad + "Bogus sampling factors)");
  check_message(patched(good, sof + 13, {1}), bad + "Invalid component ID 2 in SOS)");
  check_message(patched(good, sof + 9, {2}), bad + "Bogus marker length)");
  // Sampling 3x1 is legal for libjpeg but does not match the scan data: refused by the warning.
  CHECK_THROWS_WITH(decode(patched(good, sof + 11, {0x31})), Catch::StartsWith(bad + "Corrupt JPEG data: "));
  // The pixel limit is checked from the header, with image_io's message.
  CHECK_THROWS_WITH(decode(good, "x.jpg", 48 * 32 - 1),
                    Catch::Equals("x.jpg: image is 48x32 = 1536 pixels, above the limit of 1535 (raise it with "
                                  "--max-image-pixels)"));
  CHECK_NOTHROW(decode(good, "x.jpg", 48 * 32));
}

TEST_CASE("a 65000x65000 JPEG header in a small file is refused before any pixel buffer") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t sof = find_marker(good, 0xC0);
  const Bytes huge = patched(good, sof + 5, {0xFD, 0xE8, 0xFD, 0xE8});  // 65000 x 65000
  CHECK_THROWS_WITH(decode(huge), Catch::Equals("x.jpg: image is 65000x65000 = 4225000000 pixels, above the limit of "
                                                "64000000 (raise it with --max-image-pixels)"));
  // A header enlarged within the limit (480x320) is found out by decoding: the scan data is for 48x32.
  CHECK_THROWS_WITH(decode(patched(good, sof + 5, {0x01, 0x40, 0x01, 0xE0})),
                    Catch::Equals("x.jpg: corrupt or unsupported JPEG (Corrupt JPEG data: premature end of data "
                                  "segment)"));
}

TEST_CASE("unsupported JPEG kinds: exact messages") {
  const Bytes good = read_bytes(kDir + "q95_444.jpg");
  const size_t sof = find_marker(good, 0xC0);  // FF C0: the marker byte is sof + 1
  const std::string bad = "x.jpg: corrupt or unsupported JPEG (";
  check_message(patched(good, sof + 1, {0xC3}), bad + "Unsupported JPEG process: SOF type 0xc3)");  // lossless
  check_message(patched(good, sof + 1, {0xC5}), bad + "Unsupported JPEG process: SOF type 0xc5)");  // hierarchical
  check_message(patched(good, sof + 4, {12}), bad + "Unsupported JPEG data precision 12)");
  // Arithmetic coding is decoded by libjpeg-turbo; Huffman data relabelled as arithmetic is not.
  CHECK_THROWS_AS(decode(patched(good, sof + 1, {0xC9})), InputError);
  // CMYK (and YCCK) is refused rather than converted: without the ink profile any conversion is a
  // guess, and Pillow's CMYK->RGB (255 - C...) differs from Photoshop's inverted Adobe files.
  check_message(read_bytes(kDir + "cmyk.jpg"),
                "x.jpg: unsupported JPEG (4 components in CMYK, only grey or colour; convert it to RGB first)");
}

TEST_CASE("a misnumbered restart marker is refused") {
  const Bytes rst = read_bytes(kDir + "restart_420.jpg");
  check_message(patched(rst, find_marker(rst, 0xD0) + 1, {0xD3}),
                "x.jpg: corrupt or unsupported JPEG (Corrupt JPEG data: found marker 0xd3 instead of RST0)");
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
  const Rgb8 px = decode(many_scans_file(kMaxJpegScans));
  REQUIRE(px.width == 8);
  CHECK(std::all_of(px.rgb.begin(), px.rgb.end(), [](uint8_t v) { return v == 128; }));
  check_message(many_scans_file(kMaxJpegScans + 1), "x.jpg: unsupported JPEG (more than 500 scans)");
}

TEST_CASE("single-bit flips anywhere give pixels or InputError, nothing else") {
  for (const char* name : {"q50_420.jpg", "progressive_444.jpg", "restart_progressive.jpg"}) {
    const Bytes good = read_bytes(kDir + name);
    int refused = 0, decoded = 0;
    for (size_t i = 0; i < good.size(); ++i) {
      Bytes b = good;
      b[i] ^= uint8_t(1u << (i % 8));
      try {
        const Rgb8 px = decode(b);
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

// ---- PNG ----

const std::string kPngDir = std::string(ZOOMRT_FIXTURES_DIR) + "/png/";

Rgb8 decode_png_bytes(const Bytes& b, int64_t max_pixels = kDefaultMaxImagePixels) {
  return decode_png(b.data(), b.size(), "x.png", max_pixels);
}

// The PNG signature, then `chunks` (type, payload) with their lengths and CRCs.
Bytes png_file(const std::vector<std::pair<std::string, Bytes>>& chunks);

TEST_CASE("odd-format PNGs decode to the sample rules: 16-bit, grey 1/2/4, palette, alpha, interlaced") {
  const nlohmann::json cases = nlohmann::json::parse(std::ifstream(kPngDir + "manifest.json"))["cases"];
  REQUIRE(cases.size() >= 11);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    INFO(name << " (colour type " << c["color_type"] << ", " << c["bit_depth"] << "-bit)");
    const Image img = load_image(kPngDir + name + ".png");
    REQUIRE(img.width == c["width"].get<int>());
    REQUIRE(img.height == c["height"].get<int>());
    const Bytes expect = read_bytes(kPngDir + name + ".rgb");
    const Bytes got = to_rgb8(img);
    REQUIRE(got.size() == expect.size());
    CHECK(compare(got.data(), expect.data(), expect.size()).max_abs == 0);
  }
}

TEST_CASE("a PNG chunk longer than the file is refused without allocating its length") {
  // Found by the image fuzzer against stb: an IDAT declaring 1.5 GB made stb allocate it. libpng
  // checks the length against what the image can need (a warning), reads IDAT in small pieces,
  // and the file simply ends.
  const std::string path =
      std::string(ZOOMRT_FIXTURES_DIR) + "/../fuzz/regressions/image/png_idat_length_past_end.png";
  CHECK_THROWS_WITH(load_image(path), Catch::Equals(path + ": corrupt PNG (file ends early; libpng warned first: IDAT: chunk data is "
                                                         "too large)"));
}

TEST_CASE("damaged PNGs: truncation, CRC, pixel limit from the header, user limits") {
  const Bytes good = read_bytes(kPngDir + "rgb16.png");
  for (size_t n : {size_t(8), size_t(20), size_t(33), good.size() / 2, good.size() - 1})
    CHECK_THROWS_WITH(decode_png_bytes(Bytes(good.begin(), good.begin() + long(n))),
                      Catch::StartsWith("x.png: corrupt PNG ("));
  Bytes crc = good;
  crc[45] ^= 0x10;  // inside the first IDAT's data (IHDR is bytes 8..32): its CRC no longer matches
  CHECK_THROWS_WITH(decode_png_bytes(crc), Catch::StartsWith("x.png: corrupt PNG ("));
  // 23 x 11 = 253 pixels.
  CHECK_THROWS_WITH(decode_png_bytes(good, 252), Catch::Equals("x.png: image is 23x11 = 253 pixels, above the limit of "
                                                               "252 (raise it with --max-image-pixels)"));
  CHECK_NOTHROW(decode_png_bytes(good, 253));
  // A header of 60000 x 60000 RGB in a 57-byte file: refused from IHDR.
  const Bytes ihdr{0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0};
  const Bytes huge = png_file({{"IHDR", ihdr}, {"IDAT", {}}, {"IEND", {}}});
  CHECK_THROWS_WITH(decode_png_bytes(huge), Catch::Equals("x.png: image is 60000x60000 = 3600000000 pixels, above the "
                                                          "limit of 64000000 (raise it with --max-image-pixels)"));
  // One side above the limit: libpng's own user limit says so while reading IHDR.
  const Bytes wide = png_file({{"IHDR", {0, 0, 0xEA, 0x60, 0, 0, 0, 1, 8, 2, 0, 0, 0}}, {"IEND", {}}});
  CHECK_THROWS_WITH(decode_png_bytes(wide, 1000),
                    Catch::Equals("x.png: corrupt PNG (Invalid IHDR data; libpng warned first: Image width exceeds user "
                                  "limit in IHDR)"));
}

Bytes png_file(const std::vector<std::pair<std::string, Bytes>>& chunks) {
  // CRC-32 (ISO 3309, as PNG uses), bit by bit: small and independent of zlib.
  auto crc32 = [](const Bytes& b) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint8_t v : b) {
      c ^= v;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
  };
  Bytes out{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
  };
  for (const auto& [type, data] : chunks) {
    be32(uint32_t(data.size()));
    Bytes body(type.begin(), type.end());
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    be32(crc32(body));
  }
  return out;
}

TEST_CASE("image_io: files that are neither PNG nor JPEG") {
  const std::string path = std::string(ZOOMRT_FIXTURES_DIR) + "/jpeg/manifest.json";
  CHECK_THROWS_WITH(load_image(path), Catch::Equals(path + ": not a PNG or JPEG image"));
}
