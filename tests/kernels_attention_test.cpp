// The fast attention kernel against the reference kernel (kernels/ref) on self- and
// cross-attention, causal masks, several heads, query counts around the block size; the
// vectorisable exp against std::exp.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "kernels/attention/attention_f32.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

constexpr double kAttentionBudget = 2e-5;  // relative to max(1, |ref|), per element
constexpr double kExpBudget = 3e-7;        // relative

void check(int b, int lq, int lk, int heads, int d, bool causal, int threads) {
  std::mt19937 gen(uint32_t(lq * 131 + lk * 7 + heads));
  std::normal_distribution<float> nd;
  const size_t row = size_t(heads) * size_t(d);
  std::vector<float> q(size_t(b) * lq * row), k(size_t(b) * lk * row), v(k.size());
  for (auto* t : {&q, &k, &v})
    for (float& x : *t) x = nd(gen);
  std::vector<float> ref(q.size()), got(q.size(), 123.0f);
  ThreadPool pool(threads);
  const float scale = 1.0f / std::sqrt(float(d));
  ref::attention(b, lq, lk, heads, d, scale, causal, q.data(), k.data(), v.data(), ref.data(), pool);
  attention_f32(b, lq, lk, heads, d, scale, causal, q.data(), k.data(), v.data(), got.data(), pool);
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::abs(double(ref[i]) - got[i]) / std::max(1.0, std::abs(double(ref[i]))));
  INFO("b " << b << " lq " << lq << " lk " << lk << " heads " << heads << " d " << d << " causal " << causal
            << ": worst relative error " << worst);
  CHECK(worst <= kAttentionBudget);
}

}  // namespace

TEST_CASE("fast attention equals the reference") {
  check(2, 64, 64, 5, 64, false, 2);     // SD self-attention shape, small
  check(2, 300, 77, 4, 40, false, 3);    // cross-attention, lq across the 256-row block
  check(1, 77, 77, 16, 64, true, 2);     // CLIP's causal self-attention
  check(1, 513, 513, 1, 32, false, 1);   // VAE-like single head, two and a bit blocks
  check(1, 5, 3, 2, 3, true, 2);         // tiny and odd
}

TEST_CASE("fast attention is bit-identical for 1 and 3 threads") {
  const int lq = 260, lk = 70, heads = 2, d = 16;
  std::vector<float> q(size_t(lq) * heads * d), k(size_t(lk) * heads * d);
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(float(i));
  for (size_t i = 0; i < k.size(); ++i) k[i] = std::cos(float(i) * 0.7f);
  std::vector<float> a(q.size()), b(q.size());
  ThreadPool one(1), three(3);
  attention_f32(1, lq, lk, heads, d, 0.25f, false, q.data(), k.data(), k.data(), a.data(), one);
  attention_f32(1, lq, lk, heads, d, 0.25f, false, q.data(), k.data(), k.data(), b.data(), three);
  CHECK(a == b);
}

TEST_CASE("exp_nonpositive is within 3e-7 of std::exp over the softmax range") {
  std::vector<float> x, y;
  for (float t = 0.0f; t > -87.0f; t -= 0.0137f) x.push_back(t);
  y.resize(x.size());
  exp_nonpositive(int(x.size()), x.data(), y.data());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(double(y[i]) - std::exp(double(x[i]))) / std::exp(double(x[i])));
  INFO("worst relative error " << worst);
  CHECK(worst <= kExpBudget);
}
