// Fast FP32 GEMM (kernels/gemm/) against the scalar reference ref::linear, for every kernel of
// kernels/kernel_list.h the CPU supports (others are skipped with a warning, never failed).
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/gemm/config.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

// Error budget: both sides sum k float products in different orders (FMA chains vs. the
using test::kAbsEpsPerSqrtK;
using test::kRelEps;

using test::random_floats;

struct Case {
  int m, n, k;
  size_t lda, ldc;
  Layout layout = Layout::nk;
  bool bias = false;
  Activation act = Activation::none;
  bool residual = false;
};

// Runs one case with `kernel` and checks it against ref::linear plus ref activations.
void check_case(const F32GemmKernelInfo& kernel, const Case& cs, ThreadPool& pool) {
  const auto a = random_floats(size_t(cs.m) * cs.lda, 1);
  const auto w_nk = random_floats(size_t(cs.n) * cs.k, 2);  // [n, k]
  const auto bias = random_floats(size_t(cs.n), 3);
  const auto res = random_floats(size_t(cs.m) * cs.n, 4);
  std::vector<float> w = w_nk;
  if (cs.layout == Layout::kn)
    for (int j = 0; j < cs.n; ++j)
      for (int kk = 0; kk < cs.k; ++kk) w[size_t(kk) * cs.n + j] = w_nk[size_t(j) * cs.k + kk];

  // Reference: dense A copy (ref wants contiguous rows), linear, activation, residual.
  std::vector<float> a_dense(size_t(cs.m) * cs.k), ref(size_t(cs.m) * cs.n);
  for (int i = 0; i < cs.m; ++i) std::copy_n(&a[size_t(i) * cs.lda], cs.k, &a_dense[size_t(i) * cs.k]);
  ref::linear(cs.m, cs.n, cs.k, a_dense.data(), w_nk.data(), cs.bias ? bias.data() : nullptr, ref.data(), pool);
  if (cs.act == Activation::silu) ref::silu(int64_t(ref.size()), ref.data(), ref.data(), pool);
  if (cs.act == Activation::gelu) ref::gelu(int64_t(ref.size()), ref.data(), ref.data(), pool);
  if (cs.residual)
    for (size_t i = 0; i < ref.size(); ++i) ref[i] += res[i];

  const PackedGemmB packed = pack_b_f32_for(kernel, w.data(), cs.n, cs.k, cs.layout);
  const float sentinel = 12345.0f;
  std::vector<float> c(size_t(cs.m) * cs.ldc, sentinel);
  Epilogue epi{cs.act, cs.residual ? res.data() : nullptr, size_t(cs.n)};
  gemm_f32(cs.m, a.data(), cs.lda, packed, cs.bias ? bias.data() : nullptr, epi, c.data(), cs.ldc, pool);

  const double abs_eps = kAbsEpsPerSqrtK * std::sqrt(double(std::max(cs.k, 1)));
  int bad = 0;
  for (int i = 0; i < cs.m; ++i) {
    for (int j = 0; j < cs.n; ++j) {
      const double r = ref[size_t(i) * cs.n + j], got = c[size_t(i) * cs.ldc + j];
      if (std::abs(got - r) > std::max(abs_eps, kRelEps * std::abs(r)) && bad++ < 3)
        FAIL_CHECK(kernel.name << " m=" << cs.m << " n=" << cs.n << " k=" << cs.k << " at (" << i << "," << j
                               << "): got " << got << " want " << r);
    }
    for (size_t j = size_t(cs.n); j < cs.ldc; ++j)  // padding columns of C stay untouched
      if (c[size_t(i) * cs.ldc + j] != sentinel && bad++ < 3)
        FAIL_CHECK(kernel.name << " wrote past n at row " << i << " col " << j);
  }
  CHECK(bad == 0);
}

using test::for_each_kernel;

}  // namespace

