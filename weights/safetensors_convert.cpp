// copy_to_f32: element conversion straight from the mapping. Reads go through memcpy because
// a tensor's offset need not be aligned for its dtype.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "weights/safetensors.h"

namespace zoomrt {
namespace {

// All 65536 halves, converted once: a table lookup is exact and several times faster than the
// branchy bit conversion, which matters when an F16 UNet (865 M weights) is loaded.
const std::array<float, 65536>& half_table() {
  static const auto* table = [] {
    auto* t = new std::array<float, 65536>;
    for (uint32_t h = 0; h < 65536; ++h) (*t)[h] = half_to_float(uint16_t(h));
    return t;
  }();
  return *table;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void convert_ints(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = float(load<T>(src + i * sizeof(T)));
}

}  // namespace

void copy_to_f32(const TensorView& t, float* dst) {
  const size_t n = size_t(t.numel());
  const uint8_t* src = t.data;
  switch (t.dtype) {
    case DType::F32:
      if (n) std::memcpy(dst, src, n * 4);
      return;
    case DType::F16: {
      const auto& table = half_table();
      for (size_t i = 0; i < n; ++i) dst[i] = table[load<uint16_t>(src + 2 * i)];
      return;
    }
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_float(load<uint16_t>(src + 2 * i));
      return;
    case DType::I8:
      convert_ints<int8_t>(src, dst, n);
      return;
    case DType::U8:
      convert_ints<uint8_t>(src, dst, n);
      return;
    case DType::I32:
      convert_ints<int32_t>(src, dst, n);
      return;
    case DType::I64:
      convert_ints<int64_t>(src, dst, n);
      return;
    case DType::BOOL:
      for (size_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? 1.0f : 0.0f;
      return;
  }
}

int64_t first_non_finite(const TensorView& t) {
  const size_t n = size_t(t.numel());
  const uint8_t* src = t.data;
  // All-ones exponent: Inf or NaN in each format.
  switch (t.dtype) {
    case DType::F32:
      for (size_t i = 0; i < n; ++i)
        if ((load<uint32_t>(src + 4 * i) & 0x7F800000u) == 0x7F800000u) return int64_t(i);
      return -1;
    case DType::F16:
      for (size_t i = 0; i < n; ++i)
        if ((load<uint16_t>(src + 2 * i) & 0x7C00u) == 0x7C00u) return int64_t(i);
      return -1;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i)
        if ((load<uint16_t>(src + 2 * i) & 0x7F80u) == 0x7F80u) return int64_t(i);
      return -1;
    default:
      return -1;
  }
}

void check_finite_weights(const TensorView& t, std::string_view source) {
  const int64_t i = first_non_finite(t);
  if (i < 0) return;
  float v = 0;
  copy_to_f32(TensorView{t.name, t.dtype, {1}, t.data + size_t(i) * (t.nbytes / size_t(std::max<int64_t>(t.numel(), 1))),
                         t.nbytes / size_t(std::max<int64_t>(t.numel(), 1))},
              &v);
  fail_input("{}: tensor '{}' holds {} at element {} (non-finite weights make every frame one flat colour)", source,
             t.name, std::isnan(v) ? "NaN" : "Inf", i);
}

std::vector<float> to_f32(const TensorView& t) {
  std::vector<float> out(size_t(t.numel()));  // numel was checked against the file's size
  copy_to_f32(t, out.data());
  return out;
}

}  // namespace zoomrt
