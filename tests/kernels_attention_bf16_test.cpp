// BF16 attention (kernels/attention/attention_bf16.h) against a double-precision softmax attention
// on the bf16-rounded q, k and v: the only other rounding is of the weights P to bf16 (relative
// 2^-9 each), so every output is within 2^-8 of max |v| (plus f32 noise) of that reference.
// Each kernel the CPU supports is run directly; attention_bf16 itself is checked to be it or,
// without one, attention_f32 exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/attention/attention_bf16.h"
#include "kernels/dtype.h"
#include "kernel_test_util.h"

namespace zoomrt {
namespace {

using test::round_bf16;

struct Case {
  int b, lq, lk, heads, d;
  bool causal;
};

std::vector<double> reference(const Case& c, float scale, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v) {
  const size_t row = size_t(c.heads) * size_t(c.d);
  std::vector<double> out(size_t(c.b) * size_t(c.lq) * row);
  std::vector<double> s(size_t(c.lk));
  for (int bi = 0; bi < c.b; ++bi)
    for (int h = 0; h < c.heads; ++h)
      for (int i = 0; i < c.lq; ++i) {
        const int limit = c.causal ? std::min(c.lk, i + 1) : c.lk;
        const float* qi = &q[(size_t(bi) * size_t(c.lq) + size_t(i)) * row + size_t(h) * size_t(c.d)];
        double m = -INFINITY, sum = 0.0;
        for (int j = 0; j < limit; ++j) {
          const float* kj = &k[(size_t(bi) * size_t(c.lk) + size_t(j)) * row + size_t(h) * size_t(c.d)];
          double dot = 0.0;
          for (int dd = 0; dd < c.d; ++dd) dot += double(round_bf16(qi[dd])) * double(round_bf16(kj[dd]));
          s[size_t(j)] = dot * double(scale);
          m = std::max(m, s[size_t(j)]);
        }
        for (int j = 0; j < limit; ++j) sum += (s[size_t(j)] = std::exp(s[size_t(j)] - m));
        double* o = &out[(size_t(bi) * size_t(c.lq) + size_t(i)) * row + size_t(h) * size_t(c.d)];
        for (int j = 0; j < limit; ++j) {
          const float* vj = &v[(size_t(bi) * size_t(c.lk) + size_t(j)) * row + size_t(h) * size_t(c.d)];
          for (int dd = 0; dd < c.d; ++dd) o[dd] += s[size_t(j)] / sum * double(round_bf16(vj[dd]));
        }
      }
  return out;
}

TEST_CASE("bf16 attention is within the weights' bf16 rounding of exact attention on rounded inputs") {
  const Case cases[] = {
      {2, 16, 16, 2, 64, false}, {1, 17, 77, 3, 64, false}, {2, 77, 100, 2, 40, false}, {1, 33, 33, 2, 64, true},
      {1, 5, 130, 1, 80, false}, {1, 40, 1, 2, 64, false},  {1, 20, 300, 5, 64, true},
      {2, 20, 4100, 3, 64, false},  // K and V of one head past 1 MiB: heads packed one group at a time
  };
  ThreadPool one(1), three(3);
  for (const AttentionKernel& kernel : attention_bf16_kernels()) {
    if (!cpu_supports(kernel.isa)) {
      WARN("skipped " << kernel.name << ": this CPU lacks " << isa_name(kernel.isa));
      continue;
    }
    for (const Case& c : cases) {
      INFO(kernel.name << " b=" << c.b << " lq=" << c.lq << " lk=" << c.lk << " heads=" << c.heads << " d=" << c.d
                       << " causal=" << c.causal);
      const size_t row = size_t(c.heads) * size_t(c.d);
      const std::vector<float> q = test::random_floats(size_t(c.b) * size_t(c.lq) * row, 1, -2.0f, 2.0f);
      const std::vector<float> k = test::random_floats(size_t(c.b) * size_t(c.lk) * row, 2, -2.0f, 2.0f);
      const std::vector<float> v = test::random_floats(size_t(c.b) * size_t(c.lk) * row, 3, -3.0f, 3.0f);
      const float scale = 1.0f / std::sqrt(float(c.d));
      const std::vector<double> want = reference(c, scale, q, k, v);
      std::vector<float> got(want.size(), NAN), got3(want.size(), NAN);
      kernel.fn(c.b, c.lq, c.lk, c.heads, c.d, scale, c.causal, q.data(), k.data(), v.data(), got.data(), one);
      kernel.fn(c.b, c.lq, c.lk, c.heads, c.d, scale, c.causal, q.data(), k.data(), v.data(), got3.data(), three);
      double worst = 0.0;
      for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - want[i]));
      CHECK(worst <= 3.0 * std::ldexp(1.0, -8) + 1e-5);  // max |v| = 3
      CHECK(std::memcmp(got.data(), got3.data(), got.size() * sizeof(float)) == 0);
      // The rounding is really there: exact f32 attention differs.
      if (c.lk > 1) {
        std::vector<float> f32(want.size());
        attention_f32(c.b, c.lq, c.lk, c.heads, c.d, scale, c.causal, q.data(), k.data(), v.data(), f32.data(), one);
        CHECK(std::memcmp(f32.data(), got.data(), got.size() * sizeof(float)) != 0);
      }
    }
  }
}

TEST_CASE("attention_bf16 runs the chosen bf16 kernel, or attention_f32 without one") {
  const Case c{2, 21, 45, 3, 64, false};
  const size_t row = size_t(c.heads) * size_t(c.d);
  const std::vector<float> q = test::random_floats(size_t(c.b) * size_t(c.lq) * row, 4);
  const std::vector<float> k = test::random_floats(size_t(c.b) * size_t(c.lk) * row, 5);
  const std::vector<float> v = test::random_floats(size_t(c.b) * size_t(c.lk) * row, 6);
  ThreadPool pool(2);
  std::vector<float> got(size_t(c.b) * size_t(c.lq) * row), want(got.size());
  attention_bf16(c.b, c.lq, c.lk, c.heads, c.d, 0.125f, false, q.data(), k.data(), v.data(), got.data(), pool);
  if (const AttentionKernel* kernel = attention_bf16_kernel())
    kernel->fn(c.b, c.lq, c.lk, c.heads, c.d, 0.125f, false, q.data(), k.data(), v.data(), want.data(), pool);
  else
    attention_f32(c.b, c.lq, c.lk, c.heads, c.d, 0.125f, false, q.data(), k.data(), v.data(), want.data(), pool);
  CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
}

}  // namespace
}  // namespace zoomrt
