// kernels/ref conv2d and linear against PyTorch (F.conv2d, F.linear), plus thread-count
// independence: the same inputs on 1 and 3 threads must give bit-identical outputs.
#include <cstring>

#include "kernels/ref/ops.h"
#include "tests/ops_ref_fixture.h"

using namespace zoomrt;
using zoomrt::test::OpFixture;

TEST_CASE("conv2d matches torch F.conv2d") {
  OpFixture fx("conv2d");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    const auto& ws = fx.shape(c, "w");
    const auto params = fx.params(c);  // [stride, pad, groups]
    REQUIRE(xs.size() == 4);
    REQUIRE(ws.size() == 4);
    REQUIRE(params.size() == 3);
    ref::Conv2dShape sh{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ws[0]), int(ws[2]), int(ws[3]),
                        int(params[0]), int(params[1]), int(params[2])};
    const auto& ys = fx.shape(c, "y");
    REQUIRE(ys == std::vector<int64_t>{sh.n, sh.k, sh.p(), sh.q()});
    const std::vector<float> bias = fx.has(c, "b") ? fx.f32(c, "b") : std::vector<float>{};
    std::vector<float> y(size_t(sh.n) * sh.k * sh.p() * sh.q());
    ref::conv2d(sh, fx.f32(c, "x").data(), fx.f32(c, "w").data(), bias.empty() ? nullptr : bias.data(), y.data(),
                pool);
    test::expect_close(y, fx.f32(c, "y"), test::kLongSumBudget, "conv2d case " + c);
  }
}

TEST_CASE("linear matches torch F.linear") {
  OpFixture fx("linear");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    const auto& ws = fx.shape(c, "w");
    REQUIRE(xs.size() == 2);
    REQUIRE(ws.size() == 2);
    REQUIRE(xs[1] == ws[1]);
    const int m = int(xs[0]), n = int(ws[0]), k = int(xs[1]);
    const std::vector<float> bias = fx.has(c, "b") ? fx.f32(c, "b") : std::vector<float>{};
    std::vector<float> y(size_t(m) * n);
    ref::linear(m, n, k, fx.f32(c, "x").data(), fx.f32(c, "w").data(), bias.empty() ? nullptr : bias.data(),
                y.data(), pool);
    test::expect_close(y, fx.f32(c, "y"), test::kLongSumBudget, "linear case " + c);
  }
}

TEST_CASE("conv2d is bit-identical on 1 and 3 threads") {
  ThreadPool one(1), three(3);
  for (const ref::Conv2dShape sh : {ref::Conv2dShape{2, 16, 20, 19, 12, 3, 3, 1, 1, 1},
                                    ref::Conv2dShape{1, 8, 17, 17, 8, 3, 3, 2, 1, 4}}) {
    const auto x = test::pattern(size_t(sh.n) * sh.c * sh.h * sh.w, 1);
    const auto w = test::pattern(size_t(sh.k) * (sh.c / sh.groups) * sh.r * sh.s, 2);
    const auto b = test::pattern(size_t(sh.k), 3);
    const size_t ny = size_t(sh.n) * sh.k * sh.p() * sh.q();
    std::vector<float> y1(ny), y3(ny, -1.0f);
    ref::conv2d(sh, x.data(), w.data(), b.data(), y1.data(), one);
    ref::conv2d(sh, x.data(), w.data(), b.data(), y3.data(), three);
    CHECK(std::memcmp(y1.data(), y3.data(), ny * sizeof(float)) == 0);
  }
}

TEST_CASE("linear is bit-identical on 1 and 3 threads") {
  ThreadPool one(1), three(3);
  const int m = 37, n = 150, k = 200;
  const auto x = test::pattern(size_t(m) * k, 4), w = test::pattern(size_t(n) * k, 5), b = test::pattern(n, 6);
  std::vector<float> y1(size_t(m) * n), y3(size_t(m) * n, -1.0f);
  ref::linear(m, n, k, x.data(), w.data(), b.data(), y1.data(), one);
  ref::linear(m, n, k, x.data(), w.data(), b.data(), y3.data(), three);
  CHECK(std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)) == 0);
}
