// Tiled and fused execution tests: random inputs and the comparison with the unfused reference
// layers (kernels/ref) within 1e-5 relative to the reference's largest magnitude.
#pragma once
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace exec_test {

constexpr double kRelTol = 1e-5;

inline std::vector<float> random_vec(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

inline void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  double max_ref = 0, max_err = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(double(want[i])));
    max_err = std::max(max_err, std::abs(double(got[i]) - double(want[i])));
  }
  INFO("max abs error " << max_err << " max |ref| " << max_ref);
  CHECK(max_err <= kRelTol * std::max(1.0, max_ref));
}

}  // namespace exec_test
