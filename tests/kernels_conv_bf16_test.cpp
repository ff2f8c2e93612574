// BF16 convolution (kernels/conv/conv.h, conv2d_nhwc_bf16): against ref::conv2d on the
// bf16-rounded input and weights, within the f32 summation bound; and exactly what gemm_bf16
// gives on an explicit im2col matrix (the implicit one must gather the same rows), for the AMX
// tiles where this CPU has them and for the f32 fallback.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/dtype.h"
#include "kernel_test_util.h"

namespace zoomrt {
namespace {

using test::round_bf16;

TEST_CASE("bf16 conv equals ref::conv2d on rounded operands within the bound, and gemm_bf16 on im2col exactly") {
  ThreadPool pool(3);
  const ConvShape shapes[] = {
      {2, 5, 9, 7, 33, 3, 3, 1, 1},    // 3x3, padding, odd sizes
      {1, 16, 12, 10, 40, 3, 3, 2, 1}, // stride-2 downsampler
      {2, 24, 6, 5, 70, 1, 1, 1, 0},   // 1x1 shortcut
      {1, 9, 8, 8, 32, 3, 3, 1, 1},    // the 9-channel conv_in
  };
  for (const ConvShape& sh : shapes)
    for (const Bf16GemmKernelInfo* kernel : test::bf16_packers()) {
      INFO(test::bf16_packer_name(kernel) << " c=" << sh.c << " k=" << sh.k << " r=" << sh.r
                                                           << " stride=" << sh.stride);
      const int rsc = sh.r * sh.s * sh.c, m = sh.n * sh.p() * sh.q();
      std::vector<float> x = test::random_floats(size_t(sh.n) * sh.c * sh.h * sh.w, 11, -2.0f, 2.0f);
      std::vector<float> w = test::random_floats(size_t(sh.k) * rsc, 12), bias = test::random_floats(size_t(sh.k), 13);
      std::vector<float> xr = x, wr = w, x_abs(x.size()), w_abs(w.size());
      for (float& v : xr) v = round_bf16(v);
      for (float& v : wr) v = round_bf16(v);
      for (size_t i = 0; i < x.size(); ++i) x_abs[i] = std::fabs(xr[i]);
      for (size_t i = 0; i < w.size(); ++i) w_abs[i] = std::fabs(wr[i]);
      const std::vector<float> want = test::ref_conv(sh, xr, wr, bias.data(), pool);
      const std::vector<float> magnitude = test::ref_conv(sh, x_abs, w_abs, nullptr, pool);
      const PackedConvWeightsBf16 packed = pack_conv2d_bf16_for(kernel, w.data(), sh.k, sh.c, sh.r, sh.s);
      const std::vector<float> got = test::run_nhwc(sh, x, pool, [&](const float* xn, float* yn) {
        conv2d_nhwc_bf16(sh, xn, packed, bias.data(), Epilogue{}, yn, pool);
      });
      size_t outside = 0;
      for (size_t i = 0; i < got.size(); ++i)  // + 1: the bias add rounds once more
        outside += !(std::fabs(double(got[i]) - double(want[i])) <=
                     double(rsc + 1) * std::ldexp(1.0, -24) * (double(magnitude[i]) + std::fabs(double(want[i]))));
      CHECK(outside == 0);

      // The same sums through gemm_bf16 on the explicit im2col matrix (NHWC rows, (r, s, c) columns).
      std::vector<float> xn(x.size());
      nchw_to_nhwc(sh.n, sh.c, int64_t(sh.h) * sh.w, x.data(), xn.data(), pool);
      std::vector<float> cols(size_t(m) * rsc, 0.0f);
      for (int i = 0; i < m; ++i) {
        const int q = i % sh.q(), p = i / sh.q() % sh.p(), b = i / (sh.q() * sh.p());
        for (int rr = 0; rr < sh.r; ++rr)
          for (int ss = 0; ss < sh.s; ++ss) {
            const int hh = p * sh.stride - sh.pad + rr, ww = q * sh.stride - sh.pad + ss;
            if (hh < 0 || hh >= sh.h || ww < 0 || ww >= sh.w) continue;
            std::memcpy(&cols[size_t(i) * rsc + size_t(rr * sh.s + ss) * sh.c],
                        &xn[((size_t(b) * sh.h + hh) * sh.w + ww) * sh.c], sizeof(float) * size_t(sh.c));
          }
      }
      std::vector<float> y_gemm(size_t(m) * sh.k), y_conv(y_gemm.size());
      gemm_bf16(m, cols.data(), size_t(rsc), packed.gemm, bias.data(), Epilogue{}, y_gemm.data(), size_t(sh.k), pool);
      conv2d_nhwc_bf16(sh, xn.data(), packed, bias.data(), Epilogue{}, y_conv.data(), pool);
      CHECK(std::memcmp(y_gemm.data(), y_conv.data(), y_gemm.size() * sizeof(float)) == 0);

      // The NCHW drop-in: the NHWC result transposed.
      std::vector<float> y_nchw(got.size());
      conv2d_nchw_bf16(sh, x.data(), packed, bias.data(), Epilogue{}, y_nchw.data(), pool);
      CHECK(std::memcmp(y_nchw.data(), got.data(), got.size() * sizeof(float)) == 0);
    }
}

}  // namespace
}  // namespace zoomrt
