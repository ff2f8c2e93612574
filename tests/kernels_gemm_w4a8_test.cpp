// W4A8 GEMM (kernels/gemm/w4a8_gemm.h) against ref::linear on the int4 weights dequantised in the
// test from the format's definition (per column and group: scale = max|w| / 7, code = round(w /
// scale) in -7..7). What is left is the activation rounding, bounded per output by
//   |y - a . w_hat| <= (sa / 2) * sum_k |w_hat[k]|,  sa = max_k |a[k]| / 127
// plus f32 summation slack (1e-5 of sum |a| |w_hat|). Every int8 kernel this CPU runs, M/N tails,
// K below / at / above a group and not a multiple of it; codes from a stored int4 file layout
// give the same result as quantising the floats; exact integer sums at the code extremes, from
// floats (+-7) and from stored codes (0..15, so -8 too); epilogues; thread-count independence.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/w4a8_gemm.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

std::vector<float> randoms(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// The int4-gG format by its definition: dequantised weights and the stored layout (codes [n,
// ceil(k/2)] with even kk low, scales [n, groups]).
struct Int4 {
  std::vector<float> w_hat, scales;
  std::vector<uint8_t> codes;
};
Int4 quantize_int4(const std::vector<float>& w, int n, int k, int group) {
  Int4 q;
  const int groups = (k + group - 1) / group, row_bytes = (k + 1) / 2;
  q.w_hat.resize(w.size()), q.scales.resize(size_t(n * groups)), q.codes.assign(size_t(n * row_bytes), 0);
  for (int j = 0; j < n; ++j)
    for (int g = 0; g < groups; ++g) {
      const int k0 = g * group, k1 = std::min(k, k0 + group);
      float amax = 0;
      for (int kk = k0; kk < k1; ++kk) amax = std::max(amax, std::abs(w[size_t(j * k + kk)]));
      const float s = amax > 0 ? amax / 7 : 1;
      q.scales[size_t(j * groups + g)] = s;
      for (int kk = k0; kk < k1; ++kk) {
        const int code = int(std::clamp(std::nearbyint(w[size_t(j * k + kk)] / s), -7.0f, 7.0f));
        q.w_hat[size_t(j * k + kk)] = float(code) * s;
        q.codes[size_t(j * row_bytes + kk / 2)] |= uint8_t((code + 8) << (kk % 2 ? 4 : 0));
      }
    }
  return q;
}

using test::for_each_q8_kernel;

void check_within_budget(int m, int n, int k, const std::vector<float>& a, const Int4& q, const std::vector<float>& got,
                         const std::vector<float>& bias) {
  ThreadPool one(1);
  std::vector<float> want(size_t(m * n));
  ref::linear(m, n, k, a.data(), q.w_hat.data(), bias.data(), want.data(), one);
  for (int i = 0; i < m; ++i) {
    float amax = 0;
    for (int kk = 0; kk < k; ++kk) amax = std::max(amax, std::abs(a[size_t(i * k + kk)]));
    const double sa = amax / 127.0;
    for (int j = 0; j < n; ++j) {
      double wsum = 0, awsum = 0;
      for (int kk = 0; kk < k; ++kk) {
        wsum += std::abs(q.w_hat[size_t(j * k + kk)]);
        awsum += std::abs(a[size_t(i * k + kk)] * q.w_hat[size_t(j * k + kk)]);
      }
      const double budget = sa / 2 * wsum + 1e-5 * awsum + 1e-6;
      const double err = std::abs(double(got[size_t(i * n + j)]) - want[size_t(i * n + j)]);
      if (err > budget) FAIL_CHECK("m " << m << " n " << n << " k " << k << " at " << i << "," << j << ": error " << err << " > budget " << budget);
    }
  }
}

}  // namespace

TEST_CASE("w4a8 gemm: within the activation-rounding budget of ref::linear on int4 weights, all tails") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    INFO(kernel.name);
    for (int group : {32, 64, 128})
      for (int m : {1, 5, 13})
        for (int n : {1, 17, 40})
          for (int k : {1, 31, group, group + 7, 3 * group}) {
            const auto a = randoms(size_t(m * k), uint32_t(m * 131 + k));
            const auto w = randoms(size_t(n * k), uint32_t(n * 7 + k + group));
            const auto bias = randoms(size_t(n), 5);
            const Int4 q = quantize_int4(w, n, k, group);
            std::vector<float> c(size_t(m * n), -1.0f), c2(size_t(m * n), -2.0f);
            gemm_w4a8(m, a.data(), size_t(k), pack_b_w4a8(kernel, w.data(), n, k, group), bias.data(), Epilogue{},
                      c.data(), size_t(n), pool);
            check_within_budget(m, n, k, a, q, c, bias);
            // The stored file layout packs to the same panels: bit-identical output.
            gemm_w4a8(m, a.data(), size_t(k), pack_b_w4a8_codes(kernel, q.codes.data(), q.scales.data(), n, k, group),
                      bias.data(), Epilogue{}, c2.data(), size_t(n), pool);
            CHECK(c == c2);
          }
  });
}

