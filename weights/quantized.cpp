// The quantised-weight container: format names, tensor layouts, and the writer's and reader's
// dispatch to each format's file (quantized_<format>.cpp). Formats: quantized.h.
#include "weights/quantized.h"

#include <cmath>

#include "base/error.h"
#include "weights/quantized_format.h"

namespace zoomrt {

namespace quant {

int64_t product(const std::vector<int64_t>& s, size_t from) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

void expect(const std::string& source, const TensorView* t, DType dtype, const std::vector<int64_t>& shape) {
  if (t->dtype != dtype || t->shape != shape)
    fail_input("{}: tensor '{}' is {} {}, the format needs {} {}", source, t->name, dtype_name(t->dtype),
               shape_text(t->shape), dtype_name(dtype), shape_text(shape));
}

}  // namespace quant

using quant::product;

namespace {

struct NamedSpec {
  std::string name;
  QuantSpec spec;
};

const std::vector<NamedSpec>& all_specs() {
  static const std::vector<NamedSpec> v = [] {
    std::vector<NamedSpec> out{{"f16", {QuantFormat::f16}},
                               {"bf16", {QuantFormat::bf16}},
                               {"int8", {QuantFormat::int8}},
                               {"int4", {QuantFormat::int4, 64}}};
    for (int g : {32, 64, 128}) out.push_back({"int4-g" + std::to_string(g), {QuantFormat::int4, g}});
    for (int b = 2; b <= 8; ++b) out.push_back({"palette" + std::to_string(b), {QuantFormat::palette, 64, b}});
    for (int b = 2; b <= 8; ++b)
      out.push_back({"palette" + std::to_string(b) + "-ch", {QuantFormat::palette, 64, b, true}});
    out.push_back({"sparse24", {QuantFormat::sparse24}});
    return out;
  }();
  return v;
}

}  // namespace

QuantSpec quant_spec_from_name(const std::string& name, const std::string& what) {
  for (const NamedSpec& s : all_specs())
    if (s.name == name) return s.spec;
  fail_input("{}: '{}' is not one of {}", what, name, quant_spec_names());
}

std::string quant_spec_name(const QuantSpec& s) {
  switch (s.format) {
    case QuantFormat::int4: return "int4-g" + std::to_string(s.group);
    case QuantFormat::palette: return "palette" + std::to_string(s.bits) + (s.per_channel ? "-ch" : "");
    case QuantFormat::f16: return "f16";
    case QuantFormat::bf16: return "bf16";
    case QuantFormat::int8: return "int8";
    case QuantFormat::sparse24: return "sparse24";
  }
  return "?";
}

std::string quant_spec_names() {
  std::string out;
  for (const NamedSpec& s : all_specs()) out += (out.empty() ? "" : " | ") + s.name;
  return out;
}

std::vector<QuantSpec> all_quant_specs() {
  std::vector<QuantSpec> out;
  for (const NamedSpec& s : all_specs())
    if (s.name != "int4") out.push_back(s.spec);
  return out;
}

int64_t StoredWeight::k() const { return product(shape, 1); }

bool quant_spec_fits(const std::vector<int64_t>& shape, const QuantSpec& spec) {
  return shape.size() >= 2 && (spec.format != QuantFormat::sparse24 || product(shape, 1) % 4 == 0);
}

std::vector<QuantTensor> quantized_layout(const std::string& name, const std::vector<int64_t>& shape,
                                          const QuantSpec& spec) {
  if (shape.size() < 2) fail_input("{}: a weight of rank {} cannot be quantised (linear/conv only)", name, shape.size());
  const int64_t n = shape[0], k = product(shape, 1);
  switch (spec.format) {
    case QuantFormat::f16: return {{name, DType::F16, shape, {}}};
    case QuantFormat::bf16: return {{name, DType::BF16, shape, {}}};
    case QuantFormat::int8: return {{name, DType::I8, {n, k}, {}}, {name + ".scales", DType::F32, {n}, {}}};
    case QuantFormat::int4:
      return {{name, DType::U8, {n, (k + 1) / 2}, {}},
              {name + ".scales", DType::F32, {n, (k + spec.group - 1) / spec.group}, {}}};
    case QuantFormat::palette: {
      const int64_t entries = int64_t(1) << spec.bits;
      std::vector<int64_t> cb_shape = spec.per_channel ? std::vector<int64_t>{n, entries} : std::vector<int64_t>{entries};
      return {{name, DType::U8, {(n * k * spec.bits + 7) / 8}, {}}, {name + ".codebook", DType::F32, cb_shape, {}}};
    }
    case QuantFormat::sparse24:
      if (k % 4) fail_input("{}: sparse24 needs a reduction length divisible by 4, not {}", name, k);
      return {{name, DType::F16, {n, k / 2}, {}}, {name + ".positions", DType::U8, {n, (k + 7) / 8}, {}}};
  }
  return {};
}

size_t quantized_bytes(const std::vector<int64_t>& shape, const QuantSpec& spec) {
  size_t b = 0;
  for (const QuantTensor& t : quantized_layout("w", shape, spec)) b += size_t(product(t.shape, 0)) * dtype_bytes(t.dtype);
  return b;
}

std::vector<QuantTensor> quantize_weight(const std::string& name, const std::vector<int64_t>& shape, const float* w,
                                         const QuantSpec& spec) {
  if (shape.size() < 2) fail_input("{}: a weight of rank {} cannot be quantised (linear/conv only)", name, shape.size());
  const int64_t n = shape[0], k = product(shape, 1);
  // Converting NaN or Inf to an integer code is undefined: refuse before any rounding.
  for (int64_t i = 0; i < n * k; ++i)
    if (!std::isfinite(w[i])) fail_input("{}: weight element {} is {}; cannot quantise a non-finite value", name, i, w[i]);
  switch (spec.format) {
    case QuantFormat::f16: return quant::quantize_f16(name, shape, w);
    case QuantFormat::bf16: return quant::quantize_bf16(name, shape, w);
    case QuantFormat::int8: return quant::quantize_int8(name, n, k, w);
    case QuantFormat::int4: return quant::quantize_int4(name, shape, w, spec.group);
    case QuantFormat::palette: return quant::quantize_palette(name, n, k, w, spec.bits, spec.per_channel);
    case QuantFormat::sparse24: return quant::quantize_sparse24(name, shape, w);
  }
  return {};
}

std::optional<StoredWeight> find_stored_weight(const TensorLookup& lookup, const std::string& name,
                                               const std::vector<int64_t>& shape, const std::string& source) {
  StoredWeight w;
  w.shape = shape;
  w.data = lookup(name);
  if (!w.data) return std::nullopt;
  w.scales = lookup(name + ".scales");
  w.codebook = lookup(name + ".codebook");
  w.positions = lookup(name + ".positions");
  if (!w.scales && !w.codebook && !w.positions) {  // plain: the executor checks it
    if (w.data->dtype == DType::BF16) w.spec.format = QuantFormat::bf16;
    return w;
  }
  if (shape.size() < 2) fail_input("{}: tensor '{}' of rank {} cannot be quantised", source, name, shape.size());
  w.quantized = true;
  if (w.scales && w.data->dtype == DType::I8)
    quant::read_int8(source, w);
  else if (w.scales)
    quant::read_int4(source, name, w);
  else if (w.codebook)
    quant::read_palette(source, name, w);
  else
    quant::read_sparse24(source, name, w);
  return w;
}

std::vector<float> dequantize(const StoredWeight& w) {
  if (!w.quantized) return to_f32(*w.data);
  const int64_t n = w.rows(), k = w.k();
  std::vector<float> out(static_cast<size_t>(n * k));
  switch (w.spec.format) {
    case QuantFormat::f16:
    case QuantFormat::bf16: return to_f32(*w.data);
    case QuantFormat::int8: quant::dequantize_int8(w, out); break;
    case QuantFormat::int4: quant::dequantize_int4(w, out); break;
    case QuantFormat::palette: quant::dequantize_palette(w, out); break;
    case QuantFormat::sparse24: quant::dequantize_sparse24(w, out); break;
  }
  return out;
}

size_t stored_bytes(const StoredWeight& w) {
  size_t b = 0;
  for (const TensorView* t : {w.data, w.scales, w.codebook, w.positions})
    if (t) b += t->nbytes;
  return b;
}

}  // namespace zoomrt
