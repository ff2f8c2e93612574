// Quantised weight formats (weights/quantized.h): Deep Compression's weight-sharing example
// computed by hand, and every format written, found again and dequantised within the error its
// definition allows.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

#include "weights/error.h"
#include "weights/quantized.h"

using namespace zoomrt;

namespace {

// Views over QuantTensors, as a file would give them.
struct Store {
  std::vector<QuantTensor> tensors;
  std::map<std::string, TensorView> views;
  TensorLookup lookup() {
    views.clear();
    for (const QuantTensor& t : tensors) views[t.name] = TensorView{t.name, t.dtype, t.shape, t.bytes.data(), t.bytes.size()};
    return [this](std::string_view n) -> const TensorView* {
      auto it = views.find(std::string(n));
      return it == views.end() ? nullptr : &it->second;
    };
  }
};

}  // namespace

TEST_CASE("palette2 reproduces Deep Compression's 4x4 weight-sharing example") {
  // Han et al. 2016, figure 3: 16 weights, 4 shared centroids 2.00, 1.50, 0.00, -1.00.
  const float w[16] = {2.09f, -0.98f, 1.48f, 0.09f, 0.05f, -0.14f, -1.08f, 2.12f,
                       -0.91f, 1.92f, 0.0f, -1.03f, 1.87f, 0.0f, 1.53f, 1.49f};
  const Palette p = palette_kmeans(w, 16, 2);
  REQUIRE(p.codebook.size() == 4);
  const float want[4] = {-1.00f, 0.00f, 1.50f, 2.00f};
  for (int c = 0; c < 4; ++c) CHECK(p.codebook[size_t(c)] == Approx(want[c]).margin(1e-6));
  const int want_index[16] = {3, 0, 2, 1, 1, 1, 0, 3, 0, 3, 1, 0, 3, 1, 2, 2};
  for (int i = 0; i < 16; ++i) CHECK(int(p.index[size_t(i)]) == want_index[i]);
  // Sizes by hand: 16 x 32-bit = 512 bits; 4 x 32-bit centroids + 16 x 2-bit indices = 160 bits.
  const std::vector<QuantTensor> t = quantize_weight("w", {4, 4}, w, quant_spec_from_name("palette2"));
  size_t bits = 0;
  for (const QuantTensor& q : t) bits += 8 * q.bytes.size();
  CHECK(bits == 160);
  CHECK(512.0 / double(bits) == Approx(3.2));
}

TEST_CASE("every format round-trips within its quantisation error") {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.0f, 0.05f);
  for (std::vector<int64_t> shape : {std::vector<int64_t>{24, 100}, std::vector<int64_t>{8, 12, 3, 3}}) {
    const int64_t n = shape[0], k = shape.size() == 2 ? shape[1] : shape[1] * 9;
    std::vector<float> w(size_t(n * k));
    for (auto& x : w) x = nd(rng);
    float amax = 0;
    for (float x : w) amax = std::max(amax, std::abs(x));
    for (const char* name : {"f16", "int8", "int4-g32", "int4-g64", "int4-g128", "palette4", "palette8", "sparse24"}) {
      const QuantSpec spec = quant_spec_from_name(name);
      Store s{quantize_weight("layer.weight", shape, w.data(), spec), {}};
      auto found = find_stored_weight(s.lookup(), "layer.weight", shape, "test");
      REQUIRE(found);
      CHECK(quant_spec_name(found->spec) == quant_spec_name(spec));
      const std::vector<float> back = dequantize(*found);
      REQUIRE(back.size() == w.size());
      // Per-element bounds from each definition (amax over the layer bounds every group's).
      const double bound = spec.format == QuantFormat::f16    ? amax / 1024.0
                           : spec.format == QuantFormat::int8 ? amax / 127 / 2 * 1.0001
                           : spec.format == QuantFormat::int4 ? amax * 4 / 11 * 1.0001  // clipped: 7 of 11 steps
                                                              : 2 * amax;  // palette / pruned: checked below
      double max_err = 0, sse = 0, ss = 0;
      int zeros = 0;
      for (size_t i = 0; i < w.size(); ++i) {
        max_err = std::max(max_err, double(std::abs(back[i] - w[i])));
        sse += double(back[i] - w[i]) * (back[i] - w[i]), ss += double(w[i]) * w[i];
        zeros += back[i] == 0.0f;
      }
      INFO(name << " shape rank " << shape.size() << ": max error " << max_err << ", relative rms " << std::sqrt(sse / ss));
      CHECK(max_err <= bound);
      if (spec.format == QuantFormat::palette) CHECK(std::sqrt(sse / ss) < (spec.bits == 4 ? 0.15 : 0.02));
      if (spec.format == QuantFormat::int4) {
        // The scale search must beat plain max-abs rounding (scale amax/7 per group, codes
        // -7..7), computed here independently in the same (r, s, c) group order.
        const int64_t g = spec.group, c = shape.size() == 4 ? shape[1] : k, rs = k / c;
        double sse_maxabs = 0;
        std::vector<float> row(static_cast<size_t>(k));
        for (int64_t r = 0; r < n; ++r) {
          for (int64_t kk = 0; kk < k; ++kk) row[size_t((kk % rs) * c + kk / rs)] = w[size_t(r * k + kk)];
          for (int64_t k0 = 0; k0 < k; k0 += g) {
            float ga = 0;
            for (int64_t i = k0; i < std::min(k, k0 + g); ++i) ga = std::max(ga, std::abs(row[size_t(i)]));
            for (int64_t i = k0; i < std::min(k, k0 + g); ++i) {
              const double e = row[size_t(i)] - std::nearbyint(row[size_t(i)] / (ga / 7)) * (ga / 7);
              sse_maxabs += e * e;
            }
          }
        }
        INFO("max-abs rounding relative rms " << std::sqrt(sse_maxabs / ss));
        CHECK(sse < 0.9 * sse_maxabs);
      }
      if (spec.format == QuantFormat::sparse24) CHECK(zeros == int(w.size() / 2));
    }
  }
}

