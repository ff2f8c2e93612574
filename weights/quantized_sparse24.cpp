// sparse24: the two largest of every 4 weights along the stored order kept as f16, with their
// positions as one nibble per group.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "weights/quantized_format.h"

namespace zoomrt {

namespace quant {

// Keeps the two largest |w| of every 4 consecutive k in the stored order (rank 4: (r, s, c)).
std::vector<QuantTensor> quantize_sparse24(const std::string& name, const std::vector<int64_t>& shape,
                                           const float* w) {
  const int64_t n = shape[0], k = product(shape, 1), pos_row = (k + 7) / 8;
  if (k % 4) fail_input("{}: sparse24 needs a reduction length divisible by 4, not {}", name, k);
  const RscOrder ord = rsc_order(shape);
  std::vector<uint16_t> vals(static_cast<size_t>(n * k / 2));
  std::vector<uint8_t> pos(size_t(n * pos_row), 0);
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t kk = 0; kk < k; ++kk) row[size_t(ord.stored(kk))] = w[r * k + kk];
    for (int64_t g = 0; g < k / 4; ++g) {
      const float* x = row.data() + g * 4;
      int idx[4] = {0, 1, 2, 3};  // the two largest magnitudes, ties to the lower position
      std::stable_sort(idx, idx + 4, [&](int a, int b) { return std::abs(x[a]) > std::abs(x[b]); });
      const int p0 = std::min(idx[0], idx[1]), p1 = std::max(idx[0], idx[1]);
      vals[size_t(r * k / 2 + g * 2)] = float_to_half(x[p0]);
      vals[size_t(r * k / 2 + g * 2 + 1)] = float_to_half(x[p1]);
      pos[size_t(r * pos_row + g / 2)] |= uint8_t((p0 | p1 << 2) << (g % 2 ? 4 : 0));
    }
  }
  return {{name, DType::F16, {n, k / 2}, as_bytes(vals)}, {name + ".positions", DType::U8, {n, pos_row}, std::move(pos)}};
}

void read_sparse24(const std::string& source, const std::string& name, StoredWeight& w) {
  const int64_t n = w.shape[0], k = w.k();
  if (k % 4) fail_input("{}: tensor '{}' is 2:4 sparse but its reduction length {} is not a multiple of 4", source, name, k);
  w.spec = {QuantFormat::sparse24};
  expect(source, w.data, DType::F16, {n, k / 2});
  expect(source, w.positions, DType::U8, {n, (k + 7) / 8});
}

void dequantize_sparse24(const StoredWeight& w, std::vector<float>& out) {
  const int64_t n = w.rows(), k = w.k();
  const uint8_t* d = w.data->data;
  const std::vector<uint8_t> pos = sparse24_positions(w);
  const RscOrder ord = rsc_order(w.shape);
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t r = 0; r < n; ++r) {
    std::fill(row.begin(), row.end(), 0.0f);
    for (int64_t g = 0; g < k / 4; ++g) {
      const uint8_t p = pos[size_t(r * k / 4 + g)];
      uint16_t h[2];
      std::memcpy(h, d + 2 * (r * k / 2 + g * 2), 4);
      row[size_t(g * 4 + (p & 3))] = half_to_float(h[0]);
      row[size_t(g * 4 + (p >> 2))] = half_to_float(h[1]);
    }
    for (int64_t kk = 0; kk < k; ++kk) out[size_t(r * k + kk)] = row[size_t(ord.stored(kk))];
  }
}

}  // namespace quant

std::vector<uint8_t> sparse24_positions(const StoredWeight& w) {
  const int64_t n = w.rows(), groups = w.k() / 4, pos_row = (w.k() + 7) / 8;
  std::vector<uint8_t> out(size_t(n * groups));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      const int nib = w.positions->data[r * pos_row + g / 2] >> (g % 2 ? 4 : 0) & 15;
      if ((nib & 3) >= (nib >> 2))
        fail_input("tensor '{}': group {} of row {} keeps positions {} and {} (need two ascending slots of 0..3)",
                   w.positions->name, g, r, nib & 3, nib >> 2);
      out[size_t(r * groups + g)] = uint8_t(nib);
    }
  return out;
}

}  // namespace zoomrt
