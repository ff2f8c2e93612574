// Int8 and INT4 W4A8 implicit-GEMM convolution: the int8 / W4A8 drivers with an A source that
// gathers each im2col row into a per-thread float buffer and quantises it
// (kernels/gemm/q8_driver.h, kernels/gemm/w4a8_gemm.h).
#include <cassert>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/conv/conv_w4a8.h"
#include "kernels/conv/im2col.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/q8_driver.h"

namespace zoomrt {

PackedConvWeightsQ8 pack_conv2d_q8_for(const Q8GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s) {
  PackedConvWeightsQ8 p;
  p.k = k, p.c = c, p.r = r, p.s = s;
  p.gemm = pack_b_q8_for(kernel, kern::weights_krsc(w, k, c, r, s).data(), k, r * s * c, Layout::nk);
  return p;
}

PackedConvWeightsQ8 pack_conv2d_q8(const float* w, int k, int c, int r, int s) {
  return pack_conv2d_q8_for(q8_gemm_default(), w, k, c, r, s);
}

void conv2d_nhwc_q8(const ConvShape& sh, const float* x, const PackedConvWeightsQ8& w, const float* bias,
                    const Epilogue& epi, float* y, ThreadPool& pool) {
  assert(w.k == sh.k && w.c == sh.c && w.r == sh.r && w.s == sh.s && w.gemm.kernel);
  const PackedGemmBQ8& b = w.gemm;
  const Q8GemmKernelInfo& kn = *b.kernel;
  const int m = sh.n * sh.p() * sh.q();
  const kern::Im2colA im2col{sh, x};
  kern::run_gemm_q8(m, b, bias, epi, y, size_t(sh.k), pool, [&](int r0, int r1, int8_t* aq, float* scales) {
    thread_local std::vector<float> row;  // one gathered im2col row, r*s*c floats
    if (row.size() < size_t(b.k)) row.resize(size_t(b.k));
    const size_t kp = size_t(b.k_padded);
    for (int r = r0; r < r1; ++r) {
      size_t ld = 0;
      const float* a = im2col.block(r, 1, 0, b.k, row.data(), &ld);
      kn.quantize_row(size_t(b.k), kp, a, kn.a_format, aq + size_t(r - r0) * kp, &scales[r - r0]);
    }
  });
}

PackedConvWeightsW4A8 pack_conv2d_w4a8(const Q8GemmKernelInfo& kernel, const float* w, int k, int c, int r, int s,
                                       int group) {
  PackedConvWeightsW4A8 p;
  p.k = k, p.c = c, p.r = r, p.s = s;
  p.gemm = pack_b_w4a8(kernel, kern::weights_krsc(w, k, c, r, s).data(), k, r * s * c, group);
  return p;
}

void conv2d_nhwc_w4a8(const ConvShape& sh, const float* x, const PackedConvWeightsW4A8& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool) {
  assert(w.k == sh.k && w.c == sh.c && w.r == sh.r && w.s == sh.s && w.gemm.kernel);
  struct Source {
    kern::Im2colA im2col;
    int k;
  } source{kern::Im2colA{sh, x}, w.gemm.k};
  const kern::W4A8RowSource rows{&source, [](const void* ctx, int r, float* scratch) {
                                   const auto* src = static_cast<const Source*>(ctx);
                                   size_t ld = 0;
                                   return src->im2col.block(r, 1, 0, src->k, scratch, &ld);
                                 }};
  kern::run_gemm_w4a8(sh.n * sh.p() * sh.q(), rows, w.gemm, bias, epi, y, size_t(sh.k), pool);
}

}  // namespace zoomrt
