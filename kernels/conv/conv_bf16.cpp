// BF16 implicit-GEMM convolution: the bf16 driver (kernels/gemm/bf16_driver.h) reading the
// implicit im2col matrix, a row at a time for the tiles and in blocks for the f32 fallback.
#include <cassert>

#include "kernels/conv/conv.h"
#include "kernels/conv/im2col.h"
#include "kernels/gemm/bf16_driver.h"

namespace zoomrt {

PackedConvWeightsBf16 pack_conv2d_bf16_for(const Bf16GemmKernelInfo* kernel, const float* w, int k, int c, int r,
                                           int s) {
  PackedConvWeightsBf16 p;
  p.k = k, p.c = c, p.r = r, p.s = s;
  p.gemm = pack_b_bf16_for(kernel, kern::weights_krsc(w, k, c, r, s).data(), k, r * s * c, Layout::nk);
  return p;
}

PackedConvWeightsBf16 pack_conv2d_bf16(const float* w, int k, int c, int r, int s) {
  return pack_conv2d_bf16_for(bf16_gemm_default(), w, k, c, r, s);
}

void conv2d_nhwc_bf16(const ConvShape& sh, const float* x, const PackedConvWeightsBf16& w, const float* bias,
                      const Epilogue& epi, float* y, ThreadPool& pool) {
  assert(w.k == sh.k && w.c == sh.c && w.r == sh.r && w.s == sh.s);
  const kern::Im2colA im2col{sh, x};
  struct Rows {
    const kern::Im2colA* im2col;
    int k;
  } rows{&im2col, w.gemm.k};
  const kern::Bf16RowSource row_source{&rows, [](const void* ctx, int r, float* scratch) {
                                          const auto* src = static_cast<const Rows*>(ctx);
                                          size_t ld = 0;
                                          return src->im2col->block(r, 1, 0, src->k, scratch, &ld);
                                        }};
  kern::run_gemm_bf16(sh.n * sh.p() * sh.q(), im2col, row_source, w.gemm,
                      kern::GemmOutput{bias, &epi, y, size_t(sh.k)}, pool);
}

}  // namespace zoomrt
