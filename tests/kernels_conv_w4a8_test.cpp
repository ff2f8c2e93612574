// INT4 W4A8 implicit-GEMM convolution (kernels/conv/conv_w4a8.h) for every int8 kernel the CPU
// supports (through its W4A8 kernel), against ref::conv2d: exact at the code extremes (floats
// packed by pack_conv2d_w4a8, and stored codes 0..15 packed as the runtime does), within
// the activation-rounding budget on float data with weights dequantised in the test by the
// format's definition, and thread-count independent.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/conv/conv_w4a8.h"
#include "kernels/gemm/config.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

using test::for_each_q8_kernel;
using test::ref_conv;

// The W4A8 conv on NCHW data.
std::vector<float> run_w4a8(const Q8GemmKernelInfo& kernel, const ConvShape& sh, const std::vector<float>& x_nchw,
                            const std::vector<float>& w, int group, const float* bias, ThreadPool& pool) {
  const PackedConvWeightsW4A8 packed = pack_conv2d_w4a8(kernel, w.data(), sh.k, sh.c, sh.r, sh.s, group);
  return test::run_nhwc(sh, x_nchw, pool, [&](const float* x, float* y) {
    conv2d_nhwc_w4a8(sh, x, packed, bias, Epilogue{}, y, pool);
  });
}

// The int4-gG format by its definition, on w [k, c, r, s] grouped along (r, s, c) per output
// channel: scale = max|w| / 7, code = round(w / scale) in -7..7. Returns w_hat [k, c, r, s].
std::vector<float> dequantized_int4(const ConvShape& sh, const std::vector<float>& w, int group) {
  const int rsc = sh.r * sh.s * sh.c;
  auto at = [&](int o, int kk) {  // kk in (r, s, c) order -> index in [k, c, r, s]
    const int ch = kk % sh.c, rs = kk / sh.c;
    return ((size_t(o) * sh.c + size_t(ch)) * sh.r + size_t(rs / sh.s)) * sh.s + size_t(rs % sh.s);
  };
  std::vector<float> w_hat(w.size());
  for (int o = 0; o < sh.k; ++o)
    for (int k0 = 0; k0 < rsc; k0 += group) {
      const int k1 = std::min(rsc, k0 + group);
      float amax = 0;
      for (int kk = k0; kk < k1; ++kk) amax = std::max(amax, std::abs(w[at(o, kk)]));
      const float s = amax > 0 ? amax / 7 : 1;
      for (int kk = k0; kk < k1; ++kk)
        w_hat[at(o, kk)] = std::clamp(std::nearbyint(w[at(o, kk)] / s), -7.0f, 7.0f) * s;
    }
  return w_hat;
}

const ConvShape kShapes[] = {
    {1, 3, 7, 5, 17, 3, 3, 1, 1}, {2, 8, 6, 9, 33, 3, 3, 2, 1}, {1, 40, 6, 6, 12, 3, 3, 1, 0},
    {2, 70, 5, 5, 20, 1, 1, 1, 0}, {1, 6, 7, 7, 9, 1, 1, 2, 0},
};

}  // namespace

TEST_CASE("w4a8 conv: exact integer results at the code extremes +-127 x +-7") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const ConvShape& sh : kShapes) {
      // All activations +-127 (every receptive field reaches 127: sa = 1) and all weights +-7
      // (every group reaches 7: sw = 1), so the outputs are exact integers.
      std::mt19937 rng(7);
      std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * sh.r * sh.s);
      for (auto& v : x) v = rng() % 2 ? 127.f : -127.f;
      for (auto& v : w) v = rng() % 2 ? 7.f : -7.f;
      const auto want = ref_conv(sh, x, w, nullptr, pool);
      for (int group : {32, 64}) {
        const auto got = run_w4a8(kernel, sh, x, w, group, nullptr, pool);
        INFO(kernel.name << " group " << group << " c=" << sh.c << " h=" << sh.h << " w=" << sh.w << " k=" << sh.k
                         << " r=" << sh.r << " stride=" << sh.stride << " pad=" << sh.pad);
        CHECK(got == want);
      }
    }
  });
}

