// Image files: PNG/JPEG in, PNG out, and the float <-> 8-bit conversion the zoom uses.
//
// Images are zoomrt::Image (runtime/media/image.h): planar RGB [3, height, width], float in [0, 1].
// Decoding picks the format by signature: PNG goes to libpng (any bit depth is reduced to
// 8 bits, alpha is dropped), JPEG (FF D8) to libjpeg-turbo (runtime/media/decoders.h); grey is
// expanded to RGB. Encoding uses libpng with fixed settings, which is deterministic, and every
// file is written atomically (temporary name, then rename), so a killed run never leaves a half PNG.
// Bad input (missing, unreadable, corrupt or oversized file) throws InputError naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/media/image.h"

namespace zoomrt {

// Refuse to decode images with more pixels than this (width * height); 64 Mpx by default.
inline constexpr int64_t kDefaultMaxImagePixels = 64'000'000;

// Float -> uint8 exactly as diffusers' numpy_to_pil: (clamp(x, 0, 1) * 255).round() in float32,
// numpy's round being round-half-to-even. NaN maps to 0.
uint8_t to_u8(float x);

// Rounds every value to the nearest of the 256 levels to_u8 produces (x -> to_u8(x) / 255),
// so an image reused after quantisation equals the same image read back from its PNG.
void quantize_u8(Image& img);

// Interleaved 8-bit RGB [height, width, 3] <-> Image.
std::vector<uint8_t> to_rgb8(const Image& img);
Image from_rgb8(const uint8_t* rgb, int width, int height);

// InputError "<path>: image is WxH = N pixels, above the limit of M (raise it with
// --max-image-pixels)" when width * height > max_pixels; decoders call it before allocating.
void check_image_pixels(const std::string& path, int64_t width, int64_t height, int64_t max_pixels);

// Decodes a PNG or JPEG file. InputError: missing/unreadable file, corrupt data, more than
// `max_pixels` pixels.
Image load_image(const std::string& path, int64_t max_pixels = kDefaultMaxImagePixels);

// PNG bytes of `img` (8-bit RGB, quantised with to_u8). Same image -> same bytes.
std::vector<uint8_t> encode_png(const Image& img);

// Writes encode_png(img) to `path` atomically. InputError when the file cannot be written.
void save_png(const Image& img, const std::string& path);

}  // namespace zoomrt
