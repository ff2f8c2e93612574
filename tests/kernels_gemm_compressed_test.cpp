// GEMM and convolution with compressed weight panels (BFormat f16 and q4 in kernels/gemm/gemm.h)
// for every f32 kernel the CPU supports. The expected weights are computed here independently
// (f16 rounding; 4-bit symmetric per-group quantisation by hand), then ref::linear /
// ref::conv2d on them is the oracle at the f32 budget. A second check holds the quantisation
// error itself to the bound it implies: |y - y_exact| <= sum_k |a_k| * scale_k / 2.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

using test::kAbsEpsPerSqrtK;
using test::kRelEps;

using test::random_floats;

// w [n, k] as the packed format stores it, and the per-element quantisation step (0 for f16).
struct Expected {
  std::vector<float> w, half_step;
};

Expected expected_weights(const std::vector<float>& w, int n, int k, BFormat f, int group) {
  Expected e{w, std::vector<float>(w.size(), 0.0f)};
  for (int j = 0; j < n; ++j)
    for (int g0 = 0; g0 < k; g0 += group) {
      const int g1 = std::min(k, g0 + group);
      float amax = 0;
      for (int kk = g0; kk < g1; ++kk) amax = std::max(amax, std::abs(w[size_t(j) * k + kk]));
      const float s = amax > 0 ? amax / 7 : 1;
      for (int kk = g0; kk < g1; ++kk) {
        const size_t i = size_t(j) * k + kk;
        if (f == BFormat::f16) {
          e.w[i] = half_to_float(float_to_half(w[i]));
        } else {
          e.w[i] = std::clamp(std::nearbyint(w[i] / s), -7.0f, 7.0f) * s;
          e.half_step[i] = s / 2;
        }
      }
    }
  return e;
}

void check_gemm(const F32GemmKernelInfo& kernel, int m, int n, int k, BFormat f, int group, ThreadPool& pool) {
  const auto a = random_floats(size_t(m) * k, 11), w = random_floats(size_t(n) * k, 12), bias = random_floats(n, 13);
  const Expected e = expected_weights(w, n, k, f, group);
  std::vector<float> ref(size_t(m) * n), exact(size_t(m) * n), got(size_t(m) * n);
  ref::linear(m, n, k, a.data(), e.w.data(), bias.data(), ref.data(), pool);
  ref::linear(m, n, k, a.data(), w.data(), bias.data(), exact.data(), pool);
  const PackedGemmB b = pack_b_for(kernel, w.data(), n, k, Layout::nk, f, group);
  gemm_f32(m, a.data(), size_t(k), b, bias.data(), Epilogue{}, got.data(), size_t(n), pool);
  const double eps = kAbsEpsPerSqrtK * std::sqrt(double(k));
  int bad = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      const size_t o = size_t(i) * n + j;
      double bound = eps;  // quantisation: each product off by at most |a| * step / 2
      for (int kk = 0; kk < k; ++kk) bound += std::abs(a[size_t(i) * k + kk]) * e.half_step[size_t(j) * k + kk];
      if (std::abs(got[o] - ref[o]) > std::max(eps, kRelEps * std::abs(ref[o])) && bad++ < 3)
        FAIL_CHECK(kernel.name << " m=" << m << " n=" << n << " k=" << k << " (" << i << "," << j << "): got "
                               << got[o] << " want " << ref[o]);
      if (f == BFormat::q4 && std::abs(got[o] - exact[o]) > bound && bad++ < 3)
        FAIL_CHECK("quantisation error " << std::abs(got[o] - exact[o]) << " above its bound " << bound);
    }
  CHECK(bad == 0);
}

using test::for_each_kernel;

}  // namespace

TEST_CASE("f16 weight panels: tails and K below, at and above the k block") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kn) {
    for (auto [m, n, k] : {std::tuple{1, 1, 1}, {7, 33, 17}, {13, 40, 1024}, {5, 50, 1500}, {64, 96, 320}})
      check_gemm(kn, m, n, k, BFormat::f16, 64, pool);
  });
}

TEST_CASE("int4 weight panels: groups 32, 64, 128, partial last group, tails") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kn) {
    for (int group : {32, 64, 128})
      for (auto [m, n, k] : {std::tuple{1, 1, 1}, {7, 33, 100}, {13, 40, 1024}, {5, 50, 1500}, {30, 17, 129}})
        check_gemm(kn, m, n, k, BFormat::q4, group, pool);
  });
}

TEST_CASE("compressed panels cost 2 (f16) and 0.5 + 4/group (int4) bytes per weight") {
  const int n = 64, k = 256;  // whole panels for every kernel (nr divides 64)
  const auto w = random_floats(size_t(n) * k, 5);
  CHECK(pack_b(w.data(), n, k, Layout::nk, BFormat::f32).bytes() == size_t(n) * k * 4);
  CHECK(pack_b(w.data(), n, k, Layout::nk, BFormat::f16).bytes() == size_t(n) * k * 2);
  CHECK(pack_b(w.data(), n, k, Layout::nk, BFormat::q4, 64).bytes() == size_t(n) * k / 2 + size_t(n) * (k / 64) * 4);
}

TEST_CASE("f16 and int4 convolution weights match ref::conv2d on the rounded weights") {
  ThreadPool pool(2);
  for (BFormat f : {BFormat::f16, BFormat::q4}) {
    const ConvShape sh{2, 19, 9, 7, 24, 3, 3, 1, 1};
    const auto x = random_floats(size_t(sh.n) * sh.c * sh.h * sh.w, 21);
    const auto w = random_floats(size_t(sh.k) * sh.c * 9, 22), bias = random_floats(size_t(sh.k), 23);
    // The int4 groups run over the (r, s, c) order the convolution packs in: quantise there.
    const int rsc = 9 * sh.c;
    std::vector<float> krsc(w.size()), expect(w.size());
    for (int o = 0; o < sh.k; ++o)
      for (int c = 0; c < sh.c; ++c)
        for (int rs = 0; rs < 9; ++rs) krsc[size_t(o) * rsc + rs * sh.c + c] = w[(size_t(o) * sh.c + c) * 9 + rs];
    const Expected e = expected_weights(krsc, sh.k, rsc, f, 64);
    for (int o = 0; o < sh.k; ++o)
      for (int c = 0; c < sh.c; ++c)
        for (int rs = 0; rs < 9; ++rs) expect[(size_t(o) * sh.c + c) * 9 + rs] = e.w[size_t(o) * rsc + rs * sh.c + c];
    std::vector<float> ref(size_t(sh.n) * sh.k * sh.p() * sh.q()), got(ref.size());
    ref::Conv2dShape rs{sh.n, sh.c, sh.h, sh.w, sh.k, 3, 3, 1, 1, 1};
    ref::conv2d(rs, x.data(), expect.data(), bias.data(), ref.data(), pool);
    const PackedConvWeights pw = pack_conv2d(w.data(), sh.k, sh.c, 3, 3, f, 64);
    conv2d_nchw_f32(sh, x.data(), pw, bias.data(), Epilogue{}, got.data(), pool);
    double max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) max_err = std::max(max_err, double(std::abs(got[i] - ref[i])));
    INFO("format " << int(f) << " max error " << max_err);
    CHECK(max_err < 1e-4);
  }
}
