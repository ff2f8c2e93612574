// Implicit-GEMM convolution: A sources for the GEMM driver that read the im2col matrix
// straight from the NHWC activation (in place, through a padded band, or gathered).
#include "kernels/conv/conv.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "kernels/conv/im2col.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/driver.h"

namespace zoomrt {

PackedConvWeights pack_conv2d_f32_for(const F32GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s) {
  PackedConvWeights p;
  p.k = k, p.c = c, p.r = r, p.s = s;
  p.gemm = pack_b_f32_for(kernel, kern::weights_krsc(w, k, c, r, s).data(), k, r * s * c, Layout::nk);
  return p;
}

PackedConvWeights pack_conv2d_f32(const float* w, int k, int c, int r, int s) {
  return pack_conv2d_f32_for(f32_gemm_default(), w, k, c, r, s);
}

PackedConvWeights pack_conv2d(const float* w, int k, int c, int r, int s, BFormat format, int group) {
  PackedConvWeights p;
  p.k = k, p.c = c, p.r = r, p.s = s;
  p.gemm = pack_b(kern::weights_krsc(w, k, c, r, s).data(), k, r * s * c, Layout::nk, format, group);
  return p;
}

namespace {

// Any r x s, stride, padding (where use_band says so): a view source (kernels/gemm/driver.h).
// Each task first copies the input rows its output rows need into a zero-padded band
// [rows][w + 2 pad][c] (its scratch: the input plus a halo of r - stride rows, not 9x the
// input as an im2col block would be). For kernel row r, the im2col row of output pixel
// (n, p, q) is then one contiguous run of s*c floats, band row (n, p*stride + r) from column
// q*stride, and neighbouring q of one output row are stride*c floats apart: the micro-kernel
// reads them in place with lda = stride*c. So k blocks stay within one kernel row
// (k_unit = s*c) and micro-rows within one output row.
struct PaddedBandA {
  const ConvShape& sh;
  const float* x;
  int hp = sh.h + 2 * sh.pad, wp = sh.w + 2 * sh.pad;  // padded input height and width

  int k_unit() const { return sh.s * sh.c; }
  size_t row_floats() const { return size_t(wp) * size_t(sh.c); }
  // Band rows for output rows [m0, m1): padded rows (n*hp + p*stride + r) from the first
  // output row's r = 0 to the last one's r = R-1.
  long band_first(int m0) const {
    const int g = m0 / sh.q();
    return long(g / sh.p()) * hp + long(g % sh.p()) * sh.stride;
  }
  long band_end(int m1) const { return band_first(m1 - 1) + sh.r; }
  size_t scratch_floats(int mc, int) const {
    // The most rows any block of mc output pixels spans: its output rows (at most
    // (mc - 1) / q + 2) times stride, plus r, plus the bottom and top padding rows of each
    // image boundary it crosses (at most r - 1 each).
    const long rows_out = (mc - 1) / sh.q() + 2, images = rows_out / sh.p() + 2;
    const long rows = std::min(long(sh.n) * hp, rows_out * sh.stride + sh.r + images * (sh.r - 1));
    return size_t(rows) * row_floats();
  }

  class Task {
   public:
    Task(const PaddedBandA& src, int m0, int m1, float* band) : src_(src), m1_(m1), band_(band) {
      first_ = src.band_first(m0);
      src.fill_band(first_, src.band_end(m1), band);
    }
    void begin_k(int k0, int) { k0_ = k0; }
    // Up to max_rows pixels from output pixel i, all in i's output row; the row's pixels are
    // split into near-equal micro-rows (64 = 6 x 10.7, not 5 x 12 + 4).
    kern::MicroRows rows(int i, int max_rows) const {
      const ConvShape& sh = src_.sh;
      const int q = i % sh.q(), g = i / sh.q(), n = g / sh.p(), p = g % sh.p();
      const int left = std::min(sh.q() - q, m1_ - i);
      const long row = long(n) * src_.hp + long(p) * sh.stride + k0_ / src_.k_unit() - first_;
      const float* a = band_ + size_t(row) * src_.row_floats() + size_t(q) * size_t(sh.stride * sh.c) +
                       size_t(k0_ % src_.k_unit());
      return {a, size_t(sh.stride) * size_t(sh.c), kern::balanced_rows(left, max_rows)};
    }

   private:
    const PaddedBandA& src_;
    int m1_;
    float* band_;
    long first_ = 0;
    int k0_ = 0;
  };
  Task task(int m0, int m1, float* scratch) const { return Task(*this, m0, m1, scratch); }

