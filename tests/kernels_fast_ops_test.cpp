// kernels/fast against kernels/ref: norms (+ fused SiLU; NHWC group norm, upsample and pad on
// data the test transposes itself), softmax, activations, GEGLU, broadcast add/mul, upsample and
// permute, on edge sizes (1 element, vector-width tails, block tails);
// 1 vs 3 threads bit-identical; every compiled row-kernel table (generic, AVX2) checked alike.
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "kernels/fast/ops.h"
#include "kernels/ref/ops.h"
#include "kernels/ref/pad_clamp.h"

using namespace zoomrt;

namespace {

// Budgets per element, relative to max(1, |ref|). Norms: vector partial sums round differently
// from the reference's blocked scalar sums, and y = x*a + b folds the affine into one FMA.
constexpr double kNormBudget = 2e-5;
constexpr double kSoftmaxBudget = 1e-6;     // xsimd::exp vs std::exp, a few ulp
constexpr double kActivationBudget = 1e-6;  // xsimd exp/erf/tanh vs libm, a few ulp

std::vector<float> randn(size_t n, uint32_t seed, float scale = 1.0f, float shift = 0.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> nd;
  std::vector<float> v(n);
  for (float& x : v) x = nd(gen) * scale + shift;
  return v;
}

double worst_error(const std::vector<float>& ref, const std::vector<float>& got) {
  REQUIRE(ref.size() == got.size());
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::abs(double(ref[i]) - got[i]) / std::max(1.0, std::abs(double(ref[i]))));
  return worst;
}

// Runs `fast` with 1 and 3 threads (must agree bit for bit) and compares with `ref`.
void check(size_t out_size, const std::function<void(float*, ThreadPool&)>& ref_fn,
           const std::function<void(float*, ThreadPool&)>& fast_fn, double budget) {
  ThreadPool p1(1), p3(3);
  std::vector<float> want(out_size), got1(out_size, 7.0f), got3(out_size, -7.0f);
  ref_fn(want.data(), p1);
  fast_fn(got1.data(), p1);
  fast_fn(got3.data(), p3);
  // (memcmp on an empty vector's data(), possibly null, is undefined: UBSan in ASAN_ALL=1.)
  CHECK((out_size == 0 || std::memcmp(got1.data(), got3.data(), out_size * sizeof(float)) == 0));
  const double worst = worst_error(want, got1);
  INFO("worst relative error " << worst << " (budget " << budget << ")");
  CHECK(worst <= budget);
}

}  // namespace

TEST_CASE("fast group norm and fused group norm + silu match the reference") {
  struct Case { int n, c; int64_t spatial; int groups; };
  for (Case s : {Case{2, 64, 4096, 32}, Case{1, 6, 7, 3}, Case{3, 12, 1, 4}, Case{1, 32, 33, 32}, Case{2, 8, 9, 1}}) {
    const size_t size = size_t(s.n) * s.c * s.spatial;
    auto x = randn(size, 1, 3.0f, 0.5f), g = randn(size_t(s.c), 2), b = randn(size_t(s.c), 3);
    for (bool affine : {true, false})
      for (bool act : {false, true}) {
        INFO("n " << s.n << " c " << s.c << " spatial " << s.spatial << " groups " << s.groups << " affine "
                  << affine << " silu " << act);
        const float* gp = affine ? g.data() : nullptr;
        const float* bp = affine ? b.data() : nullptr;
        check(
            size,
            [&](float* y, ThreadPool& p) {
              ref::group_norm(s.n, s.c, s.spatial, s.groups, 1e-5f, x.data(), gp, bp, y, p);
              if (act) ref::silu(int64_t(size), y, y, p);
            },
            [&](float* y, ThreadPool& p) {
              fast::group_norm(s.n, s.c, s.spatial, s.groups, 1e-5f, x.data(), gp, bp, act, y, p);
            },
            kNormBudget);
      }
  }
}

namespace {

// [n, a, b] -> [n, b, a] (NCHW <-> NHWC with a, b = c, h*w or h*w, c), the test's own loop.
std::vector<float> transposed(const std::vector<float>& x, int64_t n, int64_t a, int64_t b) {
  std::vector<float> y(x.size());
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < a; ++i)
      for (int64_t j = 0; j < b; ++j) y[size_t((s * b + j) * a + i)] = x[size_t((s * a + i) * b + j)];
  return y;
}

}  // namespace

