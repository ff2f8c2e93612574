// Image I/O: diffusers' float -> uint8 rounding (values from numpy via
// tools/reference/make_zoom_fixtures.py), PNG/JPEG decoding (libpng, libjpeg-turbo) against PIL and formulas, PNG
// round trip and determinism, and bad files as InputError naming the file.
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/media/image_io.h"
#include "base/error.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

const std::string kDir = std::string(ZOOMRT_FIXTURES_DIR) + "/zoom/";

std::string tmp_dir() {
  static std::string d = [] {
    std::string p = "/tmp/zoomrt_zoom_image_" + std::to_string(::getpid());
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
  }();
  return d;
}

float pixel(const Image& img, int c, int x, int y) { return img.plane(c)[size_t(y) * img.width + x]; }

}  // namespace

TEST_CASE("to_u8 equals numpy's (clip * 255).round() on float32") {
  std::ifstream in(kDir + "to_u8.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  const auto bits = j["bits"].get<std::vector<uint32_t>>();
  const auto expect = j["u8"].get<std::vector<int>>();
  REQUIRE(bits.size() == expect.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    const float x = std::bit_cast<float>(bits[i]);
    INFO("x = " << x);
    CHECK(int(to_u8(x)) == expect[i]);
  }
  CHECK(to_u8(std::nanf("")) == 0);
}

TEST_CASE("PNG decoding gives the formula's pixels, grey expanded to RGB") {
  const Image rgb = load_image(kDir + "formula.png");
  REQUIRE(rgb.width == 40);
  REQUIRE(rgb.height == 24);
  const Image grey = load_image(kDir + "grey.png");
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 40; ++x) {
      CHECK(to_u8(pixel(rgb, 0, x, y)) == (x * 6) % 256);
      CHECK(to_u8(pixel(rgb, 1, x, y)) == (y * 10) % 256);
      CHECK(to_u8(pixel(rgb, 2, x, y)) == (x * 3 + y * 7) % 256);
      for (int c = 0; c < 3; ++c) CHECK(to_u8(pixel(grey, c, x, y)) == (x * 5 + y) % 256);
    }
}

TEST_CASE("JPEG decoding equals PIL's decoder") {
  // Both are libjpeg-turbo with its default islow IDCT and fancy upsampling (set explicitly in
  // runtime/media/jpeg_codec.cpp), so no level may differ; the old tolerance (4 levels, mean
  // below 1) was for a decoder of our own.
  const Image jpg = load_image(kDir + "start.jpg");
  const Image pil = load_image(kDir + "start_jpg_pil.png");
  REQUIRE(jpg.width == 96);
  REQUIRE(jpg.height == 64);
  REQUIRE(pil.rgb.size() == jpg.rgb.size());
  int worst = 0;
  double sum = 0;
  for (size_t i = 0; i < jpg.rgb.size(); ++i) {
    const int d = std::abs(int(to_u8(jpg.rgb[i])) - int(to_u8(pil.rgb[i])));
    worst = std::max(worst, d);
    sum += d;
  }
  CHECK(worst == 0);
  CHECK(sum == 0);
}

TEST_CASE("PNG save is deterministic, atomic and round-trips quantised images exactly") {
  Image img{7, 5, std::vector<float>(3 * 7 * 5)};
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = float(std::sin(double(i) * 0.37) * 0.6 + 0.5);
  CHECK(encode_png(img) == encode_png(img));
  quantize_u8(img);
  const std::string path = tmp_dir() + "/round.png";
  save_png(img, path);
  const Image back = load_image(path);
  CHECK(back.width == 7);
  CHECK(back.height == 5);
  CHECK(back.rgb == img.rgb);  // bit-exact: resume relies on it
  for (const auto& e : fs::directory_iterator(tmp_dir()))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

namespace {

// The chunk types of a PNG file, in order (lengths trusted: our own output).
std::vector<std::string> chunk_types(const std::vector<uint8_t>& png) {
  std::vector<std::string> types;
  for (size_t p = 8; p + 8 <= png.size();) {
    const size_t len = (size_t(png[p]) << 24) | (size_t(png[p + 1]) << 16) | (size_t(png[p + 2]) << 8) | png[p + 3];
    types.emplace_back(png.begin() + long(p + 4), png.begin() + long(p + 8));
    p += 12 + len;
  }
  return types;
}

}  // namespace

TEST_CASE("PNG frames carry pixels only: IHDR 8-bit RGB, IDAT, IEND, no time stamp") {
  Image img{33, 17, std::vector<float>(3 * 33 * 17)};
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = float((i * 7919) % 256) / 255.0f;
  const std::vector<uint8_t> png = encode_png(img);
  const std::vector<std::string> types = chunk_types(png);
  REQUIRE(types.size() >= 3);
  CHECK(types.front() == "IHDR");
  CHECK(types.back() == "IEND");
  for (size_t i = 1; i + 1 < types.size(); ++i) CHECK(types[i] == "IDAT");
  // IHDR: width 33, height 17, depth 8, colour type 2 (RGB), no interlace.
  CHECK(std::vector<uint8_t>(png.begin() + 16, png.begin() + 29) ==
        std::vector<uint8_t>{0, 0, 0, 33, 0, 0, 0, 17, 8, 2, 0, 0, 0});
}

TEST_CASE("bad image files are InputError naming the file") {
  const std::string missing = tmp_dir() + "/missing.png";
  CHECK_THROWS_WITH(load_image(missing), Catch::Contains(missing));

  const std::string corrupt = tmp_dir() + "/corrupt.png";
  std::ifstream src(kDir + "formula.png", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(src)), {});
  std::ofstream(corrupt, std::ios::binary) << bytes.substr(0, bytes.size() / 2);  // truncated
  CHECK_THROWS_AS(load_image(corrupt), InputError);
  CHECK_THROWS_WITH(load_image(corrupt), Catch::Contains(corrupt));

  const std::string text = tmp_dir() + "/text.png";
  std::ofstream(text) << "not an image at all\n";
  CHECK_THROWS_WITH(load_image(text), Catch::Contains(text) && Catch::Contains("PNG or JPEG"));

  const std::string empty = tmp_dir() + "/empty.jpg";
  std::ofstream(empty).flush();
  CHECK_THROWS_AS(load_image(empty), InputError);

  // 40 x 24 = 960 pixels: over a limit of 959, fine at 960.
  CHECK_THROWS_WITH(load_image(kDir + "formula.png", 959), Catch::Contains("above the limit"));
  CHECK_NOTHROW(load_image(kDir + "formula.png", 960));
}

TEST_CASE("saving into a missing directory is InputError and leaves nothing behind") {
  Image img{8, 8, std::vector<float>(3 * 64, 0.5f)};
  CHECK_THROWS_AS(save_png(img, tmp_dir() + "/no/such/dir/x.png"), InputError);
}
