// kernels/ref data movement and embeddings against PyTorch / diffusers: F.interpolate(nearest),
// torch.cat, narrow, permute, get_timestep_embedding, F.embedding.
#include <cmath>

#include "kernels/ref/ops.h"
#include "tests/ops_ref_fixture.h"

using namespace zoomrt;
using zoomrt::test::OpFixture;

namespace {

// Copies are exact: expect bit equality, not a budget.
void expect_equal(const std::vector<float>& got, const std::vector<float>& ref, const std::string& what) {
  INFO(what);
  CHECK(got == ref);
}

size_t axis_of(int64_t axis, size_t rank) { return size_t(axis < 0 ? axis + int64_t(rank) : axis); }

}  // namespace

TEST_CASE("upsample_nearest2x matches F.interpolate nearest") {
  OpFixture fx("upsample_nearest2x");
  ThreadPool pool(3);
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    REQUIRE(xs.size() == 4);
    std::vector<float> y(size_t(test::dims_product(xs, 0, 4) * 4));
    ref::upsample_nearest2x(int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), fx.f32(c, "x").data(), y.data(), pool);
    expect_equal(y, fx.f32(c, "y"), "upsample case " + c);
  }
}

TEST_CASE("concat matches torch.cat") {
  OpFixture fx("concat");
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    std::vector<std::vector<float>> data;
    std::vector<const float*> ptrs;
    std::vector<int64_t> sizes;
    const auto& ys = fx.shape(c, "y");
    const size_t axis = axis_of(fx.params(c).at(0), ys.size());
    for (char i = '0'; i <= '9'; ++i) {  // inputs x0, x1, ... in order
      const char role[] = {'x', i, '\0'};
      if (!fx.has(c, role)) break;
      data.push_back(fx.f32(c, role));
      sizes.push_back(fx.shape(c, role).at(axis));
    }
    for (const auto& d : data) ptrs.push_back(d.data());
    REQUIRE(ptrs.size() >= 2);
    std::vector<float> y(size_t(test::dims_product(ys, 0, ys.size())));
    ref::concat(test::dims_product(ys, 0, axis), test::dims_product(ys, axis + 1, ys.size()), ptrs, sizes, y.data());
    expect_equal(y, fx.f32(c, "y"), "concat case " + c);
  }
}

TEST_CASE("slice matches torch narrow") {
  OpFixture fx("slice");
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto& xs = fx.shape(c, "x");
    const auto p = fx.params(c);  // [axis, start, len]
    const size_t axis = axis_of(p.at(0), xs.size());
    std::vector<float> y(size_t(test::dims_product(xs, 0, xs.size()) / xs[axis] * p.at(2)));
    ref::slice(test::dims_product(xs, 0, axis), xs[axis], test::dims_product(xs, axis + 1, xs.size()), p[1], p[2],
               fx.f32(c, "x").data(), y.data());
    expect_equal(y, fx.f32(c, "y"), "slice case " + c);
  }
}

TEST_CASE("permute matches torch permute().contiguous()") {
  OpFixture fx("permute");
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto p = fx.params(c);
    const std::vector<int> perm(p.begin(), p.end());
    const auto x = fx.f32(c, "x");
    std::vector<float> y(x.size());
    ref::permute(fx.shape(c, "x"), perm, x.data(), y.data());
    expect_equal(y, fx.f32(c, "y"), "permute case " + c);
  }
}

TEST_CASE("timestep_embedding matches diffusers get_timestep_embedding") {
  OpFixture fx("timestep_embedding");
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto p = fx.params(c);  // [dim, flip_sin_to_cos]
    const auto t = fx.f32(c, "t");
    std::vector<float> y(t.size() * size_t(p.at(0)));
    const size_t dim = size_t(p[0]);
    ref::timestep_embedding(int(t.size()), int(dim), p.at(1) != 0, fx.scalar(c, "shift"), t.data(), y.data());
    const auto ref_y = fx.f32(c, "y");
    for (size_t i = 0; i < t.size(); ++i) {  // row by row: the budget grows with the timestep
      const std::vector<float> got_row(y.begin() + i * dim, y.begin() + (i + 1) * dim);
      const std::vector<float> ref_row(ref_y.begin() + i * dim, ref_y.begin() + (i + 1) * dim);
      const float budget = test::kBudget + t[i] * test::kFrequencyUlp;
      test::expect_close(got_row, ref_row, budget, "timestep_embedding case " + c + " t=" + std::to_string(t[i]));
    }
  }
}

TEST_CASE("embedding matches F.embedding") {
  OpFixture fx("embedding");
  const auto cases = fx.cases();
  REQUIRE(!cases.empty());
  for (const std::string& c : cases) {
    const auto ids = fx.i64(c, "ids");
    const int dim = int(fx.shape(c, "table").at(1));
    std::vector<float> y(ids.size() * size_t(dim));
    ref::embedding(int64_t(ids.size()), dim, ids.data(), fx.f32(c, "table").data(), y.data());
    expect_equal(y, fx.f32(c, "y"), "embedding case " + c);
  }
}
