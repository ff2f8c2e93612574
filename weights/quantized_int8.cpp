// int8: one symmetric scale per output row (max |w| / 127).
#include <algorithm>
#include <cmath>

#include "weights/quantized_format.h"

namespace zoomrt::quant {

std::vector<QuantTensor> quantize_int8(const std::string& name, int64_t n, int64_t k, const float* w) {
  std::vector<int8_t> q(size_t(n * k));
  std::vector<float> s(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    float amax = 0;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::abs(w[r * k + i]));
    s[size_t(r)] = amax > 0 ? amax / 127 : 1;
    for (int64_t i = 0; i < k; ++i)
      q[size_t(r * k + i)] = int8_t(std::clamp(std::nearbyint(w[r * k + i] / s[size_t(r)]), -127.0f, 127.0f));
  }
  return {{name, DType::I8, {n, k}, as_bytes(q)}, {name + ".scales", DType::F32, {n}, as_bytes(s)}};
}

void read_int8(const std::string& source, StoredWeight& w) {
  const int64_t n = w.shape[0], k = w.k();
  w.spec = {QuantFormat::int8};
  expect(source, w.data, DType::I8, {n, k});
  expect(source, w.scales, DType::F32, {n});
}

void dequantize_int8(const StoredWeight& w, std::vector<float>& out) {
  const int64_t n = w.rows(), k = w.k();
  const uint8_t* d = w.data->data;
  for (int64_t r = 0; r < n; ++r) {
    const float s = read_f32(w.scales->data + 4 * r);
    for (int64_t i = 0; i < k; ++i) out[size_t(r * k + i)] = float(int8_t(d[r * k + i])) * s;
  }
}

}  // namespace zoomrt::quant
