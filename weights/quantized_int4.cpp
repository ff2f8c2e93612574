// int4-gG: two 4-bit codes per byte, one scale per group of G along the stored order, each
// group's scale chosen from a grid to minimise the squared rounding error.
#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "weights/quantized_format.h"

namespace zoomrt::quant {

namespace {

// Round to nearest, ties to even, for |x| < 2^22 (here |x| <= 11 before clamping): adding and
// subtracting 1.5 * 2^23 leaves the integer part. Unlike a libm nearbyint call it can be inlined
// and vectorised in the scale search below (8 passes over every weight at load).
// (Without -ffast-math the compiler may not fold (x + m) - m to x.)
inline float round_small(float x) {
  constexpr float m = 12582912.0f;
  return (x + m) - m;
}

// int4 code of w / scale: -8..7 (the byte stores code + 8).
int int4_code(float w, float inv_scale) { return int(std::clamp(round_small(w * inv_scale), -8.0f, 7.0f)); }

// The scale of one int4 group that minimises the squared rounding error sum (w - code * scale)^2
// over a grid: |scale| = amax / d for d in kInt4Divisors, signed so that the largest magnitude
// lands on the -8 side (16 levels, not 15). d = 7 is plain max-abs scaling (nothing clipped);
// larger d clip the extremes for a finer step, which on Gaussian-like groups lowers the error.
constexpr float kInt4Divisors[] = {7.0f, 7.5f, 8.0f, 8.5f, 9.0f, 9.5f, 10.0f, 11.0f};
float int4_group_scale(const float* w, int64_t count) {
  float amax = 0, extreme = 0;
  for (int64_t i = 0; i < count; ++i)
    if (std::abs(w[i]) > amax) amax = std::abs(w[i]), extreme = w[i];
  if (amax == 0) return 1;
  const float sign = extreme > 0 ? -1.0f : 1.0f;
  float best = sign * amax / 7, best_err = INFINITY;
  for (float d : kInt4Divisors) {
    const float sc = sign * amax / d, inv = 1 / sc;
    float err = 0;
    for (int64_t i = 0; i < count; ++i) {
      const float e = w[i] - float(int4_code(w[i], inv)) * sc;
      err += e * e;
    }
    if (err < best_err) best_err = err, best = sc;
  }
  return best;
}

}  // namespace

std::vector<QuantTensor> quantize_int4(const std::string& name, const std::vector<int64_t>& shape, const float* w,
                                       int64_t g) {
  const int64_t n = shape[0], k = product(shape, 1), groups = (k + g - 1) / g, row_bytes = (k + 1) / 2;
  const RscOrder ord = rsc_order(shape);
  std::vector<uint8_t> q(size_t(n * row_bytes), 0);
  std::vector<float> s(static_cast<size_t>(n * groups)), row(static_cast<size_t>(k));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t kk = 0; kk < k; ++kk) row[size_t(ord.stored(kk))] = w[r * k + kk];
    for (int64_t gi = 0; gi < groups; ++gi) {
      const int64_t k0 = gi * g, k1 = std::min(k, k0 + g);
      const float sc = int4_group_scale(row.data() + k0, k1 - k0), inv = 1 / sc;
      s[size_t(r * groups + gi)] = sc;
      for (int64_t i = k0; i < k1; ++i) {
        const auto code = uint8_t(int4_code(row[size_t(i)], inv) + 8);
        q[size_t(r * row_bytes + i / 2)] |= uint8_t(i % 2 == 0 ? code : code << 4);
      }
    }
  }
  return {{name, DType::U8, {n, row_bytes}, std::move(q)}, {name + ".scales", DType::F32, {n, groups}, as_bytes(s)}};
}

void read_int4(const std::string& source, const std::string& name, StoredWeight& w) {
  const int64_t n = w.shape[0], k = w.k();
  w.spec = {QuantFormat::int4};
  expect(source, w.data, DType::U8, {n, (k + 1) / 2});
  const int64_t groups = w.scales->shape.size() == 2 ? w.scales->shape[1] : -1;
  w.spec.group = 0;
  for (int g : {32, 64, 128})
    if (!w.spec.group && (k + g - 1) / g == groups) w.spec.group = g;
  if (!w.spec.group)
    fail_input("{}: tensor '{}.scales' has shape {}, expected [{}, K/group] for a group of 32, 64 or 128", source,
               name, shape_text(w.scales->shape), n);
  expect(source, w.scales, DType::F32, {n, groups});
}

void dequantize_int4(const StoredWeight& w, std::vector<float>& out) {
  const int64_t n = w.rows(), k = w.k();
  const uint8_t* d = w.data->data;
  const int64_t g = w.spec.group, groups = (k + g - 1) / g, row_bytes = (k + 1) / 2;
  const RscOrder ord = rsc_order(w.shape);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t kk = 0; kk < k; ++kk) {
      const int64_t i = ord.stored(kk);
      const uint8_t byte = d[r * row_bytes + i / 2];
      const int code = (i % 2 == 0 ? byte & 15 : byte >> 4) - 8;
      out[size_t(r * k + kk)] = float(code) * read_f32(w.scales->data + 4 * (r * groups + i / g));
    }
}

}  // namespace zoomrt::quant
