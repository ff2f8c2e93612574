// BF16 GEMM (kernels/gemm/bf16_gemm.h) against plain loops over the bf16-rounded operands: the
// f32 fallback gives exactly the f32 sum in ascending k (with an epilogue, exactly gemm_f32 on
// the rounded operands); the AMX tiles, where this CPU has them, sum in their own order and are
// held to the f32 summation bound k * 2^-24 * sum |products| around the exact sum instead, and
// to bit-identical results for any thread count.
#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/gemm/bf16_gemm.h"
#include "kernels/thread_pool.h"
#include "kernel_test_util.h"

namespace zoomrt {
namespace {

using test::bf16_packers;
using test::round_bf16;
const auto name_of = test::bf16_packer_name;

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

TEST_CASE("bf16 GEMM equals the ascending f32 sum of the rounded operands bit for bit") {
  ThreadPool pool(2);
  for (const Bf16GemmKernelInfo* kernel : bf16_packers())
    for (int m : {1, 15, 16, 17, 33, 77})
      for (int n : {1, 16, 31, 32, 33, 70})
        for (int k : {1, 31, 32, 33, 100, 320}) {
          INFO(name_of(kernel) << " m=" << m << " n=" << n << " k=" << k);
          // Magnitudes 1e-3..1e3, mixed signs: sums that cancel, and rounding in every step.
          std::vector<float> a = test::random_floats(size_t(m) * size_t(k), uint32_t(m * 7 + k));
          std::vector<float> w = test::random_floats(size_t(n) * size_t(k), uint32_t(n * 13 + k));
          for (size_t i = 0; i < a.size(); ++i) a[i] *= std::pow(10.0f, float(int(i % 7) - 3));
          for (size_t i = 0; i < w.size(); ++i) w[i] *= std::pow(10.0f, float(int(i % 5) - 2));
          std::vector<float> want(size_t(m) * size_t(n));
          std::vector<double> exact(want.size()), bound(want.size());
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
              float acc = 0.0f;
              double sum = 0.0, magnitude = 0.0;
              for (int kk = 0; kk < k; ++kk) {
                const float p = round_bf16(a[size_t(i) * size_t(k) + size_t(kk)]) *
                                round_bf16(w[size_t(j) * size_t(k) + size_t(kk)]);  // exact
                acc += p;
                sum += double(p), magnitude += std::fabs(double(p));
              }
              want[size_t(i) * size_t(n) + size_t(j)] = acc;
              exact[size_t(i) * size_t(n) + size_t(j)] = sum;
              bound[size_t(i) * size_t(n) + size_t(j)] = double(k) * std::ldexp(1.0, -24) * magnitude;
            }
          const PackedGemmBBf16 b = pack_b_bf16_for(kernel, w.data(), n, k, Layout::nk);
          std::vector<float> got(want.size(), NAN);
          gemm_bf16(m, a.data(), size_t(k), b, nullptr, Epilogue{}, got.data(), size_t(n), pool);
          if (!kernel) {
            CHECK(same_bits(got, want));
          } else {
            size_t outside = 0;
            for (size_t i = 0; i < got.size(); ++i) outside += !(std::fabs(double(got[i]) - exact[i]) <= bound[i]);
            CHECK(outside == 0);
          }
        }
}

TEST_CASE("bf16 GEMM with bias, activation and residual equals gemm_f32 on the rounded operands") {
  ThreadPool one(1), three(3);
  const int m = 70, n = 96, k = 200, lda = 210, ldc = 100;
  std::vector<float> a = test::random_floats(size_t(m) * lda, 1, -3.0f, 3.0f);
  std::vector<float> w = test::random_floats(size_t(k) * n, 2);  // [k, n]
  std::vector<float> bias = test::random_floats(size_t(n), 3), residual = test::random_floats(size_t(m) * n, 4);
  std::vector<float> a_rounded = a, w_rounded = w;
  for (float& x : a_rounded) x = round_bf16(x);
  for (float& x : w_rounded) x = round_bf16(x);
  const PackedGemmB dense = pack_b_f32(w_rounded.data(), n, k, Layout::kn);
  for (Activation act : {Activation::none, Activation::silu, Activation::gelu}) {
    const Epilogue epi{act, residual.data(), size_t(n)};
    std::vector<float> want(size_t(m) * ldc, 0.0f);
    gemm_f32(m, a_rounded.data(), lda, dense, bias.data(), epi, want.data(), ldc, one);
    for (const Bf16GemmKernelInfo* kernel : bf16_packers()) {
      INFO(name_of(kernel) << " act=" << int(act));
      const PackedGemmBBf16 b = pack_b_bf16_for(kernel, w.data(), n, k, Layout::kn);
      std::vector<float> got1(size_t(m) * ldc, 0.0f), got3 = got1;
      gemm_bf16(m, a.data(), lda, b, bias.data(), epi, got1.data(), ldc, one);
      gemm_bf16(m, a.data(), lda, b, bias.data(), epi, got3.data(), ldc, three);
      CHECK(same_bits(got1, got3));
      if (!kernel) {
        CHECK(same_bits(got1, want));
      } else {  // |a| < 3, |w| < 1: sums of 200 products differ by at most 200 * 2^-24 * 600;
                // silu and gelu change slopes by at most 1.13
        double worst = 0.0;
        for (size_t i = 0; i < got1.size(); ++i) worst = std::max(worst, std::fabs(double(got1[i]) - double(want[i])));
        CHECK(worst <= 1.13 * 2 * 200 * std::ldexp(1.0, -24) * 600);
      }
    }
  }
}

TEST_CASE("bf16 GEMM: rounding is to nearest even, k = 0 gives the epilogue of zero, weights take 2 bytes") {
  // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1);
  // 1 + 3 * 2^-8 goes up to 1 + 2^-6.
  CHECK(round_bf16(1.0f + std::ldexp(1.0f, -8)) == 1.0f);
  CHECK(round_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 1.0f + std::ldexp(1.0f, -6));
  ThreadPool pool(2);
  for (const Bf16GemmKernelInfo* kernel : bf16_packers()) {
    INFO(name_of(kernel));
    const std::vector<float> bias{1.5f, -2.0f, 0.25f};
    const PackedGemmBBf16 empty = pack_b_bf16_for(kernel, nullptr, 3, 0, Layout::nk);
    std::vector<float> c(6, NAN);
    gemm_bf16(2, nullptr, 0, empty, bias.data(), Epilogue{}, c.data(), 3, pool);
    CHECK(c == std::vector<float>{1.5f, -2.0f, 0.25f, 1.5f, -2.0f, 0.25f});
    const std::vector<float> w = test::random_floats(64 * 320, 9);
    const PackedGemmBBf16 b = pack_b_bf16_for(kernel, w.data(), 64, 320, Layout::nk);
    CHECK(b.bytes() == 64 * 320 * 2);  // no padding at n = 64, k = 320
  }
}

}  // namespace
}  // namespace zoomrt
