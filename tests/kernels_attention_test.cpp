// Every attention implementation this CPU supports (kernels/attention/attention_kernels.h) and
// the dispatched attention_f32 against the reference kernel (kernels/ref) on self- and
// cross-attention, causal masks with lq == lk, lq < lk and lq > lk, key counts off the key
// tiles, SD head dims 40/64/80/160, the VAE's single head of 512 and key counts that make the
// flash kernels pack K and V in several head groups; bit-identical results for 1 and 3 threads
// and, over several head groups, for 1 and 2; the vectorisable exp against std::exp.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "kernels/attention/attention_f32.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

constexpr double kAttentionBudget = 2e-5;  // relative to max(1, |ref|), per element
constexpr double kExpBudget = 3e-7;        // relative

struct Problem {
  int b, lq, lk, heads, d;
  bool causal;
  int threads;
};

double worst_error(AttentionFn fn, const Problem& p) {
  std::mt19937 gen(uint32_t(p.lq * 131 + p.lk * 7 + p.heads + p.d * 1009));
  std::normal_distribution<float> nd;
  const size_t row = size_t(p.heads) * size_t(p.d);
  std::vector<float> q(size_t(p.b) * p.lq * row), k(size_t(p.b) * p.lk * row), v(k.size());
  for (auto* t : {&q, &k, &v})
    for (float& x : *t) x = nd(gen);
  std::vector<float> ref(q.size()), got(q.size(), 123.0f);
  ThreadPool pool(p.threads);
  const float scale = 1.0f / std::sqrt(float(p.d));
  ref::attention(p.b, p.lq, p.lk, p.heads, p.d, scale, p.causal, q.data(), k.data(), v.data(), ref.data(), pool);
  fn(p.b, p.lq, p.lk, p.heads, p.d, scale, p.causal, q.data(), k.data(), v.data(), got.data(), pool);
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::abs(double(ref[i]) - got[i]) / std::max(1.0, std::abs(double(ref[i]))));
  return worst;
}

// b, lq, lk, heads, d, causal, threads
constexpr Problem kProblems[] = {
    {2, 64, 64, 5, 64, false, 2},     // SD self-attention shape, small
    {2, 300, 77, 4, 40, false, 3},    // cross-attention, lq across the 256-row block
    {1, 77, 77, 16, 64, true, 2},     // CLIP's causal self-attention
    {1, 513, 513, 1, 32, false, 1},   // two and a bit query blocks and key blocks
    {1, 5, 3, 2, 3, true, 2},         // tiny and odd
    {1, 50, 300, 2, 64, false, 2},    // lk = 300: several key blocks, the last one partial
    {1, 37, 129, 3, 24, false, 2},    // lk one past a multiple of the key tile
    {1, 40, 90, 2, 64, true, 2},      // causal, lq < lk (mask top-left aligned)
    {1, 300, 70, 2, 32, true, 3},     // causal, lq > lk: late queries see every key
    {1, 100, 77, 2, 40, false, 2},    // SD1.5 head dims
    {1, 100, 77, 2, 80, false, 2},
    {1, 100, 300, 2, 160, false, 2},
    {2, 130, 260, 5, 64, true, 2},
    {1, 150, 150, 1, 512, false, 2},  // VAE mid-block: one head of 512
    // K and V packed a group of heads at a time (2 MiB of packed K and V per group, at least
    // one head; flash_impl.h): 1.5 MB heads go one per group, 0.5 MB heads four per group
    {2, 30, 3000, 3, 64, false, 2},
    {1, 40, 1000, 6, 64, true, 3},
};

}  // namespace

TEST_CASE("every supported attention kernel equals the reference") {
  for (const AttentionKernel& kernel : attention_kernels()) {
    if (!cpu_supports(kernel.isa)) continue;
    for (const Problem& p : kProblems) {
      const double worst = worst_error(kernel.fn, p);
      INFO(kernel.name << ": b " << p.b << " lq " << p.lq << " lk " << p.lk << " heads " << p.heads << " d " << p.d
                       << " causal " << p.causal << ": worst relative error " << worst);
      CHECK(worst <= kAttentionBudget);
    }
  }
}

TEST_CASE("attention_f32 dispatches to a supported kernel and equals the reference") {
  INFO("dispatched " << attention_kernel().name);
  CHECK(cpu_supports(attention_kernel().isa));
  CHECK(worst_error(&attention_f32, {2, 100, 77, 5, 64, false, 2}) <= kAttentionBudget);
  CHECK(worst_error(&attention_f32, {1, 70, 70, 3, 40, true, 2}) <= kAttentionBudget);
}

TEST_CASE("every attention kernel is bit-identical for 1 and 3 threads") {
  const int lq = 260, lk = 300, heads = 2, d = 16;
  std::vector<float> q(size_t(lq) * heads * d), k(size_t(lk) * heads * d);
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(float(i));
  for (size_t i = 0; i < k.size(); ++i) k[i] = std::cos(float(i) * 0.7f);
  ThreadPool one(1), three(3);
  for (const AttentionKernel& kernel : attention_kernels()) {
    if (!cpu_supports(kernel.isa)) continue;
    for (bool causal : {false, true}) {
      std::vector<float> a(q.size()), b(q.size());
      kernel.fn(1, lq, lk, heads, d, 0.25f, causal, q.data(), k.data(), k.data(), a.data(), one);
      kernel.fn(1, lq, lk, heads, d, 0.25f, causal, q.data(), k.data(), k.data(), b.data(), three);
      INFO(kernel.name << " causal " << causal);
      CHECK(a == b);
    }
  }
}

TEST_CASE("every attention kernel is bit-identical for 1 and 2 threads over several head groups") {
  // lk = 2100, d = 64: about 1.1 MB of packed K and V per head, so one head per group, 2 x 3 groups.
  const int b = 2, lq = 50, lk = 2100, heads = 3, d = 64;
  const size_t row = size_t(heads) * d;
  std::vector<float> q(size_t(b) * lq * row), k(size_t(b) * lk * row), v(k.size());
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(float(i) * 0.3f);
  for (size_t i = 0; i < k.size(); ++i) k[i] = std::cos(float(i) * 0.7f), v[i] = std::sin(float(i) * 1.1f);
  ThreadPool one(1), two(2);
  for (const AttentionKernel& kernel : attention_kernels()) {
    if (!cpu_supports(kernel.isa)) continue;
    for (bool causal : {false, true}) {
      std::vector<float> a(q.size()), c(q.size());
      kernel.fn(b, lq, lk, heads, d, 0.2f, causal, q.data(), k.data(), v.data(), a.data(), one);
      kernel.fn(b, lq, lk, heads, d, 0.2f, causal, q.data(), k.data(), v.data(), c.data(), two);
      INFO(kernel.name << " causal " << causal);
      CHECK(a == c);
    }
  }
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
