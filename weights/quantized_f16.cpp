// f16 / bf16: the logical shape, each value rounded to half precision or to bfloat16 (read back
// by to_f32).
#include "weights/quantized_format.h"

namespace zoomrt::quant {

std::vector<QuantTensor> quantize_f16(const std::string& name, const std::vector<int64_t>& shape, const float* w) {
  const int64_t n = shape[0], k = product(shape, 1);
  std::vector<uint16_t> h(size_t(n * k));
  for (size_t i = 0; i < h.size(); ++i) h[i] = float_to_half(w[i]);
  return {{name, DType::F16, shape, as_bytes(h)}};
}

std::vector<QuantTensor> quantize_bf16(const std::string& name, const std::vector<int64_t>& shape, const float* w) {
  const int64_t n = shape[0], k = product(shape, 1);
  std::vector<uint16_t> h(size_t(n * k));
  for (size_t i = 0; i < h.size(); ++i) h[i] = float_to_bf16(w[i]);
  return {{name, DType::BF16, shape, as_bytes(h)}};
}

}  // namespace zoomrt::quant
