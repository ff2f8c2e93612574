// kernels/ref attention and softmax_rows against PyTorch (F.scaled_dot_product_attention with an
// explicit top-left causal mask, torch.softmax), plus thread-count independence.
#include <cstring>

#include "kernels/ref/ops.h"
#include "tests/ops_ref_fixture.h"

using namespace zoomrt;
using zoomrt::test::OpFixture;

TEST_CASE("attention matches torch scaled_dot_product_attention") {
  OpFixture fx("attention");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& qs = fx.shape(c, "q");
    const auto& ks = fx.shape(c, "k");
    const auto params = fx.params(c);  // [heads, causal]
    REQUIRE(qs.size() == 3);
    REQUIRE(params.size() == 2);
    const int b = int(qs[0]), lq = int(qs[1]), lk = int(ks[1]), heads = int(params[0]);
    const int d = int(qs[2]) / heads;
    std::vector<float> out(size_t(b) * lq * heads * d);
    ref::attention(b, lq, lk, heads, d, fx.scalar(c, "scale"), params[1] != 0, fx.f32(c, "q").data(),
                   fx.f32(c, "k").data(), fx.f32(c, "v").data(), out.data(), pool);
    test::expect_close(out, fx.f32(c, "y"), test::kLongSumBudget, "attention case " + c);
  }
}

TEST_CASE("softmax_rows matches torch.softmax, also in place") {
  OpFixture fx("softmax_rows");
  ThreadPool pool(2);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    REQUIRE(xs.size() == 2);
    const auto x = fx.f32(c, "x");
    std::vector<float> y(x.size());
    ref::softmax_rows(xs[0], int(xs[1]), x.data(), y.data(), pool);
    test::expect_close(y, fx.f32(c, "y"), test::kBudget, "softmax_rows case " + c);
    std::vector<float> inplace = x;
    ref::softmax_rows(xs[0], int(xs[1]), inplace.data(), inplace.data(), pool);
    CHECK(inplace == y);
  }
}

TEST_CASE("attention is bit-identical on 1 and 3 threads") {
  ThreadPool one(1), three(3);
  const int b = 2, lq = 33, lk = 41, heads = 3, d = 16;
  const auto q = test::pattern(size_t(b) * lq * heads * d, 7);
  const auto k = test::pattern(size_t(b) * lk * heads * d, 8);
  const auto v = test::pattern(size_t(b) * lk * heads * d, 9);
  for (bool causal : {false, true}) {
    std::vector<float> o1(q.size()), o3(q.size(), -1.0f);
    ref::attention(b, lq, lk, heads, d, 0.25f, causal, q.data(), k.data(), v.data(), o1.data(), one);
    ref::attention(b, lq, lk, heads, d, 0.25f, causal, q.data(), k.data(), v.data(), o3.data(), three);
    CHECK(std::memcmp(o1.data(), o3.data(), o1.size() * sizeof(float)) == 0);
  }
}
