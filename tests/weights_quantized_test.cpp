// Quantised weight formats (weights/quantized.h): Deep Compression's weight-sharing example
// computed by hand, and every format written, found again and dequantised within the error its
// definition allows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "base/error.h"
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
    for (const char* name :
         {"f16", "bf16", "int8", "int4-g32", "int4-g64", "int4-g128", "palette4", "palette8", "palette4-ch", "sparse24"}) {
      const QuantSpec spec = quant_spec_from_name(name);
      Store s{quantize_weight("layer.weight", shape, w.data(), spec), {}};
      auto found = find_stored_weight(s.lookup(), "layer.weight", shape, "test");
      REQUIRE(found);
      CHECK(quant_spec_name(found->spec) == quant_spec_name(spec));
      const std::vector<float> back = dequantize(*found);
      REQUIRE(back.size() == w.size());
      // Per-element bounds from each definition (amax over the layer bounds every group's).
      const double bound = spec.format == QuantFormat::f16    ? amax / 1024.0
                           : spec.format == QuantFormat::bf16 ? amax / 256.0  // 8 significant bits, half an ulp
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
  std::vector<float> bad = w;
  bad[17] = INFINITY;
  CHECK_THROWS_WITH(quantize_weight("c.weight", {16, 64}, bad.data(), quant_spec_from_name("palette4-ch")),
                    Catch::Contains("c.weight") && Catch::Contains("finite"));
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
        case QuantFormat::f16:
        case QuantFormat::bf16: want = size_t(2 * total); break;
        case QuantFormat::int8: want = size_t(total + 4 * n); break;
        case QuantFormat::int4: want = size_t(n * ((k + 1) / 2) + 4 * n * ((k + spec.group - 1) / spec.group)); break;
        case QuantFormat::palette:
          want = size_t((total * spec.bits + 7) / 8 + 4 * (spec.per_channel ? n : 1) * (1 << spec.bits));
          break;
        case QuantFormat::sparse24: want = size_t(total + n * ((k + 7) / 8)); break;
      }
      CHECK(quantized_bytes(shape, spec) == want);
    }
  }
  CHECK(all_quant_specs().size() == 21);  // f16 bf16 int8 int4-g32/64/128 palette2..8 palette2..8-ch sparse24
}

namespace {

// Textbook 1-D Lloyd, written independently of weights/palette.cpp: every step assigns each
// weight to its nearest centroid by a full scan (ties to the lower one) and moves every
// non-empty centroid to its cluster's mean. Started where palette_kmeans documents: at the
// quantiles of density^(1/3), the density a histogram of min(count, 1024) equal bins over
// [min, max] (bin b holds lo + width * b <= w < lo + width * (b + 1), edges rounded to float),
// the quantile interpolated linearly inside its bin.
Palette brute_force_lloyd(const std::vector<float>& w, int bits) {
  const size_t kc = size_t(1) << bits, bins = std::min<size_t>(w.size(), 1024);
  const double lo = *std::min_element(w.begin(), w.end()), hi = *std::max_element(w.begin(), w.end());
  const double width = (hi - lo) / double(bins);
  std::vector<double> count(bins, 0.0);
  for (float x : w) {
    size_t b = 0;
    while (b + 1 < bins && !(x < float(lo + width * double(b + 1)))) ++b;
    count[b] += 1;
  }
  double total = 0;
  for (double c : count) total += std::cbrt(c);
  Palette p;
  for (size_t c = 0; c < kc; ++c) {
    const double target = total * (double(c) + 0.5) / double(kc);
    double below = 0;
    size_t b = 0;
    while (below + std::cbrt(count[b]) < target) below += std::cbrt(count[b]), ++b;
    p.codebook.push_back(float(lo + width * (double(b) + (target - below) / std::cbrt(count[b]))));
  }
  p.index.assign(w.size(), 0);
  for (int it = 0; it < 10000; ++it) {
    bool changed = false;
    for (size_t i = 0; i < w.size(); ++i) {
      size_t best = 0;
      for (size_t c = 1; c < kc; ++c)
        if (std::abs(w[i] - p.codebook[c]) < std::abs(w[i] - p.codebook[best])) best = c;
      changed |= it == 0 || p.index[i] != best;
      p.index[i] = uint8_t(best);
    }
    if (!changed) break;
    std::vector<double> sum(kc, 0.0);
    std::vector<size_t> n(kc, 0);
    for (size_t i = 0; i < w.size(); ++i) sum[p.index[i]] += w[i], ++n[p.index[i]];
    for (size_t c = 0; c < kc; ++c)
      if (n[c]) p.codebook[c] = float(sum[c] / double(n[c]));
  }
  return p;
}

std::vector<float> gaussian(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  std::vector<float> w(count);
  for (float& x : w) x = nd(rng);
  return w;
}

}  // namespace

