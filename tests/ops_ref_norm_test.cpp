// kernels/ref group_norm and layer_norm against PyTorch (F.group_norm, F.layer_norm), plus
// thread-count independence of group_norm.
#include <cstring>

#include "kernels/ref/ops.h"
#include "tests/ops_ref_fixture.h"

using namespace zoomrt;
using zoomrt::test::OpFixture;

TEST_CASE("group_norm matches torch F.group_norm") {
  OpFixture fx("group_norm");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    const auto params = fx.params(c);  // [groups]
    REQUIRE(xs.size() >= 2);
    REQUIRE(params.size() == 1);
    const auto x = fx.f32(c, "x");
    std::vector<float> y(x.size());
    ref::group_norm(int(xs[0]), int(xs[1]), test::dims_product(xs, 2, xs.size()), int(params[0]),
                    fx.scalar(c, "eps"), x.data(), fx.f32(c, "gamma").data(), fx.f32(c, "beta").data(), y.data(),
                    pool);
    test::expect_close(y, fx.f32(c, "y"), test::kBudget, "group_norm case " + c);
  }
}

TEST_CASE("layer_norm matches torch F.layer_norm") {
  OpFixture fx("layer_norm");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    REQUIRE(xs.size() == 2);
    const auto x = fx.f32(c, "x");
    std::vector<float> y(x.size());
    ref::layer_norm(xs[0], int(xs[1]), fx.scalar(c, "eps"), x.data(), fx.f32(c, "gamma").data(),
                    fx.f32(c, "beta").data(), y.data(), pool);
    test::expect_close(y, fx.f32(c, "y"), test::kBudget, "layer_norm case " + c);
  }
}

TEST_CASE("group_norm without gamma/beta is the plain normalisation") {
  // Independent calculation: 2 groups of 2 channels x 2 positions; group 0 holds {1,2,3,4}.
  ThreadPool pool(1);
  const std::vector<float> x = {1, 2, 3, 4, -1, -1, 1, 1};
  std::vector<float> y(x.size());
  ref::group_norm(1, 4, 2, 2, 0.0f, x.data(), nullptr, nullptr, y.data(), pool);
  const float s = 1.0f / std::sqrt(1.25f);  // group 0: mean 2.5, biased variance 1.25
  const std::vector<float> expect = {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s, -1, -1, 1, 1};
  test::expect_close(y, expect, test::kBudget, "group_norm by hand");
}

TEST_CASE("group_norm is bit-identical on 1 and 3 threads") {
  ThreadPool one(1), three(3);
  const int n = 2, c = 64, groups = 32;
  const int64_t spatial = 300;
  const auto x = test::pattern(size_t(n) * c * spatial, 10);
  const auto gamma = test::pattern(c, 11), beta = test::pattern(c, 12);
  std::vector<float> y1(x.size()), y3(x.size(), -1.0f);
  ref::group_norm(n, c, spatial, groups, 1e-5f, x.data(), gamma.data(), beta.data(), y1.data(), one);
  ref::group_norm(n, c, spatial, groups, 1e-5f, x.data(), gamma.data(), beta.data(), y3.data(), three);
  CHECK(std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)) == 0);
}