// Activations all +-127 and weights all +-7 make every scale exactly 1 (sa = 127 / 127, sw = 7 / 7),
// so the output must equal the integer dot product exactly: codes at both extremes, the code
// offset 8 removed exactly, no saturation (u8 x s8 pairs up to 2 * 15 * 127 in vpmaddubsw).
TEST_CASE("w4a8 gemm: exact integer sums at the code extremes +-127 x +-7, all tails") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    INFO(kernel.name);
    std::mt19937 rng(7);
    for (int group : {32, 64, 128})
      for (int m : {1, 5, 13})
        for (int n : {1, 17, 40})
          for (int k : {1, 31, group, group + 7, 3 * group}) {
            std::vector<float> a(size_t(m * k)), w(size_t(n * k));
            for (auto& x : a) x = rng() % 2 ? 127.0f : -127.0f;
            for (auto& x : w) x = rng() % 2 ? 7.0f : -7.0f;
            std::vector<float> c(size_t(m * n), -1.0f);
            gemm_w4a8(m, a.data(), size_t(k), pack_b_w4a8(kernel, w.data(), n, k, group), nullptr, Epilogue{},
                      c.data(), size_t(n), pool);
            for (int i = 0; i < m; ++i)
              for (int j = 0; j < n; ++j) {
                int64_t dot = 0;
                for (int kk = 0; kk < k; ++kk)
                  dot += int64_t(a[size_t(i * k + kk)]) * int64_t(w[size_t(j * k + kk)]);
                if (c[size_t(i * n + j)] != float(dot))
                  FAIL_CHECK("group " << group << " m " << m << " n " << n << " k " << k << " at " << i << "," << j
                                      << ": " << c[size_t(i * n + j)] << " != " << dot);
              }
          }
  });
}

// The stored int4 format (weights/quantized.h) uses code 0 (= -8) too, which the float packer
// above never produces: codes drawn from 0..15 (mostly the ends 0 and 15) with unit scales,
// packed from the file layout, against the exact integer dot product sum a * (code - 8).
TEST_CASE("w4a8 gemm: stored codes 0..15 (-8 included) give exact integer sums, all tails") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    INFO(kernel.name);
    std::mt19937 rng(9);
    for (int group : {32, 64, 128})
      for (int m : {1, 5, 13})
        for (int n : {1, 17, 40})
          for (int k : {1, 31, group, group + 7, 3 * group}) {
            const int groups = (k + group - 1) / group, row_bytes = (k + 1) / 2;
            std::vector<float> a(size_t(m * k)), scales(size_t(n * groups), 1.0f);
            std::vector<int> code(size_t(n * k));
            std::vector<uint8_t> codes(size_t(n * row_bytes), 0);
            for (auto& x : a) x = rng() % 2 ? 127.0f : -127.0f;
            for (int j = 0; j < n; ++j)
              for (int kk = 0; kk < k; ++kk) {
                const uint32_t r = rng() % 8;
                const int q = r < 3 ? 0 : r < 6 ? 15 : int(rng() % 16);
                code[size_t(j * k + kk)] = q;
                codes[size_t(j * row_bytes + kk / 2)] |= uint8_t(q << (kk % 2 ? 4 : 0));
              }
            std::vector<float> c(size_t(m * n), -1.0f);
            gemm_w4a8(m, a.data(), size_t(k), pack_b_w4a8_codes(kernel, codes.data(), scales.data(), n, k, group),
                      nullptr, Epilogue{}, c.data(), size_t(n), pool);
            for (int i = 0; i < m; ++i)
              for (int j = 0; j < n; ++j) {
                int64_t dot = 0;
                for (int kk = 0; kk < k; ++kk)
                  dot += int64_t(a[size_t(i * k + kk)]) * (code[size_t(j * k + kk)] - 8);
                if (c[size_t(i * n + j)] != float(dot))
                  FAIL_CHECK("group " << group << " m " << m << " n " << n << " k " << k << " at " << i << "," << j
                                      << ": " << c[size_t(i * n + j)] << " != " << dot);
              }
          }
  });
}