TEST_CASE("fast NHWC group norm (+ silu) matches the reference on transposed data") {
  struct Case { int n, c; int64_t hw; int groups; };
  struct Data { float offset; bool silu; };
  // c below / at / above the vector width and with a tail; hw spanning several statistics
  // blocks; a mean far from 0 (offset 40) checks the one-pass statistics' shift.
  for (Case s : {Case{2, 64, 4096, 32}, Case{1, 6, 7, 3}, Case{3, 12, 1, 4}, Case{1, 32, 33, 32},
                 Case{2, 8, 9, 1}, Case{2, 1280, 20, 32}, Case{1, 20, 3000, 4}})
    for (Data d : {Data{0.5f, false}, Data{0.5f, true}, Data{40.0f, false}}) {
      INFO("n " << s.n << " c " << s.c << " hw " << s.hw << " groups " << s.groups << " silu " << d.silu
                << " offset " << d.offset);
      const size_t size = size_t(s.n) * s.c * size_t(s.hw);
      auto x = randn(size, 41, 3.0f, d.offset), g = randn(size_t(s.c), 42), b = randn(size_t(s.c), 43);
      const auto x_nhwc = transposed(x, s.n, s.c, s.hw);
      check(
          size,
          [&](float* y, ThreadPool& p) {
            std::vector<float> nchw(size);
            ref::group_norm(s.n, s.c, s.hw, s.groups, 1e-5f, x.data(), g.data(), b.data(), nchw.data(), p);
            if (d.silu) ref::silu(int64_t(size), nchw.data(), nchw.data(), p);
            const auto nhwc = transposed(nchw, s.n, s.c, s.hw);
            std::copy(nhwc.begin(), nhwc.end(), y);
          },
          [&](float* y, ThreadPool& p) {
            fast::group_norm_nhwc(s.n, s.hw, s.c, s.groups, 1e-5f, x_nhwc.data(), g.data(), b.data(), d.silu, y, p);
          },
          kNormBudget);
    }
}

TEST_CASE("fast NHWC upsample and pad2d equal the reference on transposed data") {
  for (auto [n, c, h, w] : {std::array{2, 3, 5, 7}, std::array{1, 1, 1, 1}, std::array{1, 16, 8, 8}}) {
    INFO("n " << n << " c " << c << " h " << h << " w " << w);
    auto x = randn(size_t(n * c * h * w), 51);
    const auto x_nhwc = transposed(x, n, c, int64_t(h) * w);
    check(
        size_t(n * c * h * w * 4),
        [&](float* y, ThreadPool& p) {
          std::vector<float> nchw(size_t(n * c * h * w * 4));
          ref::upsample_nearest2x(n, c, h, w, x.data(), nchw.data(), p);
          const auto nhwc = transposed(nchw, n, c, int64_t(h) * w * 4);
          std::copy(nhwc.begin(), nhwc.end(), y);
        },
        [&](float* y, ThreadPool& p) { fast::upsample_nearest2x_nhwc(n, h, w, c, x_nhwc.data(), y, p); }, 0.0);
    for (auto [top, bottom, left, right] : {std::array{0, 1, 0, 1}, std::array{2, 0, 1, 3}}) {
      const int ho = h + top + bottom, wo = w + left + right;
      const size_t out = size_t(n * c * ho * wo);
      check(
          out,
          [&](float* y, ThreadPool&) {
            std::vector<float> nchw(out);
            ref::pad2d(int64_t(n) * c, h, w, top, bottom, left, right, x.data(), nchw.data());
            const auto nhwc = transposed(nchw, n, c, int64_t(ho) * wo);
            std::copy(nhwc.begin(), nhwc.end(), y);
          },
          [&](float* y, ThreadPool& p) {
            fast::pad2d_nhwc(n, h, w, c, top, bottom, left, right, x_nhwc.data(), y, p);
          },
          0.0);
    }
  }
}

TEST_CASE("fast layer norm matches the reference") {
  for (int c : {1, 7, 8, 9, 320, 1023})
    for (int64_t m : {1, 5, 77}) {
      INFO("m " << m << " c " << c);
      auto x = randn(size_t(m * c), uint32_t(c), 2.0f, -1.0f), g = randn(size_t(c), 5), b = randn(size_t(c), 6);
      check(
          size_t(m * c),
          [&](float* y, ThreadPool& p) { ref::layer_norm(m, c, 1e-5f, x.data(), g.data(), b.data(), y, p); },
          [&](float* y, ThreadPool& p) { fast::layer_norm(m, c, 1e-5f, x.data(), g.data(), b.data(), y, p); },
          kNormBudget);
    }
}

