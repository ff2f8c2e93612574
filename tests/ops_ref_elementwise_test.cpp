// kernels/ref activations, GEGLU, broadcasting binary ops and scale_shift against PyTorch
// (F.silu, F.gelu, F.gelu(approximate="tanh"), x*sigmoid(1.702x), torch.add/sub/mul/div).
#include <cmath>

#include "kernels/ref/ops.h"
#include "tests/ops_ref_fixture.h"

using namespace zoomrt;
using zoomrt::test::OpFixture;

namespace {

using Activation = void (*)(int64_t, const float*, float*, ThreadPool&);
struct NamedActivation {
  const char* name;
  Activation fn;
};
constexpr NamedActivation kActivations[] = {
#define X(name) {#name, ref::name},
    ZOOMRT_REF_ACTIVATIONS(X)
#undef X
};

}  // namespace

TEST_CASE("activations match torch, including large |x|, also in place") {
  ThreadPool pool(2);
  for (const NamedActivation& act : kActivations) {
    OpFixture fx(act.name);  // the file is named after the activation
    const auto cases = fx.cases();
    REQUIRE(!cases.empty());
    for (const std::string& c : cases) {
      const auto x = fx.f32(c, "x");
      std::vector<float> y(x.size());
      act.fn(int64_t(x.size()), x.data(), y.data(), pool);
      test::expect_close(y, fx.f32(c, "y"), test::kBudget, std::string(act.name) + " case " + c);
      std::vector<float> inplace = x;
      act.fn(int64_t(x.size()), inplace.data(), inplace.data(), pool);
      CHECK(inplace == y);
    }
  }
}

TEST_CASE("geglu matches diffusers GEGLU (hidden * gelu(gate))") {
  OpFixture fx("geglu");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    REQUIRE(xs.size() == 2);
    std::vector<float> y(size_t(xs[0] * xs[1] / 2));
    ref::geglu(xs[0], int(xs[1] / 2), fx.f32(c, "x").data(), y.data(), pool);
    test::expect_close(y, fx.f32(c, "y"), test::kBudget, "geglu case " + c);
  }
}

TEST_CASE("binary broadcasts like torch") {
  OpFixture fx("binary");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto params = fx.params(c);  // [op index in BinaryOp order]
    REQUIRE(params.size() == 1);
    REQUIRE(params[0] >= 0);
    REQUIRE(params[0] <= 3);
    const auto ref_y = fx.f32(c, "y");
    std::vector<float> y(ref_y.size(), NAN);
    ref::binary(ref::BinaryOp(params[0]), fx.shape(c, "a"), fx.f32(c, "a").data(), fx.shape(c, "b"),
                fx.f32(c, "b").data(), y.data(), pool);
    test::expect_close(y, ref_y, test::kBudget, "binary case " + c);
  }
}

TEST_CASE("binary in place into the full-shape operand") {
  ThreadPool pool(3);
  const std::vector<int64_t> a_shape = {2, 3}, b_shape = {3};
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  const std::vector<float> b = {10, 20, 30};
  ref::binary(ref::BinaryOp::sub, a_shape, a.data(), b_shape, b.data(), a.data(), pool);
  CHECK(a == std::vector<float>{-9, -18, -27, -6, -15, -24});
}

TEST_CASE("scale_shift is x*scale + shift") {
  const std::vector<float> x = {0.0f, 1.0f, -2.0f, 0.5f};
  std::vector<float> y(x.size());
  ref::scale_shift(int64_t(x.size()), 0.18215f, -1.0f, x.data(), y.data());
  for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == x[i] * 0.18215f - 1.0f);
  ref::scale_shift(int64_t(x.size()), 2.0f, 3.0f, y.data(), y.data());  // in place
  CHECK(y[1] == (0.18215f - 1.0f) * 2.0f + 3.0f);
}