TEST_CASE("inconsistent quantised tensors are InputError naming the tensor") {
  std::vector<float> w(16 * 64, 0.5f);
  Store s{quantize_weight("a.weight", {16, 64}, w.data(), quant_spec_from_name("int4-g32")), {}};
  s.tensors[1].shape = {16, 3};  // scales for no valid group
  s.tensors[1].bytes.resize(16 * 3 * 4);
  CHECK_THROWS_WITH(find_stored_weight(s.lookup(), "a.weight", {16, 64}, "m/unet"),
                    Catch::Contains("m/unet") && Catch::Contains("a.weight.scales"));
  CHECK_THROWS_AS(quant_spec_from_name("int3"), InputError);
  CHECK_THROWS_AS(quantize_weight("b", {10, 6}, w.data(), quant_spec_from_name("sparse24")), InputError);
}

TEST_CASE("quantized_layout lists what quantize_weight writes, sizes follow params x bits") {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{12, 40}, std::vector<int64_t>{8, 3, 3, 3},
                                           std::vector<int64_t>{5, 4, 1, 1}}) {
    int64_t total = 1;
    for (int64_t d : shape) total *= d;
    std::vector<float> w(static_cast<size_t>(total));
    for (float& x : w) x = dist(rng);
    const int64_t n = shape[0], k = total / n;
    for (const QuantSpec& spec : all_quant_specs()) {
      INFO(quant_spec_name(spec) << " k " << k);
      if (!quant_spec_fits(shape, spec)) {
        CHECK(spec.format == QuantFormat::sparse24);
        CHECK_THROWS_AS(quantized_layout("w", shape, spec), InputError);
        continue;
      }
      const auto layout = quantized_layout("w", shape, spec);
      const auto written = quantize_weight("w", shape, w.data(), spec);
      REQUIRE(layout.size() == written.size());
      for (size_t i = 0; i < layout.size(); ++i) {
        CHECK(layout[i].name == written[i].name);
        CHECK(layout[i].dtype == written[i].dtype);
        CHECK(layout[i].shape == written[i].shape);
      }
      // Independent byte counts from the format definitions (weights/quantized.h).
      size_t want = 0;
      switch (spec.format) {
        case QuantFormat::f16: want = size_t(2 * total); break;
        case QuantFormat::int8: want = size_t(total + 4 * n); break;
        case QuantFormat::int4: want = size_t(n * ((k + 1) / 2) + 4 * n * ((k + spec.group - 1) / spec.group)); break;
        case QuantFormat::palette: want = size_t((total * spec.bits + 7) / 8 + 4 * (1 << spec.bits)); break;
        case QuantFormat::sparse24: want = size_t(total + n * ((k + 7) / 8)); break;
      }
      CHECK(quantized_bytes(shape, spec) == want);
    }
  }
  CHECK(all_quant_specs().size() == 13);  // f16 int8 int4-g32/64/128 palette2..8 sparse24
}
