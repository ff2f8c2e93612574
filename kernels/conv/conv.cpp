// Implicit-GEMM convolution: an A source for the GEMM driver that gathers input panels
// straight from the NHWC activation, block by block.
#include "kernels/conv/conv.h"

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

// 1x1, stride 1, no padding: the im2col matrix is x itself, [n*h*w, c].
struct PointwiseA {
  const float* x;
  size_t c;
  size_t scratch_floats(int, int) const { return 0; }
  const float* block(int m0, int, int k0, int, float*, size_t* lda) const {
    *lda = c;
    return x + size_t(m0) * c + size_t(k0);
  }
};

}  // namespace

void conv2d_nhwc_f32(const ConvShape& sh, const float* x, const PackedConvWeights& w, const float* bias,
                     const Epilogue& epi, float* y, ThreadPool& pool) {
  assert(w.k == sh.k && w.c == sh.c && w.r == sh.r && w.s == sh.s);
  const int m = sh.n * sh.p() * sh.q();
  const kern::GemmOutput out{bias, &epi, y, size_t(sh.k)};
  if (sh.r == 1 && sh.s == 1 && sh.stride == 1 && sh.pad == 0)
    kern::run_gemm_f32(m, PointwiseA{x, size_t(sh.c)}, w.gemm, out, pool);
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

}  // namespace zoomrt
