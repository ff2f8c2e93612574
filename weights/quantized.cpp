#include "weights/quantized.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"

namespace zoomrt {

namespace {

struct NamedSpec {
  std::string name;
  QuantSpec spec;
};

const std::vector<NamedSpec>& all_specs() {
  static const std::vector<NamedSpec> v = [] {
    std::vector<NamedSpec> out{{"f16", {QuantFormat::f16}}, {"int8", {QuantFormat::int8}}, {"int4", {QuantFormat::int4, 64}}};
    for (int g : {32, 64, 128}) out.push_back({"int4-g" + std::to_string(g), {QuantFormat::int4, g}});
    for (int b = 2; b <= 8; ++b) out.push_back({"palette" + std::to_string(b), {QuantFormat::palette, 64, b}});
    for (int b = 2; b <= 8; ++b)
      out.push_back({"palette" + std::to_string(b) + "-ch", {QuantFormat::palette, 64, b, true}});
    out.push_back({"sparse24", {QuantFormat::sparse24}});
    return out;
  }();
  return v;
}

int64_t product(const std::vector<int64_t>& s, size_t from) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

template <class T>
std::vector<uint8_t> as_bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Position of logical element (row, kk) in the stored order of int4 and sparse24: (r, s, c) for
// rank-4 weights, logical otherwise.
struct RscOrder {
  int64_t c = 0, rs = 1;  // rank 4: channels, r*s
  bool krsc = false;
  // logical kk = ci * rs + t  <->  stored kk = t * c + ci
  int64_t stored(int64_t kk) const { return krsc ? (kk % rs) * c + kk / rs : kk; }
};
RscOrder rsc_order(const std::vector<int64_t>& shape) {
  RscOrder o;
  if (shape.size() == 4) o.krsc = true, o.c = shape[1], o.rs = shape[2] * shape[3];
  return o;
}

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

float read_f32(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, 4);
  return f;
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

namespace {

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

// One k-means over the layer, or one per output row (per_channel); indices as one bit stream.
// A row's k-means runs twice, from the default start and from the layer's codebook, and keeps
// the one with the smaller squared error: on short rows (K = 288 in the fixtures' resnet convs)
// the density estimate behind the default start is coarse and Lloyd stopped in a worse optimum
// than the layer's own codebook (20.1 against 20.3 dB on Gaussian rows; 21.3 dB from the
// layer's), while on rows not much longer than the codebook (K = 81, 32 entries) the layer's
// codebook leaves entries empty.
std::vector<QuantTensor> quantize_palette(const std::string& name, int64_t n, int64_t k, const float* w, int bits,
                                          bool per_channel) {
  const int64_t total = n * k, entries = int64_t(1) << bits;
  for (int64_t i = 0; i < total; ++i)  // k-means needs finite values (an infinity has no mean)
    if (!std::isfinite(w[i])) fail_input("{}: weight {} is {}, a palette needs finite weights", name, i, w[i]);
  std::vector<uint8_t> packed(size_t((total * bits + 7) / 8), 0);
  std::vector<float> codebook;
  const auto put = [&](int64_t at, const std::vector<uint8_t>& index) {  // LSB first, may straddle 2 bytes
    for (size_t i = 0; i < index.size(); ++i) {
      const int64_t bit = (at + int64_t(i)) * bits;
      const unsigned v = unsigned(index[i]) << (bit % 8);
      packed[size_t(bit / 8)] |= uint8_t(v);
      if (v >> 8) packed[size_t(bit / 8 + 1)] |= uint8_t(v >> 8);
    }
  };
  if (!per_channel) {
    const Palette layer = palette_kmeans(w, size_t(total), bits);
    put(0, layer.index);
    codebook = layer.codebook;
  }
  // The rows' second start: the codebook of at most 2^20 weights taken evenly from the layer
  // (a full-layer k-means holds ~9 bytes per weight: 130 MB for a 1280x1280x3x3 conv).
  std::vector<float> sample;
  if (per_channel) {
    const int64_t step = (total + (int64_t(1) << 20) - 1) >> 20;
    for (int64_t i = 0; i < total; i += step) sample.push_back(w[i]);
  }
  const Palette layer = per_channel ? palette_kmeans(sample.data(), sample.size(), bits) : Palette{};
  for (int64_t r = 0; r < (per_channel ? n : 0); ++r) {
    const float* row = w + r * k;
    const auto sq_error = [&](const Palette& p) {
      double e = 0;
      for (int64_t i = 0; i < k; ++i) e += std::pow(double(row[i]) - p.codebook[p.index[size_t(i)]], 2);
      return e;
    };
    Palette p = palette_kmeans(row, size_t(k), bits);
    Palette from_layer = palette_kmeans(row, size_t(k), bits, 500, layer.codebook.data());
    if (sq_error(from_layer) < sq_error(p)) p = std::move(from_layer);
    put(r * k, p.index);
    codebook.insert(codebook.end(), p.codebook.begin(), p.codebook.end());
  }
  std::vector<int64_t> cb_shape = per_channel ? std::vector<int64_t>{n, entries} : std::vector<int64_t>{entries};
  std::vector<QuantTensor> out;
  out.push_back({name, DType::U8, {int64_t(packed.size())}, std::move(packed)});
  out.push_back({name + ".codebook", DType::F32, std::move(cb_shape), as_bytes(codebook)});
  return out;
}

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

}  // namespace

std::vector<QuantTensor> quantize_weight(const std::string& name, const std::vector<int64_t>& shape, const float* w,
                                         const QuantSpec& spec) {
  if (shape.size() < 2) fail_input("{}: a weight of rank {} cannot be quantised (linear/conv only)", name, shape.size());
  const int64_t n = shape[0], k = product(shape, 1);
  // Converting NaN or Inf to an integer code is undefined: refuse before any rounding.
  for (int64_t i = 0; i < n * k; ++i)
    if (!std::isfinite(w[i])) fail_input("{}: weight element {} is {}; cannot quantise a non-finite value", name, i, w[i]);
  switch (spec.format) {
    case QuantFormat::f16: {
      std::vector<uint16_t> h(size_t(n * k));
      for (size_t i = 0; i < h.size(); ++i) h[i] = float_to_half(w[i]);
      return {{name, DType::F16, shape, as_bytes(h)}};
    }
    case QuantFormat::int8: return quantize_int8(name, n, k, w);
    case QuantFormat::int4: return quantize_int4(name, shape, w, spec.group);
    case QuantFormat::palette: return quantize_palette(name, n, k, w, spec.bits, spec.per_channel);
    case QuantFormat::sparse24: return quantize_sparse24(name, shape, w);
  }
  return {};
}

namespace {

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

// Palette bits and kind from the codebook: F32 [2^B] per layer or [n, 2^B] per channel.
QuantSpec palette_spec(const std::string& source, const std::string& name, const TensorView& codebook, int64_t n) {
  const std::vector<int64_t>& cs = codebook.shape;
  const int64_t entries = cs.empty() ? 0 : cs.back();
  int bits = 2;
  while (bits < 8 && (int64_t(1) << bits) < entries) ++bits;
  const bool per_channel = cs.size() == 2;
  if ((cs.size() != 1 && !(per_channel && cs[0] == n)) || (int64_t(1) << bits) != entries)
    fail_input("{}: tensor '{}.codebook' has shape {}, expected [2^b] or [{}, 2^b] with b in 2..8", source, name,
               shape_text(cs), n);
  expect(source, &codebook, DType::F32, cs);
  return {QuantFormat::palette, 64, bits, per_channel};
}

}  // namespace

std::optional<StoredWeight> find_stored_weight(const TensorLookup& lookup, const std::string& name,
                                               const std::vector<int64_t>& shape, const std::string& source) {
  StoredWeight w;
  w.shape = shape;
  w.data = lookup(name);
  if (!w.data) return std::nullopt;
  w.scales = lookup(name + ".scales");
  w.codebook = lookup(name + ".codebook");
  w.positions = lookup(name + ".positions");
  if (!w.scales && !w.codebook && !w.positions) return w;  // plain: the executor checks it
  if (shape.size() < 2) fail_input("{}: tensor '{}' of rank {} cannot be quantised", source, name, shape.size());
  w.quantized = true;
  const int64_t n = shape[0], k = w.k();
  if (w.scales && w.data->dtype == DType::I8) {
    w.spec = {QuantFormat::int8};
    expect(source, w.data, DType::I8, {n, k});
    expect(source, w.scales, DType::F32, {n});
  } else if (w.scales) {
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
  } else if (w.codebook) {
    w.spec = palette_spec(source, name, *w.codebook, n);
    expect(source, w.data, DType::U8, {(n * k * w.spec.bits + 7) / 8});
  } else {
    if (k % 4) fail_input("{}: tensor '{}' is 2:4 sparse but its reduction length {} is not a multiple of 4", source, name, k);
    w.spec = {QuantFormat::sparse24};
    expect(source, w.data, DType::F16, {n, k / 2});
    expect(source, w.positions, DType::U8, {n, (k + 7) / 8});
  }
  return w;
}

std::vector<float> dequantize(const StoredWeight& w) {
  if (!w.quantized) return to_f32(*w.data);
  const int64_t n = w.rows(), k = w.k();
  std::vector<float> out(static_cast<size_t>(n * k));
  const uint8_t* d = w.data->data;
  switch (w.spec.format) {
    case QuantFormat::f16:
      return to_f32(*w.data);
    case QuantFormat::int8:
      for (int64_t r = 0; r < n; ++r) {
        const float s = read_f32(w.scales->data + 4 * r);
        for (int64_t i = 0; i < k; ++i) out[size_t(r * k + i)] = float(int8_t(d[r * k + i])) * s;
      }
      break;
    case QuantFormat::int4: {
      const int64_t g = w.spec.group, groups = (k + g - 1) / g, row_bytes = (k + 1) / 2;
      const RscOrder ord = rsc_order(w.shape);
      for (int64_t r = 0; r < n; ++r)
        for (int64_t kk = 0; kk < k; ++kk) {
          const int64_t i = ord.stored(kk);
          const uint8_t byte = d[r * row_bytes + i / 2];
          const int code = (i % 2 == 0 ? byte & 15 : byte >> 4) - 8;
          out[size_t(r * k + kk)] = float(code) * read_f32(w.scales->data + 4 * (r * groups + i / g));
        }
      break;
    }
    case QuantFormat::palette: {
      const std::vector<uint8_t> index = palette_indices(w);
      const int64_t entries = int64_t(1) << w.spec.bits;
      for (int64_t i = 0; i < n * k; ++i)
        out[size_t(i)] =
            read_f32(w.codebook->data + 4 * ((w.spec.per_channel ? i / k * entries : 0) + index[size_t(i)]));
      break;
    }
    case QuantFormat::sparse24: {
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
      break;
    }
  }
  return out;
}

std::vector<uint8_t> palette_indices(const StoredWeight& w) {
  const int bits = w.spec.bits;
  const int64_t count = w.rows() * w.k();
  const uint8_t* d = w.data->data;
  std::vector<uint8_t> index(static_cast<size_t>(count));
  const size_t bytes = w.data->nbytes;
  const unsigned mask = (1u << bits) - 1;
  for (int64_t i = 0; i < count; ++i) {
    const size_t bit = size_t(i * bits), at = bit / 8;
    const unsigned window = d[at] | (at + 1 < bytes ? unsigned(d[at + 1]) << 8 : 0u);
    index[size_t(i)] = uint8_t(window >> (bit % 8) & mask);
  }
  return index;
}

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

size_t stored_bytes(const StoredWeight& w) {
  size_t b = 0;
  for (const TensorView* t : {w.data, w.scales, w.codebook, w.positions})
    if (t) b += t->nbytes;
  return b;
}

}  // namespace zoomrt
