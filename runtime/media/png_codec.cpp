// PNG start images and frames through libpng (runtime/media/decoders.h).
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <stdexcept>

#include "base/error.h"
#include "runtime/media/decoders.h"
#include "runtime/media/image_io.h"

namespace zoomrt {
namespace {

constexpr png_alloc_size_t kMaxChunkBytes = 8u << 20;  // one ancillary chunk, decompressed
constexpr png_uint_32 kMaxChunks = 1000;               // ancillary chunks kept in memory
constexpr int kCompressionLevel = 6;                   // zlib's default

// What libpng's callbacks see: the error text and the jump back, the bytes being read, the
// bytes being written. Owned by the C++ caller; the callbacks only touch plain members.
struct PngIo {
  std::jmp_buf jump;
  char message[400] = {};
  char warning[160] = {};  // libpng's first warning, which often says why the error came
  const uint8_t* in = nullptr;
  size_t in_size = 0;
  size_t in_pos = 0;
  std::vector<uint8_t>* out = nullptr;
};

PngIo& io_of(png_structp png) { return *static_cast<PngIo*>(png_get_error_ptr(png)); }

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  PngIo& io = io_of(png);
  if (io.warning[0] != 0)
    std::snprintf(io.message, sizeof io.message, "%s; libpng warned first: %s", message, io.warning);
  else
    std::snprintf(io.message, sizeof io.message, "%s", message);
  std::longjmp(io.jump, 1);
}

// Warnings alone do not stop a decode (e.g. a known-bad iCCP profile, a corrupt ancillary
// chunk skipped); the first is kept for the message of an error that follows it (a width above
// the user limit is a warning, then "Invalid IHDR data").
void on_warning(png_structp png, png_const_charp message) {
  PngIo& io = io_of(png);
  if (io.warning[0] == 0) std::snprintf(io.warning, sizeof io.warning, "%s", message);
}

void read_bytes(png_structp png, png_bytep dst, size_t n) {
  PngIo& io = io_of(png);
  if (n > io.in_size - io.in_pos) png_error(png, "file ends early");
  std::memcpy(dst, io.in + io.in_pos, n);
  io.in_pos += n;
}

void write_bytes(png_structp png, png_bytep src, size_t n) {
  PngIo& io = io_of(png);
  bool failed = false;
  try {
    io.out->insert(io.out->end(), src, src + n);
  } catch (const std::bad_alloc&) {
    failed = true;
  }
  if (failed) png_error(png, "out of memory");  // outside the catch: no exception object left live
}

void flush_nothing(png_structp) {}

enum class Outcome { kDone, kLibraryError, kTooManyPixels };

struct PngJob {
  int64_t max_pixels;
  std::vector<uint8_t>* rgb;
  int width = 0;
  int height = 0;
};

// The setjmp frame for reading: trivially destructible locals only. The caller destroys the
// read struct whatever happens here.
Outcome run_png_read(png_structp png, png_infop info, PngIo* io, PngJob* job) {
  if (setjmp(io->jump) != 0) return Outcome::kLibraryError;
  const png_uint_32 side = png_uint_32(std::min<int64_t>(job->max_pixels, PNG_UINT_31_MAX));
  png_set_user_limits(png, side, side);
  png_set_chunk_malloc_max(png, kMaxChunkBytes);
  png_set_chunk_cache_max(png, kMaxChunks);
  png_set_read_fn(png, io, read_bytes);
  png_read_info(png, info);
  job->width = int(png_get_image_width(png, info));
  job->height = int(png_get_image_height(png, info));
  if (int64_t(job->width) * int64_t(job->height) > job->max_pixels) return Outcome::kTooManyPixels;
  // To 8-bit RGB the way stb_image did: high byte of 16-bit samples, grey bit-replicated to
  // 8 bits and copied to R, G, B, palette expanded, alpha and tRNS dropped, no gamma.
  const int colour = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (depth == 16) png_set_strip_16(png);
  if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((colour & PNG_COLOR_MASK_COLOR) == 0) {
    if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  png_set_strip_alpha(png);
  const int passes = png_set_interlace_handling(png);  // 7 for Adam7, else 1
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8)
    png_error(png, "colour type not reducible to 8-bit RGB");
  const size_t stride = size_t(job->width) * 3;
  if (png_get_rowbytes(png, info) != stride) png_error(png, "unexpected row size");
  job->rgb->resize(stride * size_t(job->height));
  // Every pass over the same rows: libpng fills in each pass's pixels.
  for (int pass = 0; pass < passes; ++pass)
    for (int y = 0; y < job->height; ++y) png_read_row(png, job->rgb->data() + stride * size_t(y), nullptr);
  png_read_end(png, nullptr);  // on to IEND, CRCs checked
  return Outcome::kDone;
}

// The setjmp frame for writing.
bool run_png_write(png_structp png, png_infop info, PngIo* io, const uint8_t* rgb, int width, int height) {
  if (setjmp(io->jump) != 0) return false;
  png_set_write_fn(png, io, write_bytes, flush_nothing);
  png_set_compression_level(png, kCompressionLevel);
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t stride = size_t(width) * 3;
  for (int y = 0; y < height; ++y) png_write_row(png, rgb + stride * size_t(y));
  png_write_end(png, nullptr);
  return true;
}

// libpng's read and write state, destroyed on every way out of the caller (an exception from
// the setjmp frame, e.g. std::bad_alloc for the pixels, included).
struct ReadStruct {
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit ReadStruct(PngIo* io) {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
    if (!info) {
      png_destroy_read_struct(&png, nullptr, nullptr);
      throw std::bad_alloc();
    }
  }
  ~ReadStruct() { png_destroy_read_struct(&png, &info, nullptr); }
  ReadStruct(const ReadStruct&) = delete;
  ReadStruct& operator=(const ReadStruct&) = delete;
};

struct WriteStruct {
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit WriteStruct(PngIo* io) {
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
    if (!info) {
      png_destroy_write_struct(&png, nullptr);
      throw std::bad_alloc();
    }
  }
  ~WriteStruct() { png_destroy_write_struct(&png, &info); }
  WriteStruct(const WriteStruct&) = delete;
  WriteStruct& operator=(const WriteStruct&) = delete;
};

}  // namespace

bool is_png(const uint8_t* data, size_t size) { return size >= 8 && png_sig_cmp(data, 0, 8) == 0; }

Rgb8 decode_png(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels) {
  Rgb8 out;
  PngIo io;
  io.in = data;
  io.in_size = size;
  ReadStruct s(&io);
  PngJob job{max_pixels, &out.rgb};
  const Outcome outcome = run_png_read(s.png, s.info, &io, &job);
  if (outcome == Outcome::kLibraryError) fail_input("{}: corrupt PNG ({})", path, io.message);
  if (outcome == Outcome::kTooManyPixels) check_image_pixels(path, job.width, job.height, max_pixels);
  out.width = job.width;
  out.height = job.height;
  return out;
}

std::vector<uint8_t> encode_png_rgb8(const uint8_t* rgb, int width, int height) {
  std::vector<uint8_t> out;
  PngIo io;
  io.out = &out;
  WriteStruct s(&io);
  const bool ok = run_png_write(s.png, s.info, &io, rgb, width, height);
  if (!ok) throw std::runtime_error(std::string("libpng could not encode a frame: ") + io.message);
  return out;
}

}  // namespace zoomrt
