// stb_image / stb_image_write are header-only; this file holds their one implementation.
#include "runtime/image_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "weights/atomic_file.h"
#include "weights/error.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace zoomrt {

uint8_t to_u8(float x) {
  if (!(x > 0.0f)) return 0;  // also NaN
  if (x >= 1.0f) return 255;
  // float32 product like numpy on float32 arrays; nearbyint rounds half to even like np.round.
  return uint8_t(std::nearbyint(x * 255.0f));
}

void quantize_u8(Image& img) {
  for (float& v : img.rgb) v = float(to_u8(v)) / 255.0f;
}

std::vector<uint8_t> to_rgb8(const Image& img) {
  const size_t n = size_t(img.width) * size_t(img.height);
  std::vector<uint8_t> out(n * 3);
  for (int c = 0; c < 3; ++c) {
    const float* p = img.plane(c);
    for (size_t i = 0; i < n; ++i) out[i * 3 + size_t(c)] = to_u8(p[i]);
  }
  return out;
}

Image from_rgb8(const uint8_t* rgb, int width, int height) {
  Image img;
  img.width = width;
  img.height = height;
  const size_t n = size_t(width) * size_t(height);
  img.rgb.resize(n * 3);
  for (int c = 0; c < 3; ++c) {
    float* p = img.plane(c);
    for (size_t i = 0; i < n; ++i) p[i] = float(rgb[i * 3 + size_t(c)]) / 255.0f;
  }
  return img;
}

static std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail_input("{}: cannot open image: {}", path, std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.insert(bytes.end(), buf, buf + got);
  if (std::ferror(f.get())) fail_input("{}: cannot read image: {}", path, std::strerror(errno));
  return bytes;
}

// Debian's stb_image does not check that a JPEG Huffman table (DHT segment) declares at most
// 256 codes, and then writes past its 257-entry tables (found by the image fuzzer; the input
// is tests/fuzz/regressions/image/). Every DHT segment is checked here before stb sees the
// file: segments are walked by their lengths as stb does, entropy-coded data after a scan
// header is skipped up to the next marker, and counts past the end of the file read as 0.
static void check_jpeg_huffman_tables(const std::vector<uint8_t>& b, const std::string& path) {
  // PNGs are left alone (their compressed data may hold FF C4); anything else stb might take for
  // a JPEG (it skips fill bytes before SOI, so no fixed header check) is scanned.
  static const uint8_t kPng[4] = {0x89, 'P', 'N', 'G'};
  if (b.size() >= 4 && std::equal(kPng, kPng + 4, b.begin())) return;
  // Every FF C4 (DHT) anywhere in the file, not only where our marker walk would find one: stb's
  // own walk can desynchronise differently on corrupt input. In valid files FF C4 only starts a
  // DHT segment (scan data stuffs FF with 00), so this refuses no valid JPEG in practice.
  for (size_t i = 2; i + 3 < b.size(); ++i) {
    if (b[i] != 0xFF || b[i + 1] != 0xC4) continue;
    const size_t len = (size_t(b[i + 2]) << 8) | b[i + 3];
    const size_t end = i + 2 + len;
    for (size_t t = i + 4; t < end && t < b.size();) {  // one table: class/id, 16 counts, values
      size_t codes = 0;
      for (size_t k = 1; k <= 16; ++k) codes += t + k < b.size() ? b[t + k] : 0;
      if (codes > 256) fail_input("{}: corrupt JPEG (a Huffman table declares {} codes, at most 256)", path, codes);
      t += 17 + codes;
    }
  }
}

Image load_image(const std::string& path, int64_t max_pixels) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.empty()) fail_input("{}: empty file, not a PNG or JPEG image", path);
  if (bytes.size() > size_t(INT32_MAX)) fail_input("{}: file too large for an image", path);
  check_jpeg_huffman_tables(bytes, path);
  int w = 0, h = 0, comp = 0;
  // Header first: the pixel limit is checked before any large allocation.
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp))
    fail_input("{}: not a readable PNG or JPEG image ({})", path, stbi_failure_reason());
  if (w <= 0 || h <= 0) fail_input("{}: image has no pixels", path);
  if (int64_t(w) * int64_t(h) > max_pixels)
    fail_input("{}: image is {}x{} = {} pixels, above the limit of {} (raise it with --max-image-pixels)", path, w,
               h, int64_t(w) * h, max_pixels);
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp, 3), &stbi_image_free);
  if (!data) fail_input("{}: corrupt image ({})", path, stbi_failure_reason());
  return from_rgb8(data.get(), w, h);
}

static void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

std::vector<uint8_t> encode_png(const Image& img) {
  const std::vector<uint8_t> rgb = to_rgb8(img);
  std::vector<uint8_t> png;
  if (!stbi_write_png_to_func(&append_bytes, &png, img.width, img.height, 3, rgb.data(), img.width * 3))
    throw std::runtime_error("stbi_write_png_to_func failed");
  return png;
}

void save_png(const Image& img, const std::string& path) {
  const std::vector<uint8_t> png = encode_png(img);
  AtomicFile f(path);
  f.write(png.data(), png.size());
  f.commit();
}

}  // namespace zoomrt
