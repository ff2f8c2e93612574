// What the per-format files of the quantised weights (quantized_<format>.cpp) share with the
// container (quantized.cpp): helpers and each format's writer, reader check and dequantiser.
// Not part of quantized.h's API.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "weights/quantized.h"

namespace zoomrt::quant {

// Product of s[from..].
int64_t product(const std::vector<int64_t>& s, size_t from);

template <class T>
std::vector<uint8_t> as_bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

inline float read_f32(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

// Position of logical element (row, kk) in the stored order of int4 and sparse24: (r, s, c) for
// rank-4 weights, logical otherwise.
struct RscOrder {
  int64_t c = 0, rs = 1;  // rank 4: channels, r*s
  bool krsc = false;
  // logical kk = ci * rs + t  <->  stored kk = t * c + ci
  int64_t stored(int64_t kk) const { return krsc ? (kk % rs) * c + kk / rs : kk; }
};
inline RscOrder rsc_order(const std::vector<int64_t>& shape) {
  RscOrder o;
  if (shape.size() == 4) o.krsc = true, o.c = shape[1], o.rs = shape[2] * shape[3];
  return o;
}

// "[a, b, c]".
std::string shape_text(const std::vector<int64_t>& s);
// InputError "<source>: tensor '<name>' is DTYPE [shape], the format needs ..." unless `t` has
// this dtype and shape.
void expect(const std::string& source, const TensorView* t, DType dtype, const std::vector<int64_t>& shape);

// Each format: the writer (w: logical shape, finite f32 values), the reader's check of a found
// weight's tensors (sets w.spec; InputError naming the tensor) and the dequantiser (into `out`,
// n * K f32 in logical order).
std::vector<QuantTensor> quantize_f16(const std::string& name, const std::vector<int64_t>& shape, const float* w);
std::vector<QuantTensor> quantize_bf16(const std::string& name, const std::vector<int64_t>& shape, const float* w);

std::vector<QuantTensor> quantize_int8(const std::string& name, int64_t n, int64_t k, const float* w);
void read_int8(const std::string& source, StoredWeight& w);
void dequantize_int8(const StoredWeight& w, std::vector<float>& out);

std::vector<QuantTensor> quantize_int4(const std::string& name, const std::vector<int64_t>& shape, const float* w,
                                       int64_t g);
void read_int4(const std::string& source, const std::string& name, StoredWeight& w);
void dequantize_int4(const StoredWeight& w, std::vector<float>& out);

std::vector<QuantTensor> quantize_palette(const std::string& name, int64_t n, int64_t k, const float* w, int bits,
                                          bool per_channel);
void read_palette(const std::string& source, const std::string& name, StoredWeight& w);
void dequantize_palette(const StoredWeight& w, std::vector<float>& out);

std::vector<QuantTensor> quantize_sparse24(const std::string& name, const std::vector<int64_t>& shape,
                                           const float* w);
void read_sparse24(const std::string& source, const std::string& name, StoredWeight& w);
void dequantize_sparse24(const StoredWeight& w, std::vector<float>& out);

}  // namespace zoomrt::quant
