// Reference elementwise activations, GEGLU and scale_shift.
// Formulas follow torch's definitions in float; large |x| saturates cleanly (exp overflow to inf
// gives sigmoid 0, tanh/erf reach +-1), so no activation produces NaN for finite input.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

constexpr size_t kElementGrain = size_t(1) << 14;

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline float gelu_erf(float x) {
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
  return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
}

inline float gelu_tanh_one(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535588f;
  constexpr float kCubic = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + kCubic * x * x * x)));
}

// y[i] = f(x[i]) over n elements in parallel; in place is fine (each element read then written).
template <typename F>
void map(int64_t n, const float* x, float* y, ThreadPool& pool, F f) {
  assert(n >= 0);
  pool.parallel_for(size_t(n), kElementGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) y[i] = f(x[i]);
  });
}

}  // namespace

void silu(int64_t n, const float* x, float* y, ThreadPool& pool) {
  map(n, x, y, pool, [](float v) { return v * sigmoid(v); });
}

void gelu(int64_t n, const float* x, float* y, ThreadPool& pool) { map(n, x, y, pool, gelu_erf); }

void gelu_tanh(int64_t n, const float* x, float* y, ThreadPool& pool) {
  map(n, x, y, pool, gelu_tanh_one);
}

void quick_gelu(int64_t n, const float* x, float* y, ThreadPool& pool) {
  map(n, x, y, pool, [](float v) { return v * sigmoid(1.702f * v); });
}

void geglu(int64_t m, int f, const float* x, float* y, ThreadPool& pool) {
  assert(m >= 0 && f > 0);
  const size_t grain = std::max<size_t>(1, kElementGrain / size_t(f));
  pool.parallel_for(size_t(m), grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* hidden = x + r * 2 * f;
      const float* gate = hidden + f;
      float* yr = y + r * f;
      for (int j = 0; j < f; ++j) yr[j] = hidden[j] * gelu_erf(gate[j]);
    }
  });
}

void scale_shift(int64_t n, float scale, float shift, const float* x, float* y) {
  assert(n >= 0);
  for (int64_t i = 0; i < n; ++i) {
    const float scaled = x[i] * scale;  // rounded before the add, like torch's x * a + b
    y[i] = scaled + shift;
  }
}

}  // namespace zoomrt::ref
