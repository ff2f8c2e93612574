// Float <-> 8-bit conversion, and the file side: read, dispatch by signature to the libpng /
// libjpeg-turbo codecs (runtime/media/decoders.h), write atomically.
#include "runtime/media/image_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/input_file.h"
#include "runtime/media/decoders.h"

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
  const std::string text = read_input_file(path, kMaxImageBytes, "image");
  return std::vector<uint8_t>(text.begin(), text.end());
}

void check_image_pixels(const std::string& path, int64_t width, int64_t height, int64_t max_pixels) {
  if (width * height > max_pixels)
    fail_input("{}: image is {}x{} = {} pixels, above the limit of {} (raise it with --max-image-pixels)", path, width,
               height, width * height, max_pixels);
}

Image load_image(const std::string& path, int64_t max_pixels) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.empty()) fail_input("{}: empty file, not a PNG or JPEG image", path);
  // Dispatch on the signature only: libpng and libjpeg never see the other's files.
  Rgb8 px;
  if (is_png(bytes.data(), bytes.size()))
    px = decode_png(bytes.data(), bytes.size(), path, max_pixels);
  else if (is_jpeg(bytes.data(), bytes.size()))
    px = decode_jpeg(bytes.data(), bytes.size(), path, max_pixels);
  else
    fail_input("{}: not a PNG or JPEG image", path);
  return from_rgb8(px.rgb.data(), px.width, px.height);
}

std::vector<uint8_t> encode_png(const Image& img) {
  const std::vector<uint8_t> rgb = to_rgb8(img);
  return encode_png_rgb8(rgb.data(), img.width, img.height);
}

void save_png(const Image& img, const std::string& path) {
  const std::vector<uint8_t> png = encode_png(img);
  AtomicFile f(path);
  f.write(png.data(), png.size());
  f.commit();
}

}  // namespace zoomrt