TEST_CASE("palette k-means equals a brute-force Lloyd iteration and finds known optima") {
  for (int bits : {2, 3, 4, 6}) {
    for (size_t count : {size_t(37), size_t(1000), size_t(5000)}) {
      const std::vector<float> w = gaussian(count, unsigned(count + size_t(bits)));
      const Palette got = palette_kmeans(w.data(), w.size(), bits), want = brute_force_lloyd(w, bits);
      INFO("bits " << bits << " count " << count);
      REQUIRE(got.codebook.size() == want.codebook.size());
      for (size_t c = 0; c < want.codebook.size(); ++c) CHECK(got.codebook[c] == Approx(want.codebook[c]).epsilon(1e-5));
      CHECK(got.index == want.index);
      CHECK(std::is_sorted(got.codebook.begin(), got.codebook.end()));
    }
  }
  // Four tight, well separated clusters of different sizes (18, 20, 22, 20 of 80 weights): every
  // quantile start (ranks 10, 30, 50, 70) lies inside its own cluster, so Lloyd reaches the
  // optimum, the cluster means. (Like any Lloyd iteration it can stop in a local optimum when a
  // cluster holds no starting point; weights are unimodal, where quantiles start near Lloyd-Max.)
  std::vector<float> w;
  const float centre[4] = {-3.0f, -0.5f, 1.0f, 4.0f};
  const int size[4] = {18, 20, 22, 20};
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < size[c]; ++i) w.push_back(centre[c] + 0.01f * float(i % 5 - 2));
  std::shuffle(w.begin(), w.end(), std::mt19937(3));
  const Palette p = palette_kmeans(w.data(), w.size(), 2);
  double mean[4] = {0, 0, 0, 0};
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < size[c]; ++i) mean[c] += double(centre[c] + 0.01f * float(i % 5 - 2)) / size[c];
  for (int c = 0; c < 4; ++c) CHECK(p.codebook[size_t(c)] == Approx(mean[c]).epsilon(1e-6));
  for (size_t i = 0; i < w.size(); ++i) CHECK(std::abs(p.codebook[p.index[i]] - w[i]) <= 0.03f);
}

TEST_CASE("palette k-means of a large layer ends at a Lloyd fixed point") {
  // Full-size layers cluster millions of weights; the result must still be converged: every
  // weight at its nearest centroid and every centroid its cluster's mean (checked by scans).
  const std::vector<float> w = gaussian(size_t(1) << 20, 11);
  for (int bits : {4, 8}) {
    const Palette p = palette_kmeans(w.data(), w.size(), bits);
    const size_t kc = p.codebook.size();
    std::vector<double> sum(kc, 0.0);
    std::vector<size_t> n(kc, 0);
    size_t not_nearest = 0, other_tie_rule = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      other_tie_rule += palette_nearest(p.codebook.data(), int(kc), w[i]) != p.index[i];
      const float d = std::abs(w[i] - p.codebook[p.index[i]]);
      for (size_t c = 0; c < kc; ++c) not_nearest += std::abs(w[i] - p.codebook[c]) < d;
      sum[p.index[i]] += w[i], ++n[p.index[i]];
    }
    // And at the known optimum for a Gaussian: Max (1960) tabulates the 16-level Lloyd-Max
    // quantiser's MSE as 0.009497 sigma^2 (20.22 dB); at 256 levels Panter and Dite's
    // high-resolution formula gives sqrt(3) pi / 2 / 256^2 sigma^2 (43.82 dB).
    double sse = 0, ss = 0;
    for (size_t i = 0; i < w.size(); ++i) sse += std::pow(double(p.codebook[p.index[i]] - w[i]), 2), ss += double(w[i]) * w[i];
    const double sqnr_db = 10 * std::log10(ss / sse);
    const double optimum_db = bits == 4 ? -10 * std::log10(0.009497) : 10 * std::log10(65536 / (std::sqrt(3.0) * M_PI / 2));
    INFO("bits " << bits << ": SQNR " << sqnr_db << " dB, optimum " << optimum_db << " dB");
    CHECK(sqnr_db == Approx(optimum_db).margin(bits == 4 ? 0.01 : 0.1));
    CHECK(not_nearest == 0);
    CHECK(other_tie_rule == 0);  // palette_nearest is the documented rule the thresholds implement
    for (size_t c = 0; c < kc; ++c)
      if (n[c]) CHECK(p.codebook[c] == Approx(sum[c] / double(n[c])).epsilon(1e-5));
  }
}

