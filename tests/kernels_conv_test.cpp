// Implicit-GEMM convolution (kernels/conv/) against the scalar reference ref::conv2d (NCHW),
// for every GEMM kernel the CPU supports, through the NCHW <-> NHWC converters.
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

using test::kAbsEpsPerSqrtK;
using test::kRelEps;

using test::random_floats;

struct Options {
  bool bias = true;
  Activation act = Activation::none;
  bool residual = false;
};

// Our NHWC result converted back to NCHW, for shape `sh`.
std::vector<float> run_fast(const F32GemmKernelInfo& kernel, const ConvShape& sh, const std::vector<float>& x_nchw,
                            const std::vector<float>& w, const float* bias, const float* res_nchw, Activation act,
                            ThreadPool& pool) {
  const int64_t pq = int64_t(sh.p()) * sh.q();
  std::vector<float> res;
  Epilogue epi{act};
  if (res_nchw) {
    res.resize(size_t(sh.n) * sh.k * size_t(pq));
    nchw_to_nhwc(sh.n, sh.k, pq, res_nchw, res.data(), pool);
    epi.residual = res.data();
    epi.ld_residual = size_t(sh.k);
  }
  const PackedConvWeights packed = pack_conv2d_f32_for(kernel, w.data(), sh.k, sh.c, sh.r, sh.s);
  return test::run_nhwc(sh, x_nchw, pool,
                        [&](const float* x, float* y) { conv2d_nhwc_f32(sh, x, packed, bias, epi, y, pool); });
}

void check_conv(const F32GemmKernelInfo& kernel, const ConvShape& sh, const Options& o, ThreadPool& pool) {
  const size_t x_n = size_t(sh.n) * sh.c * sh.h * sh.w, y_n = size_t(sh.n) * sh.k * sh.p() * sh.q();
  const auto x = random_floats(x_n, 11), w = random_floats(size_t(sh.k) * sh.c * sh.r * sh.s, 12);
  const auto bias = random_floats(size_t(sh.k), 13), res = random_floats(y_n, 14);
  std::vector<float> ref(y_n);
  ref::Conv2dShape rs{sh.n, sh.c, sh.h, sh.w, sh.k, sh.r, sh.s, sh.stride, sh.pad, 1};
  ref::conv2d(rs, x.data(), w.data(), o.bias ? bias.data() : nullptr, ref.data(), pool);
  if (o.act == Activation::silu) ref::silu(int64_t(y_n), ref.data(), ref.data(), pool);
  if (o.act == Activation::gelu) ref::gelu(int64_t(y_n), ref.data(), ref.data(), pool);
  if (o.residual)
    for (size_t i = 0; i < y_n; ++i) ref[i] += res[i];

  const auto got = run_fast(kernel, sh, x, w, o.bias ? bias.data() : nullptr, o.residual ? res.data() : nullptr,
                            o.act, pool);
  const double abs_eps = kAbsEpsPerSqrtK * std::sqrt(double(sh.c * sh.r * sh.s));
  int bad = 0;
  for (size_t i = 0; i < y_n; ++i)
    if (std::abs(double(got[i]) - ref[i]) > std::max(abs_eps, kRelEps * std::abs(ref[i])) && bad++ < 3)
      FAIL_CHECK(kernel.name << " conv n=" << sh.n << " c=" << sh.c << " h=" << sh.h << " w=" << sh.w << " k="
                             << sh.k << " r=" << sh.r << " stride=" << sh.stride << " pad=" << sh.pad << " at " << i
                             << ": got " << got[i] << " want " << ref[i]);
  CHECK(bad == 0);
}

using test::for_each_kernel;

}  // namespace

TEST_CASE("f32 conv: 3x3 and 1x1, stride 1 and 2, padding, odd sizes") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    for (int stride : {1, 2}) {
      check_conv(kernel, {1, 3, 7, 5, 17, 3, 3, stride, 1}, {}, pool);   // c=3, odd h/w, N tail
      check_conv(kernel, {2, 16, 9, 8, 40, 3, 3, stride, 1}, {}, pool);  // batch 2
      check_conv(kernel, {1, 8, 6, 6, 12, 3, 3, stride, 0}, {}, pool);   // no padding
      check_conv(kernel, {2, 24, 5, 7, 33, 1, 1, stride, 0}, {}, pool);  // pointwise (in place at stride 1)
    }
    check_conv(kernel, {1, 5, 6, 6, 7, 1, 1, 1, 1}, {}, pool);           // 1x1 with padding: gathered
  });
}

TEST_CASE("f32 conv: reduction longer than the k block") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    const int kc = gemm_blocking(kernel).kc_max;
    // c*9 just above kc: the k blocks split channel runs inside one (r, s) tap.
    check_conv(kernel, {1, kc / 9 + 3, 6, 5, kernel.nr + 3, 3, 3, 1, 1}, {false}, pool);
    check_conv(kernel, {1, kc + 5, 4, 4, 9, 1, 1, 1, 0}, {false}, pool);
  });
}

