// Int8 implicit-GEMM convolution (conv2d_nhwc_q8) for every int8 kernel the CPU supports:
// exact at the extremes against ref::conv2d, within the quantisation bound on float data.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/gemm/config.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

// Slack on the analytic quantisation bound for float rounding in the dequant and reference.
constexpr double kBoundSlack = 1.01;
constexpr double kAbsEps = 1e-5;

using test::for_each_q8_kernel;
using test::ref_conv;

// The int8 conv on NCHW data.
std::vector<float> run_q8(const Q8GemmKernelInfo& kernel, const ConvShape& sh, const std::vector<float>& x_nchw,
                          const std::vector<float>& w, const float* bias, ThreadPool& pool) {
  const PackedConvWeightsQ8 packed = pack_conv2d_q8_for(kernel, w.data(), sh.k, sh.c, sh.r, sh.s);
  return test::run_nhwc(sh, x_nchw, pool, [&](const float* x, float* y) {
    conv2d_nhwc_q8(sh, x, packed, bias, Epilogue{}, y, pool);
  });
}

const ConvShape kShapes[] = {
    {1, 3, 7, 5, 17, 3, 3, 1, 1}, {2, 8, 6, 9, 33, 3, 3, 2, 1}, {1, 5, 6, 6, 12, 3, 3, 1, 0},
    {2, 7, 5, 5, 20, 1, 1, 1, 0}, {1, 6, 7, 7, 9, 1, 1, 2, 0},
};

}  // namespace

TEST_CASE("q8 conv: exact integer results at the extremes") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const ConvShape& sh : kShapes) {
      // Codes +-127 with every receptive field and weight channel reaching +127 (channel 0 of
      // x, tap (c=0, 0, 0) of w), so all scales are exactly 1 and the sums are exact floats.
      std::mt19937 rng(7);
      std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * sh.r * sh.s);
      for (size_t i = 0; i < x.size(); ++i) x[i] = (i / size_t(sh.h * sh.w)) % size_t(sh.c) == 0 || rng() % 3 ? 127.f : -127.f;
      for (size_t i = 0; i < w.size(); ++i) w[i] = i % size_t(sh.c * sh.r * sh.s) == 0 || rng() % 3 ? 127.f : -127.f;
      const auto want = ref_conv(sh, x, w, nullptr, pool);
      const auto got = run_q8(kernel, sh, x, w, nullptr, pool);
      INFO(kernel.name << " c=" << sh.c << " h=" << sh.h << " w=" << sh.w << " k=" << sh.k << " r=" << sh.r
                       << " stride=" << sh.stride << " pad=" << sh.pad);
      CHECK(got == want);
    }
  });
}

TEST_CASE("q8 conv: float data within the quantisation bound of ref::conv2d") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const ConvShape& sh : kShapes) {
      std::mt19937 rng(11);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * sh.r * sh.s), bias(size_t(sh.k));
      for (auto* v : {&x, &w, &bias})
        for (auto& e : *v) e = u(rng);
      const auto want = ref_conv(sh, x, w, bias.data(), pool);
      const auto got = run_q8(kernel, sh, x, w, bias.data(), pool);
      const int p_out = sh.p(), q_out = sh.q(), taps = sh.c * sh.r * sh.s;
      int bad = 0;
      for (int n = 0; n < sh.n; ++n)
        for (int p = 0; p < p_out; ++p)
          for (int q = 0; q < q_out; ++q) {
            std::vector<double> row;  // this pixel's receptive field, (c, r, s) order, zeros outside
            for (int c = 0; c < sh.c; ++c)
              for (int r = 0; r < sh.r; ++r)
                for (int s = 0; s < sh.s; ++s) {
                  const int h = p * sh.stride - sh.pad + r, ww = q * sh.stride - sh.pad + s;
                  const bool in = h >= 0 && h < sh.h && ww >= 0 && ww < sh.w;
                  row.push_back(in ? x[((size_t(n) * sh.c + c) * sh.h + h) * sh.w + ww] : 0.0);
                }
            double amax = 0;
            for (double v : row) amax = std::max(amax, std::abs(v));
            const double sa = amax / 127.0;
            for (int k = 0; k < sh.k; ++k) {
              double wmax = 0, bound = 0;
              for (int t = 0; t < taps; ++t) wmax = std::max(wmax, double(std::abs(w[size_t(k) * taps + t])));
              const double sw = wmax / 127.0;
              for (int t = 0; t < taps; ++t)
                bound += 0.5 * sa * std::abs(w[size_t(k) * taps + t]) + 0.5 * sw * (std::abs(row[size_t(t)]) + 0.5 * sa);
              const size_t idx = ((size_t(n) * sh.k + k) * p_out + p) * q_out + q;
              if (std::abs(double(got[idx]) - want[idx]) > bound * kBoundSlack + kAbsEps && bad++ < 3)
                FAIL_CHECK(kernel.name << " at " << idx << ": got " << got[idx] << " want " << want[idx] << " bound "
                                       << bound);
            }
          }
      CHECK(bad == 0);
    }
  });
}

TEST_CASE("q8 conv: 1 and 3 threads give bit-identical results") {
  ThreadPool one(1), three(3);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    const ConvShape sh{2, 24, 13, 11, 2 * kernel.nr + 3, 3, 3, 1, 1};
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    std::vector<float> x(size_t(sh.n) * sh.c * sh.h * sh.w), w(size_t(sh.k) * sh.c * 9);
    for (auto& e : x) e = u(rng);
    for (auto& e : w) e = u(rng);
    INFO(kernel.name);
    CHECK(run_q8(kernel, sh, x, w, nullptr, one) == run_q8(kernel, sh, x, w, nullptr, three));
  });
}
