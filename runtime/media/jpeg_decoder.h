// Our own JPEG decoder (ITU T.81), so that image input from strangers never runs code we cannot
// fix (Debian's stb_image JPEG path has memory-unsafe corners on corrupt input; issue 5).
//
// Supported: Huffman-coded baseline/extended sequential (SOF0/SOF1) and progressive (SOF2) JPEG,
// 8-bit samples, 1 component (grey) or 3 (YCbCr; RGB when an Adobe APP14 segment says
// "no transform" or the component ids are 'R','G','B'), sampling factors 1..2 per axis (4:4:4,
// 4:2:2, 4:2:0, 4:4:0), restart intervals. APPn/COM segments are skipped.
// Refused as "unsupported": arithmetic coding, 12/16-bit samples, lossless and hierarchical
// frames, CMYK/YCCK, other component counts or sampling factors, DNL-defined heights, more
// than 500 scans.
//
// Output matches libjpeg-turbo's default decoder (what Pillow uses) closely: the same
// integer "islow" IDCT (Loeffler-Ligtenberg-Moschytz with 13-bit constants), libjpeg-style
// "fancy" (triangular) chroma upsampling, and the same fixed-point YCbCr -> RGB conversion.
// The only intended differences are out-of-range samples from corrupt data (clamped here,
// wrapped there) and the right edge of 1-sample-wide subsampled chroma (replicated here).
//
// Safety contract: every read is bounds-checked and every table index validated; width*height
// is checked against `max_pixels` before anything image-sized is allocated; memory is linear
// in width*height; time is linear in file size + pixels (at most 500 scans, and progressive
// scans must follow the T.81 successive-approximation order, so no coefficient is revisited
// more than 14 times; a scan whose data runs out fails at once instead of decoding zeros); no
// recursion. Every failure is an InputError with one line:
//   "<path>: corrupt JPEG (<what>)" or "<path>: unsupported JPEG (<what>)",
// or the shared pixel-limit message of runtime/media/image_io.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zoomrt {

// Decoded pixels: interleaved 8-bit RGB, [height, width, 3], row-major.
struct JpegPixels {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
};

// True when `data` starts with the JPEG SOI marker (FF D8).
bool is_jpeg(const uint8_t* data, size_t size);

// Decodes a whole JPEG file held in memory. `path` only names the file in messages.
JpegPixels decode_jpeg(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels);

}  // namespace zoomrt
