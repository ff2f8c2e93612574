// The JPEG decoder's pixel stage: dequantisation and 8x8 inverse DCT, chroma upsampling and
// colour conversion. Each step uses the arithmetic of libjpeg-turbo's defaults (what Pillow
// decodes with), so that decoded pixels agree with it bit for bit on valid files:
//  - IDCT: the "islow" integer algorithm (Loeffler, Ligtenberg, Moschytz 1989) with 13-bit
//    constants and 2 extra bits between the column and the row pass; int64 here, so corrupt
//    coefficients cannot overflow.
//  - upsampling: "fancy" triangular filters, 3/4 nearer + 1/4 further sample, with libjpeg's
//    rounding biases, edges replicated.
//  - YCbCr -> RGB: 16-bit fixed point, ITU-R BT.601 full range as JFIF defines it.
#include <algorithm>

#include "runtime/media/jpeg_internal.h"

namespace zoomrt::jpeg {
namespace {

constexpr int kConstBits = 13;
constexpr int kPass1Bits = 2;
constexpr int64_t fix13(double x) { return int64_t(x * (1 << kConstBits) + 0.5); }

// One 1-D IDCT of 8 values, results scaled by 2^kConstBits (T.81 A.3.3 via the LL&M flowgraph).
inline void idct_1d(const int64_t in[8], int64_t out[8]) {
  // Even part: in[0], in[2], in[4], in[6].
  const int64_t z1 = (in[2] + in[6]) * fix13(0.541196100);
  const int64_t e2 = z1 - in[6] * fix13(1.847759065);
  const int64_t e3 = z1 + in[2] * fix13(0.765366865);
  const int64_t e0 = (in[0] + in[4]) * (int64_t(1) << kConstBits);
  const int64_t e1 = (in[0] - in[4]) * (int64_t(1) << kConstBits);
  const int64_t t10 = e0 + e3, t13 = e0 - e3, t11 = e1 + e2, t12 = e1 - e2;
  // Odd part: in[7], in[5], in[3], in[1].
  int64_t o0 = in[7], o1 = in[5], o2 = in[3], o3 = in[1];
  const int64_t z5 = (o0 + o2 + o1 + o3) * fix13(1.175875602);
  const int64_t za = (o0 + o3) * -fix13(0.899976223);
  const int64_t zb = (o1 + o2) * -fix13(2.562915447);
  const int64_t zc = (o0 + o2) * -fix13(1.961570560) + z5;
  const int64_t zd = (o1 + o3) * -fix13(0.390180644) + z5;
  o0 = o0 * fix13(0.298631336) + za + zc;
  o1 = o1 * fix13(2.053119869) + zb + zd;
  o2 = o2 * fix13(3.072711026) + zb + zc;
  o3 = o3 * fix13(1.501321110) + za + zd;
  out[0] = t10 + o3;
  out[7] = t10 - o3;
  out[1] = t11 + o2;
  out[6] = t11 - o2;
  out[2] = t12 + o1;
  out[5] = t12 - o1;
  out[3] = t13 + o0;
  out[4] = t13 - o0;
}

inline int64_t descale(int64_t x, int n) { return (x + (int64_t(1) << (n - 1))) >> n; }

inline uint8_t clamp_u8(int64_t v) { return uint8_t(std::clamp<int64_t>(v, 0, 255)); }

// Coefficients of one block (natural order) times `q` -> 8x8 samples at out[y * stride + x].
void idct_block(const int16_t* coef, const uint16_t* q, uint8_t* out, size_t stride) {
  int64_t ws[64];
  int64_t in[8], res[8];
  for (int x = 0; x < 8; ++x) {  // columns
    bool ac_zero = true;
    for (int y = 1; y < 8; ++y) ac_zero &= coef[y * 8 + x] == 0;
    if (ac_zero) {  // the same value the full pass computes, cheaper
      const int64_t dc = int64_t(coef[x]) * q[x] * (1 << kPass1Bits);
      for (int y = 0; y < 8; ++y) ws[y * 8 + x] = dc;
      continue;
    }
    for (int y = 0; y < 8; ++y) in[y] = int64_t(coef[y * 8 + x]) * q[y * 8 + x];
    idct_1d(in, res);
    for (int y = 0; y < 8; ++y) ws[y * 8 + x] = descale(res[y], kConstBits - kPass1Bits);
  }
  for (int y = 0; y < 8; ++y) {  // rows; + 3 bits: the 1/8 of the 2-D transform
    uint8_t* row = out + size_t(y) * stride;
    const int64_t* w = ws + y * 8;
    if ((w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) == 0) {  // flat row: same value as the full pass
      std::fill(row, row + 8, clamp_u8(descale(w[0], kPass1Bits + 3) + 128));
      continue;
    }
    idct_1d(w, res);
    for (int x = 0; x < 8; ++x) row[x] = clamp_u8(descale(res[x], kConstBits + kPass1Bits + 3) + 128);
  }
}

struct Plane {
  int width = 0, height = 0;  // meaningful samples
  size_t stride = 0;
  std::vector<uint8_t> px;
};

Plane idct_component(const Component& c) {
  Plane p{c.width, c.height, size_t(c.scan_blocks_w) * 8, {}};
  p.px.resize(p.stride * size_t(c.scan_blocks_h) * 8);
  for (int by = 0; by < c.scan_blocks_h; ++by)
    for (int bx = 0; bx < c.scan_blocks_w; ++bx)
      idct_block(c.coefs.data() + (size_t(by) * size_t(c.blocks_w) + size_t(bx)) * 64, c.quant.data(),
                 p.px.data() + size_t(by) * 8 * p.stride + size_t(bx) * 8, p.stride);
  return p;
}

// One output row of horizontal 2x fancy upsampling from `col` (n >= 1 filtered samples), 2n
// outputs: out[2i] = (3 col[i] + col[i-1] + bias_l) >> shift, out[2i+1] = (3 col[i] + col[i+1]
// + bias_r) >> shift, the outermost two taking 4 col[edge] instead.
void fancy_row_h2(const int* col, int n, uint8_t* out, int shift, int bias_l, int bias_r) {
  out[0] = uint8_t((4 * col[0] + bias_l) >> shift);
  for (int i = 1; i < n; ++i) out[2 * i] = uint8_t((3 * col[i] + col[i - 1] + bias_l) >> shift);
  for (int i = 0; i + 1 < n; ++i) out[2 * i + 1] = uint8_t((3 * col[i] + col[i + 1] + bias_r) >> shift);
  out[2 * n - 1] = uint8_t((4 * col[n - 1] + bias_r) >> shift);
}

// Upsamples `src` by fx x fy (each 1 or 2) to width x height with libjpeg's fancy filters.
Plane upsample(Plane src, int fx, int fy, int width, int height) {
  if (fx == 1 && fy == 1) return src;
  // Rows are 2 * src.width wide when fx == 2 (one more than `width` when it is odd).
  const size_t stride = fx == 2 ? 2 * size_t(src.width) : size_t(width);
  Plane dst{width, height, stride, std::vector<uint8_t>(stride * size_t(height))};
  std::vector<int> col(size_t(src.width));  // one source row, vertically filtered (x4 when fy == 2)
  for (int y = 0; y < height; ++y) {
    const int cur = fy == 2 ? y / 2 : y;
    const bool lower = fy == 2 && (y & 1) != 0;
    const int near = lower ? std::min(cur + 1, src.height - 1) : std::max(cur - 1, 0);
    const uint8_t* a = src.px.data() + size_t(cur) * src.stride;
    const uint8_t* b = src.px.data() + size_t(near) * src.stride;
    if (fy == 2)
      for (int i = 0; i < src.width; ++i) col[size_t(i)] = 3 * a[i] + b[i];
    else
      for (int i = 0; i < src.width; ++i) col[size_t(i)] = 4 * a[i];  // same filter as h2v2, in 16ths
    uint8_t* out = dst.px.data() + size_t(y) * dst.stride;
    if (fx == 1) {  // h1v2: quarters, bias 1 above, 2 below
      for (int x = 0; x < width; ++x) out[x] = uint8_t((col[size_t(x)] + (lower ? 2 : 1)) >> 2);
    } else if (fy == 2) {  // h2v2: 16ths, bias 8 left, 7 right
      fancy_row_h2(col.data(), src.width, out, 4, 8, 7);
    } else {  // h2v1: (3a + b + bias) >> 2 == (12a + 4b + 4 bias) >> 4 with bias 1 left, 2 right
      fancy_row_h2(col.data(), src.width, out, 4, 4, 8);
    }
  }
  return dst;
}

struct YccTables {
  int32_t cr_r[256], cb_b[256], cr_g[256], cb_g[256];
  YccTables() {
    constexpr int kBits = 16;
    constexpr int64_t kHalf = int64_t(1) << (kBits - 1);
    auto fix = [](double x) { return int64_t(x * (1 << kBits) + 0.5); };
    for (int i = 0; i < 256; ++i) {
      const int64_t x = i - 128;
      cr_r[i] = int32_t((fix(1.40200) * x + kHalf) >> kBits);
      cb_b[i] = int32_t((fix(1.77200) * x + kHalf) >> kBits);
      cr_g[i] = int32_t(-fix(0.71414) * x);
      cb_g[i] = int32_t(-fix(0.34414) * x + kHalf);
    }
  }
};

}  // namespace

std::vector<uint8_t> frame_to_rgb(Frame& f) {
  std::array<Plane, kMaxComponents> planes;
  for (int i = 0; i < f.ncomp; ++i) {
    Component& c = f.comp[size_t(i)];
    planes[size_t(i)] = upsample(idct_component(c), f.hmax / c.h, f.vmax / c.v, f.width, f.height);
    c.coefs = {};  // no longer needed: keeps the peak at one copy of the image per stage
  }
  std::vector<uint8_t> rgb(size_t(f.width) * size_t(f.height) * 3);
  static const YccTables t;
  for (int y = 0; y < f.height; ++y) {
    uint8_t* out = rgb.data() + size_t(y) * size_t(f.width) * 3;
    const uint8_t* p0 = planes[0].px.data() + size_t(y) * planes[0].stride;
    if (f.ncomp == 1) {
      for (int x = 0; x < f.width; ++x) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = p0[x];
      continue;
    }
    const uint8_t* p1 = planes[1].px.data() + size_t(y) * planes[1].stride;
    const uint8_t* p2 = planes[2].px.data() + size_t(y) * planes[2].stride;
    for (int x = 0; x < f.width; ++x) {
      if (f.rgb) {
        out[3 * x] = p0[x], out[3 * x + 1] = p1[x], out[3 * x + 2] = p2[x];
        continue;
      }
      const int yy = p0[x], cb = p1[x], cr = p2[x];
      out[3 * x] = clamp_u8(yy + t.cr_r[cr]);
      out[3 * x + 1] = clamp_u8(yy + ((t.cb_g[cb] + t.cr_g[cr]) >> 16));
      out[3 * x + 2] = clamp_u8(yy + t.cb_b[cb]);
    }
  }
  return rgb;
}

}  // namespace zoomrt::jpeg