TEST_CASE("w4a8 gemm: every q8 kernel maps to a W4A8 kernel of its geometry") {
  for (const Q8GemmKernelInfo& q8 : q8_gemm_kernels()) {
    const W4A8GemmKernelInfo& wk = w4a8_kernel_for(q8);
    INFO(q8.name << " -> " << wk.name);
    // A partner shares the tile; a q8 kernel without one falls back to the generic row.
    if (wk.q8_partner == q8.name) {
      CHECK(wk.nr == q8.nr);
      CHECK(wk.kgroup == q8.kgroup);
      CHECK(wk.isa == q8.isa);
    } else {
      CHECK(wk.isa == Isa::generic);
    }
  }
}

TEST_CASE("w4a8 gemm: silu and residual epilogues, 1 and 3 threads agree bit for bit") {
  const int m = 70, n = 50, k = 200, group = 64;
  const auto a = randoms(size_t(m * k), 1), w = randoms(size_t(n * k), 2), res = randoms(size_t(m * n), 3);
  const PackedGemmBW4A8 b = pack_b_w4a8(q8_gemm_default(), w.data(), n, k, group);
  ThreadPool one(1), three(3);
  std::vector<float> plain(size_t(m * n)), y1(size_t(m * n)), y3(size_t(m * n));
  gemm_w4a8(m, a.data(), size_t(k), b, nullptr, Epilogue{}, plain.data(), size_t(n), one);
  const Epilogue epi{Activation::silu, res.data(), size_t(n)};
  gemm_w4a8(m, a.data(), size_t(k), b, nullptr, epi, y1.data(), size_t(n), one);
  gemm_w4a8(m, a.data(), size_t(k), b, nullptr, epi, y3.data(), size_t(n), three);
  CHECK(y1 == y3);
  for (size_t i = 0; i < plain.size(); ++i) {
    const float x = plain[i];
    CHECK(y1[i] == Approx(x / (1 + std::exp(-x)) + res[i]).margin(1e-5));
  }
  CHECK(b.bytes() < size_t(n * k));  // about half a byte per weight plus the group scales
}

// The task split changes with the thread count (M = 77 x N = 320 x K = 1024, the cross-attention
// K/V shape: one task of 77 rows on 1 thread, two of 39 / 38 rows on 2, three of 26 / 26 / 25
// on 3, micro-rows of 5 or 6 rows); each output is one fixed sequence of operations, so every
// kernel gives the same bits on each, bias and residual included (the residual offset per
// task). Also K = 81 (a 9-channel 3x3 convolution's rows), whose last group runs 5 of 16 steps.
TEST_CASE("w4a8 gemm: 1, 2 and 3 threads agree bit for bit on every kernel, M = 77") {
  ThreadPool one(1), two(2), three(3);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (const int k : {1024, 81}) {
      INFO(kernel.name << " k " << k);
      const int m = 77, n = 320, group = 64;
      const auto a = randoms(size_t(m * k), 11), w = randoms(size_t(n * k), 12), bias = randoms(size_t(n), 13);
      const auto res = randoms(size_t(m * n), 14);
      const PackedGemmBW4A8 b = pack_b_w4a8(kernel, w.data(), n, k, group);
      const Epilogue epi{Activation::none, res.data(), size_t(n)};
      std::vector<float> y1(size_t(m * n), -1.0f), y2(y1.size(), -2.0f), y3(y1.size(), -3.0f);
      gemm_w4a8(m, a.data(), size_t(k), b, bias.data(), epi, y1.data(), size_t(n), one);
      gemm_w4a8(m, a.data(), size_t(k), b, bias.data(), epi, y2.data(), size_t(n), two);
      gemm_w4a8(m, a.data(), size_t(k), b, bias.data(), epi, y3.data(), size_t(n), three);
      CHECK(y1 == y2);
      CHECK(y1 == y3);
      // Against the reference without the residual, which then adds exactly as the epilogue does.
      std::vector<float> y_plain(y1.size());
      gemm_w4a8(m, a.data(), size_t(k), b, bias.data(), Epilogue{}, y_plain.data(), size_t(n), two);
      check_within_budget(m, n, k, a, quantize_int4(w, n, k, group), y_plain, bias);
      size_t off = 0;
      for (size_t i = 0; i < y1.size(); ++i) off += y1[i] != y_plain[i] + res[i];
      CHECK(off == 0);
    }
  });
}