TEST_CASE("palette-ch stores one codebook per output channel and round-trips") {
  for (std::vector<int64_t> shape : {std::vector<int64_t>{6, 300}, std::vector<int64_t>{5, 16, 3, 3}}) {
    const int64_t n = shape[0], k = shape.size() == 2 ? shape[1] : shape[1] * 9;
    std::vector<float> w = gaussian(size_t(n * k), 5);
    for (int64_t r = 0; r < n; ++r)  // channels of very different scale: where per-channel pays
      for (int64_t i = 0; i < k; ++i) w[size_t(r * k + i)] *= float(1 << r);
    Store s{quantize_weight("c.weight", shape, w.data(), quant_spec_from_name("palette3-ch")), {}};
    CHECK(s.tensors[1].shape == std::vector<int64_t>{n, 8});
    auto found = find_stored_weight(s.lookup(), "c.weight", shape, "test");
    REQUIRE(found);
    CHECK(found->spec.per_channel);
    CHECK(quant_spec_name(found->spec) == "palette3-ch");
    const std::vector<float> back = dequantize(*found);
    // Each row is its own 8-entry codebook, in logical order: the row's k-means from the default
    // start, or from the layer's codebook (these layers are under 2^20 weights: all of it),
    // whichever has the smaller squared error.
    const Palette whole = palette_kmeans(w.data(), size_t(n * k), 3);
    for (int64_t r = 0; r < n; ++r) {
      const float* row = w.data() + r * k;
      const Palette own = palette_kmeans(row, size_t(k), 3), seeded = palette_kmeans(row, size_t(k), 3, 500, whole.codebook.data());
      double sse_own = 0, sse_seeded = 0;
      for (int64_t i = 0; i < k; ++i) {
        sse_own += std::pow(double(own.codebook[own.index[size_t(i)]]) - row[i], 2);
        sse_seeded += std::pow(double(seeded.codebook[seeded.index[size_t(i)]]) - row[i], 2);
      }
      const Palette& p = sse_seeded < sse_own ? seeded : own;
      for (int64_t i = 0; i < k; ++i) CHECK(back[size_t(r * k + i)] == p.codebook[p.index[size_t(i)]]);
    }
    // The smallest channel keeps its own levels instead of sharing the largest one's.
    Store layer{quantize_weight("c.weight", shape, w.data(), quant_spec_from_name("palette3")), {}};
    const std::vector<float> back_layer = dequantize(*find_stored_weight(layer.lookup(), "c.weight", shape, "test"));
    double ss = 0, sse_ch = 0, sse_layer = 0;
    for (int64_t i = 0; i < k; ++i)
      ss += double(w[size_t(i)]) * w[size_t(i)], sse_ch += std::pow(double(back[size_t(i)] - w[size_t(i)]), 2),
          sse_layer += std::pow(double(back_layer[size_t(i)] - w[size_t(i)]), 2);
    INFO("row 0 relative rms: per channel " << std::sqrt(sse_ch / ss) << ", per layer " << std::sqrt(sse_layer / ss));
    CHECK(std::sqrt(sse_ch / ss) < 0.25);
    CHECK(sse_ch < 0.1 * sse_layer);
  }
}