TEST_CASE("f32 gemm kernels: M, N tails and K below, at and above the k block") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    const int mr = kernel.mr, nr = kernel.nr, kc = gemm_blocking(kernel).kc_max;
    for (int m : {1, mr - 1, mr, mr + 1, 3 * mr + 2})
      for (int n : {1, nr - 1, nr, nr + 3, 2 * nr + 5})
        for (int k : {1, 5, kc - 1, kc, kc + 1, 2 * kc + 7}) {
          if (m < 1 || n < 1 || k < 1) continue;
          check_case(kernel, {m, n, k, size_t(k), size_t(n)}, pool);
        }
  });
}

TEST_CASE("f32 gemm kernels: odd leading dimensions and [k,n] weights") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    check_case(kernel, {29, 45, 77, 77 + 3, 45 + 7}, pool);
    check_case(kernel, {29, 45, 77, 81, 50, Layout::kn}, pool);
    check_case(kernel, {kernel.mr * 5 + 1, kernel.nr * 3, 300, 301, size_t(kernel.nr * 3 + 1), Layout::kn}, pool);
    // Rows a multiple of 4 KiB apart: A blocks are copied to a padded stride (L1 set conflicts),
    // within one k block and over several.
    const int kc = gemm_blocking(kernel).kc_max;
    check_case(kernel, {3 * kernel.mr + 2, 2 * kernel.nr + 5, 700, 1024, size_t(2 * kernel.nr + 5)}, pool);
    check_case(kernel, {kernel.mr + 3, kernel.nr + 3, 2 * kc + 7, size_t(4 * kc), size_t(kernel.nr + 3)}, pool);
  });
}

TEST_CASE("f32 gemm kernels: fused bias, silu/gelu and residual epilogues") {
  ThreadPool pool(2);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    for (Activation act : {Activation::none, Activation::silu, Activation::gelu}) {
      check_case(kernel, {19, 37, 64, 64, 37, Layout::nk, true, act, false}, pool);
      check_case(kernel, {19, 37, 64, 70, 40, Layout::nk, true, act, true}, pool);
      check_case(kernel, {7, 16, 33, 33, 16, Layout::nk, false, act, true}, pool);
    }
  });
}

TEST_CASE("f32 gemm: k = 0 gives the epilogue of an empty sum") {
  ThreadPool pool(1);
  const float bias[3] = {1.0f, -2.0f, 0.5f};
  const PackedGemmB packed = pack_b_f32(nullptr, 3, 0, Layout::nk);
  std::vector<float> c(2 * 3, 99.0f);
  gemm_f32(2, nullptr, 0, packed, bias, Epilogue{}, c.data(), 3, pool);
  CHECK(c == std::vector<float>{1.0f, -2.0f, 0.5f, 1.0f, -2.0f, 0.5f});
}

TEST_CASE("f32 gemm: 1 and 3 threads give bit-identical results") {
  ThreadPool one(1), three(3);
  for_each_kernel([&](const F32GemmKernelInfo& kernel) {
    const int m = 517, n = 3 * kernel.nr + 5, k = gemm_blocking(kernel).kc_max + 9;
    const auto a = random_floats(size_t(m) * k, 5), w = random_floats(size_t(n) * k, 6), bias = random_floats(n, 7);
    const PackedGemmB packed = pack_b_f32_for(kernel, w.data(), n, k, Layout::nk);
    std::vector<float> c1(size_t(m) * n), c3(size_t(m) * n);
    const Epilogue epi{Activation::gelu};
    gemm_f32(m, a.data(), k, packed, bias.data(), epi, c1.data(), n, one);
    gemm_f32(m, a.data(), k, packed, bias.data(), epi, c3.data(), n, three);
    INFO(kernel.name);
    CHECK(c1 == c3);
  });
}

TEST_CASE("f32 gemm: the default kernel is the best one the CPU supports") {
  const F32GemmKernelInfo& def = f32_gemm_default();
  CHECK(cpu_supports(def.isa));
  CHECK(def.isa <= cpu_features().best_isa);
  for (const auto& k : f32_gemm_kernels())
    if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) CHECK(k.isa <= def.isa);
}