  // Padded rows [first, end) into band, zeros outside the image.
  void fill_band(long first, long end, float* band) const {
    const size_t c = size_t(sh.c), pad = size_t(sh.pad) * c, row = size_t(sh.w) * c;
    for (long v = first; v < end; ++v, band += row_floats()) {
      const long n = v / hp, hh = v % hp - sh.pad;
      if (hh < 0 || hh >= sh.h) {
        std::fill_n(band, row_floats(), 0.0f);
        continue;
      }
      std::fill_n(band, pad, 0.0f);
      std::memcpy(band + pad, x + (size_t(n) * size_t(sh.h) + size_t(hh)) * row, sizeof(float) * row);
      std::fill_n(band + pad + row, row_floats() - pad - row, 0.0f);
    }
  }
};
static_assert(kern::ViewSource<PaddedBandA>);

// Whether the padded band beats gathering im2col rows (Im2colA). The band needs runs of
// s*c >= 64 floats per kernel row (the 9-channel conv_in has 27: k blocks that short would
// not keep the micro-kernel busy), and output rows that split into micro-rows of about MR:
// at q = 16 they would be 8 + 8 rows, which lost 3 % against gathered 12-row micro-rows on
// the 1280-channel conv; at q = 64 (6 x ~11) the band gains 2-3 % (Zen 4, zoomrt-bench).
constexpr int kMinBandRun = 64;
bool use_band(const ConvShape& sh, int mr) {
  const int tiles = (sh.q() + mr - 1) / mr;
  return sh.s * sh.c >= kMinBandRun && sh.q() >= tiles * (mr - 2);
}

}  // namespace

void conv2d_nhwc_f32(const ConvShape& sh, const float* x, const PackedConvWeights& w, const float* bias,
                     const Epilogue& epi, float* y, ThreadPool& pool) {
  assert(w.k == sh.k && w.c == sh.c && w.r == sh.r && w.s == sh.s);
  const int m = sh.n * sh.p() * sh.q();
  const kern::GemmOutput out{bias, &epi, y, size_t(sh.k)};
  if (sh.r == 1 && sh.s == 1 && sh.stride == 1 && sh.pad == 0)
    kern::run_gemm_f32(m, kern::RowMajorA{x, size_t(sh.c)}, w.gemm, out, pool);  // x is A itself
  else if (use_band(sh, w.gemm.kernel().mr))
    kern::run_gemm_f32(m, PaddedBandA{sh, x}, w.gemm, out, pool);
  else
    kern::run_gemm_f32(m, kern::Im2colA{sh, x}, w.gemm, out, pool);
}

namespace {

// Runs an NHWC convolution `conv(x_nhwc, epilogue, y_nhwc)` on NCHW tensors.
template <class ConvNhwc>
void conv_nchw(const ConvShape& sh, const float* x, const Epilogue& epi, float* y, ThreadPool& pool,
               ConvNhwc conv) {
  const int64_t hw = int64_t(sh.h) * sh.w, pq = int64_t(sh.p()) * sh.q();
  std::vector<float> x_nhwc(size_t(sh.n) * size_t(sh.c) * size_t(hw)), y_nhwc(size_t(sh.n) * size_t(sh.k) * size_t(pq));
  nchw_to_nhwc(sh.n, sh.c, hw, x, x_nhwc.data(), pool);
  conv(x_nhwc.data(), Epilogue{epi.act}, y_nhwc.data());
  nhwc_to_nchw(sh.n, sh.k, pq, y_nhwc.data(), y, pool);
  if (const float* r = epi.residual) {
    const size_t total = y_nhwc.size();
    pool.parallel_for(total, 1 << 14, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) y[i] += r[i];
    });
  }
}

}  // namespace

void conv2d_nchw_f32(const ConvShape& sh, const float* x, const PackedConvWeights& w, const float* bias,
                     const Epilogue& epi, float* y, ThreadPool& pool) {
  conv_nchw(sh, x, epi, y, pool, [&](const float* xn, const Epilogue& e, float* yn) {
    conv2d_nhwc_f32(sh, xn, w, bias, e, yn, pool);
  });
}

void conv2d_nchw_q8(const ConvShape& sh, const float* x, const PackedConvWeightsQ8& w, const float* bias,
                    const Epilogue& epi, float* y, ThreadPool& pool) {
  conv_nchw(sh, x, epi, y, pool, [&](const float* xn, const Epilogue& e, float* yn) {
    conv2d_nhwc_q8(sh, xn, w, bias, e, yn, pool);
  });
}

void conv2d_nchw_bf16(const ConvShape& sh, const float* x, const PackedConvWeightsBf16& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool) {
  conv_nchw(sh, x, epi, y, pool, [&](const float* xn, const Epilogue& e, float* yn) {
    conv2d_nhwc_bf16(sh, xn, w, bias, e, yn, pool);
  });
}

}  // namespace zoomrt
