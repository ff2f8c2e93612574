// The image codecs behind image_io.h, from Debian's libraries: JPEG by libjpeg-turbo (the
// classic jpeglib.h API), PNG by libpng, both reading a file held in memory and both
// returning interleaved 8-bit RGB. Each checks width * height against `max_pixels` from the
// header, before anything image-sized is allocated, and turns every library error into one
// InputError line naming `path` (which only names the file in messages).
//
// The libraries report errors by longjmp. Each decoder is split so that the function holding
// setjmp and the callbacks libjpeg/libpng call have only trivially destructible locals; the
// C++ objects (the pixel vector, the library state's cleanup) live in the caller's frame, which
// a longjmp never skips.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zoomrt {

// Interleaved 8-bit RGB, [height, width, 3], row-major.
struct Rgb8 {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
};

// True when `data` starts with the JPEG SOI marker (FF D8) / the PNG signature.
bool is_jpeg(const uint8_t* data, size_t size);
bool is_png(const uint8_t* data, size_t size);

// JPEG: baseline, extended, progressive and arithmetic-coded 8-bit files with 1 (grey,
// expanded to RGB) or 3 components (YCbCr, or RGB by Adobe marker / component ids), decoded
// with libjpeg-turbo's defaults, which are Pillow's: the "islow" integer IDCT and "fancy"
// (triangular) chroma upsampling. Refused: CMYK and YCCK ("unsupported JPEG"; we do not guess
// an ink profile), more than kMaxJpegScans scans, and anything libjpeg calls an error or a
// warning (a truncated file, corrupt entropy data, extraneous bytes): libjpeg would fill what
// is missing with grey, we say the file is corrupt. Messages:
//   "<path>: corrupt or unsupported JPEG (<libjpeg's message>)"
//   "<path>: unsupported JPEG (<N> components in <colour space>, only grey or colour)"
//   "<path>: unsupported JPEG (more than 500 scans)"
inline constexpr int kMaxJpegScans = 500;
Rgb8 decode_jpeg(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels);

// PNG: every colour type and bit depth, interlaced or not, normalised to 8-bit RGB exactly as
// stb_image did before (tests/runtime_image_decode_test.cpp): 16-bit samples keep their high
// byte, 1/2/4-bit grey is scaled to 0..255 by bit replication, palettes are expanded, grey is
// copied to R, G and B, alpha (an alpha channel or tRNS) is dropped, gAMA/sRGB/iCCP are not
// applied. libpng checks CRCs and the zlib stream: a corrupt critical chunk is refused
// (a corrupt ancillary chunk is skipped). Limits before any pixel allocation: width and height
// each at most `max_pixels` (png_set_user_limits), then width * height, ancillary chunks at most
// 8 MiB once decompressed and 1000 of them. Message: "<path>: corrupt PNG (<libpng's message>)".
Rgb8 decode_png(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels);

// PNG bytes of 8-bit RGB pixels: libpng with zlib level 6 and libpng's default adaptive
// per-row filter choice, no ancillary chunks (no time stamp), so the same pixels give the same
// bytes with the same libpng/zlib.
std::vector<uint8_t> encode_png_rgb8(const uint8_t* rgb, int width, int height);

}  // namespace zoomrt
