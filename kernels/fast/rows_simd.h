// The row kernels of rows.h written once with xsimd and instantiated per ISA in that ISA's
// translation unit (never include this from a file compiled without the matching flags).
// Internal linkage on purpose: the linker would otherwise merge the per-ISA copies of these
// inline templates into one, possibly compiled for an ISA this CPU lacks.
// Tails (n not a multiple of the vector width) use the scalar formulas of kernels/ref.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "kernels/fast/rows.h"

namespace zoomrt::fast {
namespace {  // NOLINT: see above

constexpr int64_t kSumBlock = 512;  // elements per partial sum (keeps float drift near pairwise)
constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;

template <class Arch>
struct Simd {
  using B = xsimd::batch<float, Arch>;
  static constexpr int64_t W = int64_t(B::size);

  // Lane reductions in a fixed order (lane 0 first), the same on every ISA of this width.
  static float lane_sum(B v) {
    alignas(64) float l[W];
    v.store_aligned(l);
    float s = 0.0f;
    for (int64_t i = 0; i < W; ++i) s += l[i];
    return s;
  }
  static float lane_max(B v) {
    alignas(64) float l[W];
    v.store_aligned(l);
    float m = l[0];
    for (int64_t i = 1; i < W; ++i) m = std::max(m, l[i]);
    return m;
  }

  template <class F>  // lane-wise sum of f(x) in blocks, then lanes, then the scalar tail
  static float blocked_sum(const float* x, int64_t n, F f) {
    const int64_t nv = n / W * W;
    B total(0.0f);
    for (int64_t b = 0; b < nv; b += kSumBlock) {
      const int64_t e = std::min(nv, b + kSumBlock);
      B part(0.0f);
      for (int64_t i = b; i < e; i += W) part += f(B::load_unaligned(x + i));
      total += part;
    }
    float s = lane_sum(total);
    for (int64_t i = nv; i < n; ++i) s += f(x[i]);
    return s;
  }
  static float sum(const float* x, int64_t n) {
    return blocked_sum(x, n, [](auto v) { return v; });
  }
  static float sum_sq_dev(const float* x, int64_t n, float mean) {
    return blocked_sum(x, n, [mean](auto v) { return (v - mean) * (v - mean); });
  }

  template <class T>
  static T silu(T v) { return v / (T(1.0f) + xsimd::exp(-v)); }
  static float silu(float v) { return v / (1.0f + std::exp(-v)); }
  template <class T>
  static T gelu(T v) { return T(0.5f) * v * (T(1.0f) + xsimd::erf(v * T(kInvSqrt2))); }
  static float gelu(float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); }
  template <class T>
  static T gelu_tanh(T v) {
    return T(0.5f) * v * (T(1.0f) + xsimd::tanh(T(kSqrt2OverPi) * (v + T(0.044715f) * v * v * v)));
  }
  static float gelu_tanh(float v) {
    return 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
  }
  template <class T>
  static T quick_gelu(T v) { return v / (T(1.0f) + xsimd::exp(T(-1.702f) * v)); }
  static float quick_gelu(float v) { return v / (1.0f + std::exp(-1.702f * v)); }