TEST_CASE("sparse24 conv weights keep the 2 largest of every 4 along (r, s, c)") {
  // [3, 6, 2, 2]: groups of 4 span taps (6 channels); [2, 12, 3, 3]: they do not.
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{3, 6, 2, 2}, std::vector<int64_t>{2, 12, 3, 3}}) {
    const int64_t n = shape[0], c = shape[1], rs = shape[2] * shape[3], k = c * rs;
    const std::vector<float> w = gaussian(size_t(n * k), 9);
    Store s{quantize_weight("conv.weight", shape, w.data(), quant_spec_from_name("sparse24")), {}};
    const std::vector<float> back = dequantize(*find_stored_weight(s.lookup(), "conv.weight", shape, "test"));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t g = 0; g < k / 4; ++g) {
        // Element j of the group is (tap t, channel ci) with t * c + ci = 4g + j; logical ci * rs + t.
        int64_t at[4];
        for (int j = 0; j < 4; ++j) at[j] = r * k + ((4 * g + j) % c) * rs + (4 * g + j) / c;
        int kept = 0;
        for (int j = 0; j < 4; ++j) {
          int larger = 0;
          for (int i = 0; i < 4; ++i) larger += std::abs(w[size_t(at[i])]) > std::abs(w[size_t(at[j])]);
          INFO("c " << c << " row " << r << " group " << g << " slot " << j);
          if (larger < 2) {
            CHECK(back[size_t(at[j])] == half_to_float(float_to_half(w[size_t(at[j])])));
            ++kept;
          } else {
            CHECK(back[size_t(at[j])] == 0.0f);
          }
        }
        CHECK(kept == 2);
      }
  }
}

TEST_CASE("corrupt palette codebooks and sparse positions are InputError naming the tensor") {
  const std::vector<float> w = gaussian(8 * 32, 1);
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{9, 16}, std::vector<int64_t>{8, 12},
                                          std::vector<int64_t>{8, 4, 4}, std::vector<int64_t>{2, 8, 16},
                                          std::vector<int64_t>{1}}) {
    Store s{quantize_weight("p.weight", {8, 32}, w.data(), quant_spec_from_name("palette4-ch")), {}};
    int64_t count = 1;
    for (int64_t d : bad) count *= d;
    s.tensors[1].shape = bad;
    s.tensors[1].bytes.resize(size_t(4 * count));
    CHECK_THROWS_WITH(find_stored_weight(s.lookup(), "p.weight", {8, 32}, "m/unet"),
                      Catch::Contains("m/unet") && Catch::Contains("p.weight.codebook"));
  }
  Store s{quantize_weight("p.weight", {8, 32}, w.data(), quant_spec_from_name("palette4-ch")), {}};
  s.tensors[1].dtype = DType::F16;  // right shape, wrong dtype
  s.tensors[1].bytes.resize(s.tensors[1].bytes.size() / 2);
  CHECK_THROWS_WITH(find_stored_weight(s.lookup(), "p.weight", {8, 32}, "m/unet"), Catch::Contains("p.weight.codebook"));
  Store sp{quantize_weight("q.weight", {8, 32}, w.data(), quant_spec_from_name("sparse24")), {}};
  sp.tensors[1].bytes[3] = 0x3c;  // group 6 of row 0: positions 0 and 3 -> 3 and 0 (0x3c = 12 | 3 << 4)
  auto found = find_stored_weight(sp.lookup(), "q.weight", {8, 32}, "m/unet");
  REQUIRE(found);
  CHECK_THROWS_WITH(dequantize(*found), Catch::Contains("q.weight.positions") && Catch::Contains("row 0"));
}

TEST_CASE("palette k-means splits a codebook symmetric about zero by palette_nearest") {
  // Centroids -s and +s: the tie region around 0 spans ~half an ulp of s, hundreds of millions
  // of floats, which the threshold search must cross in a few steps (it used to walk it).
  std::vector<float> w;
  for (int i = 0; i < 64; ++i) w.push_back(i % 2 ? 0.02f : -0.02f);
  w.push_back(0.0f), w.push_back(-0.0f), w.push_back(1e-30f), w.push_back(-1e-30f);
  for (int bits : {1, 2}) {
    const Palette p = palette_kmeans(w.data(), w.size(), bits);
    for (size_t i = 0; i < w.size(); ++i)
      CHECK(int(p.index[i]) == palette_nearest(p.codebook.data(), 1 << bits, w[i]));
  }
}
