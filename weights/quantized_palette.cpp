// paletteB and paletteB-ch: B-bit indices into a k-means codebook per layer or per output row
// (weights/palette.h).
#include <cmath>

#include "base/error.h"
#include "weights/quantized_format.h"

namespace zoomrt {

namespace quant {

namespace {

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

void read_palette(const std::string& source, const std::string& name, StoredWeight& w) {
  const int64_t n = w.shape[0], k = w.k();
  w.spec = palette_spec(source, name, *w.codebook, n);
  expect(source, w.data, DType::U8, {(n * k * w.spec.bits + 7) / 8});
}

void dequantize_palette(const StoredWeight& w, std::vector<float>& out) {
  const int64_t n = w.rows(), k = w.k();
  const std::vector<uint8_t> index = palette_indices(w);
  const int64_t entries = int64_t(1) << w.spec.bits;
  for (int64_t i = 0; i < n * k; ++i)
    out[size_t(i)] =
        read_f32(w.codebook->data + 4 * ((w.spec.per_channel ? i / k * entries : 0) + index[size_t(i)]));
}

}  // namespace quant

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

}  // namespace zoomrt