// Output rows of >= 30 pixels and >= 64 floats per kernel row: these read the input through
// the per-task padded band (in place, lda = stride * c) instead of gathering im2col rows.
TEST_CASE("f32 conv: padded-band path: batches, strides, padding, long reductions") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    check_conv(kernel, {2, 24, 5, 34, 40, 3, 3, 1, 1}, {}, pool);  // band spans two images
    check_conv(kernel, {2, 24, 6, 64, 33, 3, 3, 2, 1}, {}, pool);  // stride 2
    check_conv(kernel, {1, 24, 4, 36, 17, 3, 3, 1, 0}, {}, pool);  // no padding
    check_conv(kernel, {1, 70, 3, 64, 9, 1, 1, 2, 0}, {}, pool);   // 1x1 stride 2
    check_conv(kernel, {1, 24, 4, 32, 20, 3, 3, 1, 1}, {true, Activation::silu, true}, pool);
    // 3c above the k block: several k blocks inside one kernel row.
    const int kc = gemm_blocking(kernel).kc_max;
    check_conv(kernel, {1, kc / 3 + 5, 3, 30, kernel.nr + 3, 3, 3, 1, 1}, {false}, pool);
  });
}

TEST_CASE("f32 conv: fused bias, activation and residual") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    for (Activation act : {Activation::none, Activation::silu, Activation::gelu})
      check_conv(kernel, {1, 6, 8, 8, 20, 3, 3, 1, 1}, {true, act, true}, pool);
  });
}

TEST_CASE("f32 conv: 1 and 3 threads give bit-identical results") {
  ThreadPool one(1), three(3);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    // Which A source runs is use_band's choice (conv.cpp): 20 channels (3 x 20 < 64 floats per
    // kernel row) gather im2col rows on every kernel; q = 17 gathers on the 8- and 12-row kernels
    // and takes the band on the 4- and 6-row ones; q = 33 takes the padded band on every kernel.
    for (const ConvShape sh : {ConvShape{2, 20, 19, 17, 3 * kernel.nr + 1, 3, 3, 1, 1},
                               ConvShape{2, 32, 19, 17, 3 * kernel.nr + 1, 3, 3, 1, 1},
                               ConvShape{2, 32, 9, 33, 3 * kernel.nr + 1, 3, 3, 1, 1}}) {
      const auto x = random_floats(size_t(sh.n) * sh.c * sh.h * sh.w, 21);
      const auto w = random_floats(size_t(sh.k) * sh.c * 9, 22), bias = random_floats(size_t(sh.k), 23);
      const auto y1 = run_fast(kernel, sh, x, w, bias.data(), nullptr, Activation::silu, one);
      const auto y3 = run_fast(kernel, sh, x, w, bias.data(), nullptr, Activation::silu, three);
      INFO(kernel.name << " c=" << sh.c << " w=" << sh.w);
      CHECK(y1 == y3);
    }
  });
}

TEST_CASE("f32 conv: the NCHW drop-in matches ref::conv2d with bias, silu and residual") {
  ThreadPool pool(2);
  const ConvShape sh{2, 10, 7, 6, 19, 3, 3, 2, 1};
  const size_t y_n = size_t(sh.n) * sh.k * sh.p() * sh.q();
  const auto x = random_floats(size_t(sh.n) * sh.c * sh.h * sh.w, 41), w = random_floats(size_t(sh.k) * sh.c * 9, 42);
  const auto bias = random_floats(size_t(sh.k), 43), res = random_floats(y_n, 44);
  std::vector<float> ref(y_n), got(y_n);
  ref::conv2d(ref::Conv2dShape{sh.n, sh.c, sh.h, sh.w, sh.k, sh.r, sh.s, sh.stride, sh.pad, 1}, x.data(), w.data(),
              bias.data(), ref.data(), pool);
  ref::silu(int64_t(y_n), ref.data(), ref.data(), pool);
  for (size_t i = 0; i < y_n; ++i) ref[i] += res[i];
  const PackedConvWeights packed = pack_conv2d_f32(w.data(), sh.k, sh.c, sh.r, sh.s);
  conv2d_nchw_f32(sh, x.data(), packed, bias.data(), Epilogue{Activation::silu, res.data(), 0}, got.data(), pool);
  const double abs_eps = kAbsEpsPerSqrtK * std::sqrt(double(sh.c * 9));
  for (size_t i = 0; i < y_n; ++i) {
    INFO("at " << i);
    REQUIRE(std::abs(double(got[i]) - ref[i]) <= std::max(abs_eps, kRelEps * std::abs(ref[i])));
  }
}

TEST_CASE("f32 conv: NCHW <-> NHWC converters are exact transposes") {
  ThreadPool pool(3);
  const int n = 2, c = 37, h = 9, w = 11;
  const auto x = random_floats(size_t(n) * c * h * w, 31);
  std::vector<float> nhwc(x.size()), back(x.size());
  nchw_to_nhwc(n, c, h * w, x.data(), nhwc.data(), pool);
  for (int b = 0; b < n; ++b)
    for (int ci = 0; ci < c; ++ci)
      for (int i = 0; i < h * w; ++i)
        REQUIRE(nhwc[(size_t(b) * h * w + i) * c + ci] == x[(size_t(b) * c + ci) * h * w + i]);
  nhwc_to_nchw(n, c, h * w, nhwc.data(), back.data(), pool);
  CHECK(back == x);
}
