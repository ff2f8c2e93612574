// stb_image / stb_image_write are header-only; this file holds their one implementation, PNG
// only: JPEG goes to our own decoder (runtime/media/jpeg_decoder.h), whose failures we can fix.
#include "runtime/media/image_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "runtime/media/jpeg_decoder.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "base/input_file.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
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
  const std::string text = read_input_file(path, kMaxImageBytes, "image");
  return std::vector<uint8_t>(text.begin(), text.end());
}

void check_image_pixels(const std::string& path, int64_t width, int64_t height, int64_t max_pixels) {
  if (width * height > max_pixels)
    fail_input("{}: image is {}x{} = {} pixels, above the limit of {} (raise it with --max-image-pixels)", path, width,
               height, width * height, max_pixels);
}

static bool is_png(const std::vector<uint8_t>& b) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return b.size() >= 8 && std::equal(kSignature, kSignature + 8, b.begin());
}

// stb_image grows its IDAT buffer to a chunk's declared length before it reads the chunk, so a
// forged length allocates up to 4 GB for a tiny file (found by the image fuzzer:
// tests/fuzz/regressions/image/png_idat_length_past_end.png). Every chunk is checked to lie
// inside the file first; then stb's buffers stay within twice the file size.
// Returns the offsets of empty IDAT chunks: stb copies an empty first IDAT from a null buffer
// (memcpy(NULL, .., 0), undefined behaviour; found by the image fuzzer:
// tests/fuzz/regressions/image/png_empty_first_idat.png), and they add nothing to the image data.
static std::vector<size_t> check_png_chunks(const std::vector<uint8_t>& b, const std::string& path) {
  std::vector<size_t> empty_idat;
  size_t p = 8;  // after the signature
  while (p < b.size()) {
    if (b.size() - p < 12) fail_input("{}: corrupt PNG (file ends inside a chunk header)", path);
    const size_t len = (size_t(b[p]) << 24) | (size_t(b[p + 1]) << 16) | (size_t(b[p + 2]) << 8) | b[p + 3];
    std::string type(b.begin() + long(p + 4), b.begin() + long(p + 8));
    for (char& ch : type)
      if (!std::isalpha(static_cast<unsigned char>(ch))) ch = '?';
    if (len > b.size() - p - 12)
      fail_input("{}: corrupt PNG (chunk {} of {} bytes runs past the end of the file)", path, type, len);
    if (len == 0 && type == "IDAT") empty_idat.push_back(p);
    p += 12 + len;
    if (type == "IEND") break;
  }
  return empty_idat;
}

// `b` without the 12-byte chunks at `offsets` (ascending).
static std::vector<uint8_t> without_chunks(const std::vector<uint8_t>& b, const std::vector<size_t>& offsets) {
  std::vector<uint8_t> out;
  out.reserve(b.size());
  size_t from = 0;
  for (size_t at : offsets) {
    out.insert(out.end(), b.begin() + long(from), b.begin() + long(at));
    from = at + 12;
  }
  out.insert(out.end(), b.begin() + long(from), b.end());
  return out;
}

static Image load_png(const std::vector<uint8_t>& file, const std::string& path, int64_t max_pixels) {
  const std::vector<size_t> empty_idat = check_png_chunks(file, path);
  const std::vector<uint8_t> cleaned = empty_idat.empty() ? std::vector<uint8_t>{} : without_chunks(file, empty_idat);
  const std::vector<uint8_t>& bytes = empty_idat.empty() ? file : cleaned;
  int w = 0, h = 0, comp = 0;
  // Header first: the pixel limit is checked before any large allocation.
  if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp))
    fail_input("{}: corrupt PNG ({})", path, stbi_failure_reason());
  if (w <= 0 || h <= 0) fail_input("{}: image has no pixels", path);
  check_image_pixels(path, w, h, max_pixels);
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp, 3), &stbi_image_free);
  if (!data) fail_input("{}: corrupt PNG ({})", path, stbi_failure_reason());
  return from_rgb8(data.get(), w, h);
}

Image load_image(const std::string& path, int64_t max_pixels) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.empty()) fail_input("{}: empty file, not a PNG or JPEG image", path);
  if (bytes.size() > size_t(INT32_MAX)) fail_input("{}: file too large for an image", path);
  // Dispatch on the signature only: stb (PNG) and our decoder (JPEG) never see the other's files.
  if (is_png(bytes)) return load_png(bytes, path, max_pixels);
  if (is_jpeg(bytes.data(), bytes.size())) {
    const JpegPixels px = decode_jpeg(bytes.data(), bytes.size(), path, max_pixels);
    return from_rgb8(px.rgb.data(), px.width, px.height);
  }
  fail_input("{}: not a PNG or JPEG image", path);
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