// The runtime's route (runtime/exec/fast_ops.cpp): stored int4 codes in (r, s, c) order, code 0
// (= -8) included, packed with pack_b_w4a8_codes; unit scales and activations +-127 make the
// outputs exact integers, against ref::conv2d on w = code - 8 in [k, c, r, s].
TEST_CASE("w4a8 conv: stored codes in (r, s, c) order, -8 included, exact against ref::conv2d") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const ConvShape& sh : kShapes) {
      const int group = 32, rsc = sh.r * sh.s * sh.c, row_bytes = (rsc + 1) / 2, groups = (rsc + group - 1) / group;
      std::mt19937 rng(5);
      std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * size_t(rsc));
      std::vector<float> scales(size_t(sh.k * groups), 1.0f);
      std::vector<uint8_t> codes(size_t(sh.k * row_bytes), 0);
      for (auto& v : x) v = rng() % 2 ? 127.f : -127.f;
      for (int o = 0; o < sh.k; ++o)
        for (int kk = 0; kk < rsc; ++kk) {  // kk in (r, s, c) order
          const uint32_t u = rng() % 4;
          const int q = u == 0 ? 0 : u == 1 ? 15 : int(rng() % 16);
          codes[size_t(o * row_bytes + kk / 2)] |= uint8_t(q << (kk % 2 ? 4 : 0));
          const int ch = kk % sh.c, rr = kk / sh.c / sh.s, ss = kk / sh.c % sh.s;
          w[((size_t(o) * sh.c + size_t(ch)) * sh.r + size_t(rr)) * sh.s + size_t(ss)] = float(q - 8);
        }
      const PackedConvWeightsW4A8 packed{sh.k, sh.c, sh.r, sh.s,
                                         pack_b_w4a8_codes(kernel, codes.data(), scales.data(), sh.k, rsc, group)};
      const auto got = test::run_nhwc(sh, x, pool, [&](const float* xn, float* yn) {
        conv2d_nhwc_w4a8(sh, xn, packed, nullptr, Epilogue{}, yn, pool);
      });
      INFO(kernel.name << " c=" << sh.c << " h=" << sh.h << " w=" << sh.w << " k=" << sh.k << " r=" << sh.r
                       << " stride=" << sh.stride << " pad=" << sh.pad);
      CHECK(got == ref_conv(sh, x, w, nullptr, pool));
    }
  });
}

TEST_CASE("w4a8 conv: float data within the activation-rounding budget of ref::conv2d on int4 weights") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const ConvShape& sh : kShapes) {
      std::mt19937 rng(11);
      std::normal_distribution<float> d;
      std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * sh.r * sh.s), bias(size_t(sh.k));
      for (auto& v : x) v = d(rng);
      for (auto& v : w) v = d(rng);
      for (auto& v : bias) v = d(rng);
      const int group = 32;
      const auto w_hat = dequantized_int4(sh, w, group);
      const auto want = ref_conv(sh, x, w_hat, bias.data(), pool);
      const auto got = run_w4a8(kernel, sh, x, w, group, bias.data(), pool);
      // Per output: |err| <= (sa / 2) * sum |w_hat| + 1e-5 * sum |a| |w_hat| over the receptive
      // field (sa = max |a| / 127 of that field); bounded here by the whole-image max |x|.
      float xmax = 0;
      for (float v : x) xmax = std::max(xmax, std::abs(v));
      const size_t rsc = size_t(sh.c) * sh.r * sh.s, pq = size_t(sh.p()) * sh.q();
      for (int n = 0; n < sh.n; ++n)
        for (int o = 0; o < sh.k; ++o) {
          double wsum = 0;
          for (size_t t = 0; t < rsc; ++t) wsum += std::abs(w_hat[size_t(o) * rsc + t]);
          const double budget = xmax / 127.0 / 2 * wsum + 1e-5 * xmax * wsum + 1e-5;
          for (size_t pix = 0; pix < pq; ++pix) {
            const size_t i = (size_t(n) * sh.k + size_t(o)) * pq + pix;
            if (std::abs(double(got[i]) - want[i]) > budget)
              FAIL_CHECK(kernel.name << " c=" << sh.c << " k=" << sh.k << " r=" << sh.r << " at " << i << ": "
                                     << got[i] << " vs " << want[i] << " budget " << budget);
          }
        }
    }
  });
}

TEST_CASE("w4a8 conv: 1 and 3 threads give bit-identical results") {
  const ConvShape sh{2, 24, 9, 11, 40, 3, 3, 1, 1};
  std::mt19937 rng(3);
  std::normal_distribution<float> d;
  std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * sh.r * sh.s);
  for (auto& v : x) v = d(rng);
  for (auto& v : w) v = d(rng);
  ThreadPool one(1), three(3);
  CHECK(run_w4a8(q8_gemm_default(), sh, x, w, 64, nullptr, one) ==
        run_w4a8(q8_gemm_default(), sh, x, w, 64, nullptr, three));
}
