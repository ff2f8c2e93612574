// JPEG start images through libjpeg-turbo's jpeglib.h API (runtime/media/decoders.h).
#include <csetjmp>
#include <cstdio>
#include <cstring>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include "base/error.h"
#include "runtime/media/decoders.h"
#include "runtime/media/image_io.h"

namespace zoomrt {
namespace {

// The error manager libjpeg calls. `mgr` comes first so that cinfo->err points at the whole.
struct JpegErrors {
  jpeg_error_mgr mgr;
  jpeg_progress_mgr progress;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 32];
};

JpegErrors& errors_of(j_common_ptr cinfo) { return *reinterpret_cast<JpegErrors*>(cinfo->err); }

[[noreturn]] void on_error(j_common_ptr cinfo) {
  JpegErrors& e = errors_of(cinfo);
  (*cinfo->err->format_message)(cinfo, e.message);
  std::longjmp(e.jump, 1);
}

// Level -1 is a warning (corrupt data that libjpeg would paper over): an error for us.
// Levels >= 0 are trace messages: ignored.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);
}

// Called while libjpeg reads a multi-scan file; the scan limit bounds the time a file of
// thousands of tiny progressive scans can cost (each scan walks all its blocks).
void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number <= kMaxJpegScans) return;
  JpegErrors& e = errors_of(cinfo);
  std::snprintf(e.message, sizeof e.message, "more than %d scans", kMaxJpegScans);
  std::longjmp(e.jump, 2);
}

enum class Outcome { kDecoded, kLibraryError, kTooManyScans, kTooManyPixels, kColourSpace };

// What the setjmp frame reads and fills; owned by decode_jpeg's frame.
struct JpegJob {
  const uint8_t* data;
  size_t size;
  int64_t max_pixels;
  std::vector<uint8_t>* rgb;
  int width = 0;
  int height = 0;
  int components = 0;
  J_COLOR_SPACE colour = JCS_UNKNOWN;
};

// The setjmp frame: trivially destructible locals only, nothing read after a longjmp but
// `job` and the error text. The caller destroys `cinfo` whatever happens here.
Outcome run_libjpeg(jpeg_decompress_struct* cinfo, JpegErrors* err, JpegJob* job) {
  switch (setjmp(err->jump)) {  // setjmp as a whole controlling expression, as C requires
    case 0: break;
    case 2: return Outcome::kTooManyScans;
    default: return Outcome::kLibraryError;
  }
  jpeg_create_decompress(cinfo);
  cinfo->progress = &err->progress;
  jpeg_mem_src(cinfo, job->data, static_cast<unsigned long>(job->size));
  jpeg_read_header(cinfo, TRUE);
  job->width = int(cinfo->image_width);
  job->height = int(cinfo->image_height);
  job->components = cinfo->num_components;
  job->colour = cinfo->jpeg_color_space;
  // From the header, before libjpeg allocates anything image-sized (jpeg_start_decompress).
  if (int64_t(cinfo->image_width) * int64_t(cinfo->image_height) > job->max_pixels) return Outcome::kTooManyPixels;
  if (cinfo->jpeg_color_space != JCS_GRAYSCALE && cinfo->jpeg_color_space != JCS_YCbCr &&
      cinfo->jpeg_color_space != JCS_RGB)
    return Outcome::kColourSpace;
  cinfo->out_color_space = JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;         // libjpeg's default and Pillow's
  cinfo->do_fancy_upsampling = TRUE;      // the same
  jpeg_start_decompress(cinfo);
  const size_t stride = size_t(cinfo->output_width) * 3;
  job->rgb->resize(stride * cinfo->output_height);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = job->rgb->data() + stride * cinfo->output_scanline;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);  // reads on to EOI: a missing EOI is a warning, so an error
  return Outcome::kDecoded;
}

const char* colour_name(J_COLOR_SPACE c) {
  switch (c) {
    case JCS_CMYK: return "CMYK";
    case JCS_YCCK: return "YCCK";
    default: return "an unknown colour space";
  }
}

// libjpeg's state, destroyed on every way out of decode_jpeg (an exception from the setjmp
// frame, e.g. std::bad_alloc for the pixels, included). jpeg_destroy_decompress is safe on a
// zeroed or half-created struct: it checks cinfo.mem.
struct Decompressor {
  jpeg_decompress_struct cinfo;
  Decompressor() { std::memset(&cinfo, 0, sizeof cinfo); }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
};

}  // namespace

bool is_jpeg(const uint8_t* data, size_t size) { return size >= 2 && data[0] == 0xFF && data[1] == 0xD8; }

Rgb8 decode_jpeg(const uint8_t* data, size_t size, const std::string& path, int64_t max_pixels) {
  Rgb8 out;
  JpegErrors err;
  std::memset(&err, 0, sizeof err);
  jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error;
  err.mgr.emit_message = on_message;
  err.progress.progress_monitor = on_progress;
  Decompressor d;
  d.cinfo.err = &err.mgr;
  JpegJob job{data, size, max_pixels, &out.rgb};
  const Outcome outcome = run_libjpeg(&d.cinfo, &err, &job);
  switch (outcome) {
    case Outcome::kDecoded: break;
    case Outcome::kLibraryError: fail_input("{}: corrupt or unsupported JPEG ({})", path, err.message);
    case Outcome::kTooManyScans: fail_input("{}: unsupported JPEG ({})", path, err.message);
    case Outcome::kTooManyPixels: check_image_pixels(path, job.width, job.height, max_pixels); break;
    case Outcome::kColourSpace:
      fail_input("{}: unsupported JPEG ({} components in {}, only grey or colour; convert it to RGB first)", path,
                 job.components, colour_name(job.colour));
  }
  out.width = job.width;
  out.height = job.height;
  return out;
}

}  // namespace zoomrt