  template <class F>  // y[i] = f(x[i]) for vectors, then the scalar tail
  static void map(int64_t n, const float* x, float* y, F f) {
    int64_t i = 0;
    for (; i + W <= n; i += W) f(B::load_unaligned(x + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = f(x[i]);
  }

  static void affine(int64_t n, const float* x, float a, float b, bool act, float* y) {
    if (act)
      map(n, x, y, [a, b](auto v) { return silu(xsimd::fma(v, decltype(v)(a), decltype(v)(b))); });
    else
      map(n, x, y, [a, b](auto v) { return xsimd::fma(v, decltype(v)(a), decltype(v)(b)); });
  }

  static void affine_vec(int64_t n, const float* x, const float* a, const float* b, bool act, float* y) {
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      B v = xsimd::fma(B::load_unaligned(x + i), B::load_unaligned(a + i), B::load_unaligned(b + i));
      (act ? silu(v) : v).store_unaligned(y + i);
    }
    for (; i < n; ++i) {
      const float v = xsimd::fma(x[i], a[i], b[i]);
      y[i] = act ? silu(v) : v;
    }
  }

  static void accumulate(int64_t n, const float* x, const float* shift, float* s1, float* s2) {
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      const B d = B::load_unaligned(x + i) - B::load_unaligned(shift + i);
      (B::load_unaligned(s1 + i) + d).store_unaligned(s1 + i);
      xsimd::fma(d, d, B::load_unaligned(s2 + i)).store_unaligned(s2 + i);
    }
    for (; i < n; ++i) {
      const float d = x[i] - shift[i];
      s1[i] += d;
      s2[i] = xsimd::fma(d, d, s2[i]);
    }
  }

  static void norm_row(int64_t n, const float* x, float mean, float inv, const float* gamma, const float* beta,
                       float* y) {
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      B v = (B::load_unaligned(x + i) - B(mean)) * B(inv);
      if (gamma) v *= B::load_unaligned(gamma + i);
      if (beta) v += B::load_unaligned(beta + i);
      v.store_unaligned(y + i);
    }
    for (; i < n; ++i) y[i] = (x[i] - mean) * inv * (gamma ? gamma[i] : 1.0f) + (beta ? beta[i] : 0.0f);
  }

  static void activation(Act act, int64_t n, const float* x, float* y) {
    switch (act) {
#define X(name)                                               \
  case Act::name:                                             \
    map(n, x, y, [](auto v) { return name(v); });             \
    return;
      ZOOMRT_REF_ACTIVATIONS(X)
#undef X
    }
  }

  static void geglu(int64_t n, const float* hidden, const float* gate, float* y) {
    int64_t i = 0;
    for (; i + W <= n; i += W)
      (B::load_unaligned(hidden + i) * gelu(B::load_unaligned(gate + i))).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = hidden[i] * gelu(gate[i]);
  }

  static void softmax(int64_t n, const float* x, float* y) {
    const int64_t nv = n / W * W;
    B vmax(-INFINITY);
    for (int64_t i = 0; i < nv; i += W) vmax = xsimd::max(vmax, B::load_unaligned(x + i));
    float mx = lane_max(vmax);
    for (int64_t i = nv; i < n; ++i) mx = std::max(mx, x[i]);
    B vsum(0.0f);
    for (int64_t i = 0; i < nv; i += W) {
      B e = xsimd::exp(B::load_unaligned(x + i) - B(mx));
      e.store_unaligned(y + i);
      vsum += e;
    }
    float s = lane_sum(vsum);
    for (int64_t i = nv; i < n; ++i) {
      y[i] = std::exp(x[i] - mx);
      s += y[i];
    }
    const float inv = 1.0f / s;
    map(n, y, y, [inv](auto v) { return v * decltype(v)(inv); });
  }

  static void binary(ref::BinaryOp op, int64_t n, const float* a, const float* b, bool b_scalar, float* y) {
    const bool add = op == ref::BinaryOp::add;
    int64_t i = 0;
    if (b_scalar) {
      const float s = b[0];
      if (add) map(n, a, y, [s](auto v) { return v + decltype(v)(s); });
      else map(n, a, y, [s](auto v) { return v * decltype(v)(s); });
      return;
    }
    for (; i + W <= n; i += W) {
      const B va = B::load_unaligned(a + i), vb = B::load_unaligned(b + i);
      (add ? va + vb : va * vb).store_unaligned(y + i);
    }
    for (; i < n; ++i) y[i] = add ? a[i] + b[i] : a[i] * b[i];
  }

  static RowKernels table(Isa isa) {
    return RowKernels{isa,        sum,  sum_sq_dev, affine,  affine_vec, accumulate,
                      norm_row,   activation, geglu, softmax, binary};
  }
};

}  // namespace
}  // namespace zoomrt::fast
