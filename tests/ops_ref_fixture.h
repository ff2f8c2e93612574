// Shared helpers for the tests of kernels/ref/ against PyTorch fixtures.
//
// tests/fixtures/ops/<op>.safetensors is written by tools/reference/make_op_fixtures.py: case NAME
// has tensors "NAME.<role>" and always an output "NAME.y"; integer attributes are in the int64
// vector "NAME.params", float attributes are float32 scalars ("NAME.eps", ...).
//
// Error budgets (named once here): |got - ref| <= budget * max(1, |ref|) per element, which is
// stricter than the project rule budget * max(1, max|ref|) over the whole tensor.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "weights/safetensors.h"

namespace zoomrt::test {

inline constexpr float kBudget = 1e-5f;          // elementwise ops, norms, short sums
inline constexpr float kLongSumBudget = 2e-5f;   // conv / linear / attention: hundreds of terms
// timestep_embedding: torch's float exp (SLEEF, <= 1 ulp) may give a frequency one ulp away from
// ours (correctly rounded); the phase t * freq then moves by t ulps of freq <= t * 2^-24 (freq <= 1),
// and sin/cos with it. Budget for a row with timestep t: kBudget + t * kFrequencyUlp.
inline constexpr float kFrequencyUlp = 1.0f / float(1 << 24);

class OpFixture {
 public:
  explicit OpFixture(const std::string& op)
      : file_(SafetensorsFile::open(std::string(ZOOMRT_FIXTURES_DIR) + "/ops/" + op + ".safetensors")) {}

  // Case names, in file order; never empty for a valid fixture (callers REQUIRE that).
  std::vector<std::string> cases() const {
    std::vector<std::string> names;
    for (const TensorView& t : file_.tensors())
      if (t.name.size() > 2 && t.name.ends_with(".y")) names.push_back(t.name.substr(0, t.name.size() - 2));
    return names;
  }
  bool has(const std::string& c, const char* role) const { return file_.find(c + "." + role) != nullptr; }
  const std::vector<int64_t>& shape(const std::string& c, const char* role) const {
    return file_.at(c + "." + role).shape;
  }
  std::vector<float> f32(const std::string& c, const char* role) const {
    return to_f32(file_.at(c + "." + role));
  }
  float scalar(const std::string& c, const char* role) const {
    std::vector<float> v = f32(c, role);
    REQUIRE(v.size() == 1);
    return v[0];
  }
  // An int64 tensor read exactly (to_f32 would round values above 2^24).
  std::vector<int64_t> i64(const std::string& c, const char* role) const {
    const TensorView& t = file_.at(c + "." + role);
    REQUIRE(t.dtype == DType::I64);
    std::vector<int64_t> v(size_t(t.numel()));
    std::memcpy(v.data(), t.data, t.nbytes);  // data may be unaligned
    return v;
  }
  std::vector<int64_t> params(const std::string& c) const { return i64(c, "params"); }

 private:
  SafetensorsFile file_;
};

// Checks every element against the budget; on failure reports the worst element.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& ref, float budget,
                         const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == ref.size());
  double worst_ratio = 0.0;  // error / allowed error; > 1 fails
  size_t worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i])) {
      CHECK(std::isnan(got[i]));
      continue;
    }
    const double err = std::fabs(double(got[i]) - double(ref[i]));
    const double ratio = std::isnan(err) ? INFINITY : err / (budget * std::max(1.0, std::fabs(double(ref[i]))));
    if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
  }
  INFO("worst element " << worst << ": got " << got[worst] << " ref " << ref[worst] << " (error "
                        << worst_ratio << " x budget " << budget << ")");
  CHECK(worst_ratio <= 1.0);
}

// Product of shape[begin, end).
inline int64_t dims_product(const std::vector<int64_t>& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= shape[i];
  return p;
}

// Deterministic pseudo-random values in [-1, 1) for the thread-count tests (no reference needed).
inline std::vector<float> pattern(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = float(seed >> 8) / float(1u << 23) - 1.0f;
  }
  return v;
}

}  // namespace zoomrt::test
