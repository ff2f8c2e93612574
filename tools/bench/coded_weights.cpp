// Random weights in the formats the f32 driver expands per B block (f16, palette, 2:4 sparse)
// for the linear and convolution cases (bench.h, kExpandedDtypes).
#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "tools/bench/bench.h"

namespace zoomrt::bench {

namespace {

// Palette-coded: indices uniform over 2^bits entries, each codebook sorted random values.
PackedGemmB random_palette(int n, int k, int bits, bool per_column) {
  std::mt19937 rng(3);
  const int entries = 1 << bits, books = per_column ? n : 1;
  std::vector<float> codebook = random_floats(size_t(books) * entries, 4);
  for (int b = 0; b < books; ++b)
    std::sort(codebook.begin() + b * entries, codebook.begin() + (b + 1) * entries);
  std::vector<uint8_t> index(size_t(n) * k);
  for (auto& i : index) i = uint8_t(rng() % unsigned(entries));
  return pack_b_palette_codes(f32_gemm_default(), index.data(), codebook.data(), bits, per_column, n, k);
}

// 2:4 sparse: random kept values at a random pair of positions in every group of 4 k.
PackedGemmB random_sparse24(int n, int k) {
  static constexpr uint8_t kPairs[6] = {0 | 1 << 2, 0 | 2 << 2, 0 | 3 << 2, 1 | 2 << 2, 1 | 3 << 2, 2 | 3 << 2};
  std::mt19937 rng(5);
  const std::vector<float> v = random_floats(size_t(n) * k / 2, 6);
  std::vector<uint16_t> values(v.size());
  std::transform(v.begin(), v.end(), values.begin(), float_to_half);
  std::vector<uint8_t> positions(size_t(n) * k / 4);
  for (auto& p : positions) p = kPairs[rng() % 6];
  return pack_b_sparse24_codes(f32_gemm_default(), values.data(), positions.data(), n, k);
}

}  // namespace

PackedGemmB random_expanded_b(const std::string& dtype, int n, int k) {
  if (dtype == "f16") return pack_b(random_floats(size_t(n) * k, 2).data(), n, k, Layout::nk, BFormat::f16);
  if (dtype == "palette4") return random_palette(n, k, 4, false);
  if (dtype == "palette4-ch") return random_palette(n, k, 4, true);
  if (dtype == "sparse24") return random_sparse24(n, k);
  throw std::invalid_argument("random_expanded_b: unknown dtype " + dtype);
}

}  // namespace zoomrt::bench
