// Int8 GEMM (kernels/gemm/q8_gemm.h) for every int8 kernel the CPU supports: exact integer
// results at the saturation-prone extremes, float results within the quantisation error
// bound of ref::linear, fused epilogues, and thread-count independence.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/gemm/config.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

// Slack on the analytic quantisation bound for float rounding in the dequant and reference.
constexpr double kBoundSlack = 1.01;
constexpr double kAbsEps = 1e-5;

using test::random_floats;

using test::for_each_q8_kernel;

// Values in {-127, 127} (each row and weight channel reaches 127, so every scale is exactly 1):
// the products 127 * 127 in every position are what saturates vpmaddubsw-based int8 kernels.
std::vector<float> extreme_values(size_t rows, size_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(rows * cols);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) v[r * cols + c] = (c == 0 || rng() % 4 != 0) ? 127.0f : -127.0f;
  return v;
}

}  // namespace

TEST_CASE("q8 gemm: exact integer sums at the extremes (no saturation), all tails") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (int m : {1, kernel.mr - 1, kernel.mr + 1, 2 * kernel.mr + 3})
      for (int n : {1, kernel.nr, kernel.nr + 5})
        for (int k : {1, 3, 5, 130, 1000}) {
          if (m < 1) continue;
          const auto a = extreme_values(size_t(m), size_t(k), 1), w = extreme_values(size_t(n), size_t(k), 2);
          const PackedGemmBQ8 packed = pack_b_q8_for(kernel, w.data(), n, k, Layout::nk);
          std::vector<float> c(size_t(m) * n);
          gemm_q8(m, a.data(), size_t(k), packed, nullptr, Epilogue{}, c.data(), size_t(n), pool);
          int bad = 0;
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
              int64_t want = 0;  // independent exact integer dot product
              for (int kk = 0; kk < k; ++kk)
                want += int64_t(a[size_t(i) * k + kk]) * int64_t(w[size_t(j) * k + kk]);
              if (c[size_t(i) * n + j] != float(want) && bad++ < 3)
                FAIL_CHECK(kernel.name << " m=" << m << " n=" << n << " k=" << k << " at (" << i << "," << j
                                       << "): got " << c[size_t(i) * n + j] << " want " << want);
            }
          CHECK(bad == 0);
        }
  });
}

TEST_CASE("q8 gemm: float inputs within the quantisation bound of ref::linear, with epilogues") {
  ThreadPool pool(2);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    for (Activation act : {Activation::none, Activation::gelu}) {
      const int m = 2 * kernel.mr + 1, n = kernel.nr + 7, k = 203;
      const size_t lda = size_t(k) + 5, ldc = size_t(n) + 3;
      const auto a = random_floats(size_t(m) * lda, 3, -3.0f, 3.0f), w = random_floats(size_t(n) * k, 4);
      const auto bias = random_floats(size_t(n), 5);
      std::vector<float> a_dense(size_t(m) * k), pre(size_t(m) * n), ref(size_t(m) * n);
      for (int i = 0; i < m; ++i) std::copy_n(&a[size_t(i) * lda], k, &a_dense[size_t(i) * k]);
      ref::linear(m, n, k, a_dense.data(), w.data(), bias.data(), pre.data(), pool);
      ref = pre;
      if (act == Activation::gelu) ref::gelu(int64_t(ref.size()), ref.data(), ref.data(), pool);

      const PackedGemmBQ8 packed = pack_b_q8_for(kernel, w.data(), n, k, Layout::nk);
      std::vector<float> c(size_t(m) * ldc, 0.0f);
      gemm_q8(m, a.data(), lda, packed, bias.data(), Epilogue{act}, c.data(), ldc, pool);
      int bad = 0;
      for (int i = 0; i < m; ++i) {
        float amax = 0;
        for (int kk = 0; kk < k; ++kk) amax = std::max(amax, std::abs(a_dense[size_t(i) * k + kk]));
        const double sa = amax / 127.0;
        for (int j = 0; j < n; ++j) {
          float wmax = 0;
          for (int kk = 0; kk < k; ++kk) wmax = std::max(wmax, std::abs(w[size_t(j) * k + kk]));
          const double sw = wmax / 127.0;
          // |a*w - a'*w'| <= |a-a'||w| + |a'||w-w'| with |a-a'| <= sa/2, |w-w'| <= sw/2, |a'| <= |a| + sa/2.
          double bound = 0;
          for (int kk = 0; kk < k; ++kk)
            bound += 0.5 * sa * std::abs(w[size_t(j) * k + kk]) +
                     0.5 * sw * (std::abs(a_dense[size_t(i) * k + kk]) + 0.5 * sa);
          bound = bound * kBoundSlack + kAbsEps;  // gelu is 1.13-Lipschitz at most: covered below
          if (act == Activation::gelu) bound *= 1.13;
          const double got = c[size_t(i) * ldc + j], want = ref[size_t(i) * n + j];
          if (std::abs(got - want) > bound && bad++ < 3)
            FAIL_CHECK(kernel.name << " at (" << i << "," << j << "): got " << got << " want " << want
                                   << " bound " << bound);
        }
      }
      CHECK(bad == 0);
    }
  });
}

TEST_CASE("q8 gemm: residual epilogue and [k,n] weights") {
  ThreadPool pool(1);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    const int m = 5, n = 9, k = 17;
    const auto a = extreme_values(size_t(m), size_t(k), 6), w_nk = extreme_values(size_t(n), size_t(k), 7);
    const auto res = random_floats(size_t(m) * n, 8);
    std::vector<float> w_kn(w_nk.size());
    for (int j = 0; j < n; ++j)
      for (int kk = 0; kk < k; ++kk) w_kn[size_t(kk) * n + j] = w_nk[size_t(j) * k + kk];
    const PackedGemmBQ8 packed = pack_b_q8_for(kernel, w_kn.data(), n, k, Layout::kn);
    std::vector<float> c(size_t(m) * n);
    gemm_q8(m, a.data(), size_t(k), packed, nullptr, Epilogue{Activation::none, res.data(), size_t(n)}, c.data(),
            size_t(n), pool);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        int64_t dot = 0;
        for (int kk = 0; kk < k; ++kk) dot += int64_t(a[size_t(i) * k + kk]) * int64_t(w_nk[size_t(j) * k + kk]);
        INFO(kernel.name << " (" << i << "," << j << ")");
        CHECK(c[size_t(i) * n + j] == float(dot) + res[size_t(i) * n + j]);
      }
  });
}

TEST_CASE("q8 gemm: 1 and 3 threads give bit-identical results") {
  ThreadPool one(1), three(3);
  for_each_q8_kernel([&](const Q8GemmKernelInfo& kernel) {
    const int m = 301, n = 3 * kernel.nr + 3, k = 517;
    const auto a = random_floats(size_t(m) * k, 9), w = random_floats(size_t(n) * k, 10);
    const PackedGemmBQ8 packed = pack_b_q8_for(kernel, w.data(), n, k, Layout::nk);
    std::vector<float> c1(size_t(m) * n), c3(size_t(m) * n);
    gemm_q8(m, a.data(), size_t(k), packed, nullptr, Epilogue{Activation::silu}, c1.data(), size_t(n), one);
    gemm_q8(m, a.data(), size_t(k), packed, nullptr, Epilogue{Activation::silu}, c3.data(), size_t(n), three);
    INFO(kernel.name);
    CHECK(c1 == c3);
  });
}