TEST_CASE("fast softmax matches the reference, including large logits") {
  for (int n : {1, 3, 8, 77, 4096})
    for (float scale : {1.0f, 40.0f}) {
      INFO("n " << n << " scale " << scale);
      auto x = randn(size_t(3 * n), uint32_t(n), scale);
      check(
          x.size(), [&](float* y, ThreadPool& p) { ref::softmax_rows(3, n, x.data(), y, p); },
          [&](float* y, ThreadPool& p) { fast::softmax_rows(3, n, x.data(), y, p); }, kSoftmaxBudget);
    }
}

TEST_CASE("fast activations match the reference on every size class") {
  for (int64_t n : {0, 1, 7, 4095, 4097, 3 * 4096 + 5}) {
    auto x = randn(size_t(n), uint32_t(n + 1), 4.0f);
    if (n > 2) x[0] = -100.0f, x[1] = 100.0f;  // saturation: no NaN
#define X(name)                                                                                     \
  {                                                                                                 \
    INFO(#name << " n " << n);                                                                      \
    check(                                                                                          \
        size_t(n), [&](float* y, ThreadPool& p) { ref::name(n, x.data(), y, p); },                 \
        [&](float* y, ThreadPool& p) { fast::activation(fast::Act::name, n, x.data(), y, p); },    \
        kActivationBudget);                                                                         \
  }
    ZOOMRT_REF_ACTIVATIONS(X)
#undef X
  }
}

TEST_CASE("fast GEGLU matches the reference") {
  for (int f : {1, 5, 8, 1280})
    for (int64_t m : {1, 3, 20}) {
      INFO("m " << m << " f " << f);
      auto x = randn(size_t(m * 2 * f), uint32_t(f), 2.0f);
      check(
          size_t(m * f), [&](float* y, ThreadPool& p) { ref::geglu(m, f, x.data(), y, p); },
          [&](float* y, ThreadPool& p) { fast::geglu(m, f, x.data(), y, p); }, kActivationBudget);
    }
}

TEST_CASE("fast broadcast add and mul are exact") {
  using S = std::vector<int64_t>;
  struct Case { S a, b; };
  const Case cases[] = {
      {{2, 3, 5, 7}, {2, 3, 5, 7}},  {{2, 4, 6, 6}, {2, 4, 1, 1}}, {{2, 4, 1, 1}, {2, 4, 6, 6}},
      {{3, 77, 320}, {320}},         {{320}, {3, 77, 320}},        {{5, 1}, {1, 6}},
      {{1, 9000}, {9000}},           {{2, 1, 3}, {2, 5, 1}},       {{4, 5}, {1}},
      {{2, 5, 6, 7}, {2, 1, 1, 7}},  {{2, 1, 1, 9}, {2, 4, 3, 9}}, {{3, 2, 5, 4}, {3, 1, 5, 1}},
  };
  for (const Case& c : cases)
    for (auto op : {ref::BinaryOp::add, ref::BinaryOp::mul, ref::BinaryOp::sub}) {
      S out(std::max(c.a.size(), c.b.size()));
      for (size_t i = 0; i < out.size(); ++i) {
        auto dim = [&](const S& s) {
          const size_t off = out.size() - s.size();
          return i < off ? int64_t(1) : s[i - off];
        };
        out[i] = std::max(dim(c.a), dim(c.b));
      }
      size_t na = 1, nb = 1, ny = 1;
      for (auto d : c.a) na *= size_t(d);
      for (auto d : c.b) nb *= size_t(d);
      for (auto d : out) ny *= size_t(d);
      auto a = randn(na, 11), b = randn(nb, 12);
      INFO("op " << int(op) << " a rank " << c.a.size() << " b rank " << c.b.size() << " size " << ny);
      check(
          ny, [&](float* y, ThreadPool& p) { ref::binary(op, c.a, a.data(), c.b, b.data(), y, p); },
          [&](float* y, ThreadPool& p) { fast::binary(op, c.a, a.data(), c.b, b.data(), y, p); }, 0.0);
    }
}

TEST_CASE("fast upsample and permute are exact") {
  for (auto [n, c, h, w] : {std::array{2, 3, 5, 7}, std::array{1, 1, 1, 1}, std::array{1, 4, 8, 8}}) {
    auto x = randn(size_t(n * c * h * w), 21);
    check(
        size_t(n * c * h * w * 4),
        [&](float* y, ThreadPool& p) { ref::upsample_nearest2x(n, c, h, w, x.data(), y, p); },
        [&](float* y, ThreadPool& p) { fast::upsample_nearest2x(n, c, h, w, x.data(), y, p); }, 0.0);
  }
  using S = std::vector<int64_t>;
  using P = std::vector<int>;
  const std::pair<S, P> cases[] = {
      {{2, 40, 3, 35}, {0, 2, 3, 1}}, {{2, 3, 35, 40}, {0, 3, 1, 2}}, {{33, 70}, {1, 0}},
      {{2, 3, 4, 5}, {1, 0, 2, 3}},   {{1, 4, 1, 5}, {0, 3, 2, 1}},   {{2, 3, 4}, {0, 1, 2}},
      {{3, 1, 4, 2}, {2, 1, 3, 0}},   {{2, 3, 4, 5, 6}, {0, 3, 4, 1, 2}},
  };
  for (const auto& [shape, perm] : cases) {
    size_t size = 1;
    for (auto d : shape) size *= size_t(d);
    auto x = randn(size, 22);
    INFO("rank " << shape.size() << " perm[0..1] " << perm[0] << perm[1]);
    check(
        size, [&](float* y, ThreadPool&) { ref::permute(shape, perm, x.data(), y); },
        [&](float* y, ThreadPool& p) { fast::permute(shape, perm, x.data(), y, p); }, 0.0);
  }
}

TEST_CASE("every compiled row-kernel table matches the reference on a tail-heavy row") {
  ThreadPool pool(1);
  const Isa isas[] = {
#define X(name) Isa::name,
      ZOOMRT_FAST_ROW_ISAS(X)
#undef X
  };
  for (Isa isa : isas) {
    const fast::RowKernels* k = fast::row_kernels_for(isa);
    if (!k) continue;
    INFO("isa " << isa_name(isa));
    const int64_t n = 37;
    auto x = randn(size_t(n), 31, 3.0f);
    std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    ref::softmax_rows(1, int(n), x.data(), want.data(), pool);
    k->softmax(n, x.data(), got.data());
    CHECK(worst_error(want, got) <= kSoftmaxBudget);
    ref::gelu(n, x.data(), want.data(), pool);
    k->activation(fast::Act::gelu, n, x.data(), got.data());
    CHECK(worst_error(want, got) <= kActivationBudget);
    const float mean = k->sum(x.data(), n) / float(n);
    double exact = 0;
    for (float v : x) exact += v;
    CHECK(std::abs(mean - exact / double(n)) <= 1e-6);
    // The entries the dispatched table's op tests cover only for the best ISA.
    const auto g = randn(size_t(n), 32), b = randn(size_t(n), 33);
    const float var = k->sum_sq_dev(x.data(), n, mean) / float(n);
    k->norm_row(n, x.data(), mean, 1.0f / std::sqrt(var + 1e-5f), g.data(), b.data(), got.data());
    ref::layer_norm(1, int(n), 1e-5f, x.data(), g.data(), b.data(), want.data(), pool);
    CHECK(worst_error(want, got) <= kNormBudget);
    std::vector<float> affine(static_cast<size_t>(n));
    for (size_t i = 0; i < affine.size(); ++i) affine[i] = std::fma(x[i], 0.7f, -0.3f);
    ref::silu(n, affine.data(), want.data(), pool);
    k->affine(n, x.data(), 0.7f, -0.3f, true, got.data());
    CHECK(worst_error(want, got) <= kActivationBudget);
    std::vector<float> hidden_gate(x);
    hidden_gate.insert(hidden_gate.end(), g.begin(), g.end());  // one GEGLU row [hidden | gate]
    ref::geglu(1, int(n), hidden_gate.data(), want.data(), pool);
    k->geglu(n, x.data(), g.data(), got.data());
    CHECK(worst_error(want, got) <= kActivationBudget);
    k->binary(ref::BinaryOp::mul, n, x.data(), g.data(), false, got.data());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == x[i] * g[i]);
  }
}
