// GEMM and convolution on palette (BFormat::palette) and 2:4 sparse (BFormat::sparse24) weight
// panels, for every f32 kernel the CPU supports. The dense weights are built here from the codes
// (codebook[index], or the kept f16 values with zeros between) independently of the packers;
// then (1) gemm_f32 on the coded panels must equal gemm_f32 on pack_b_f32 of those dense weights
// bit for bit (the format's contract) and (2) both must match ref::linear / ref::conv2d at the f32
// budget. Each ISA's expansion code is also compared with the portable one directly, so every
// vector path is checked whatever ZOOMRT_ISA caps the dispatcher at.
#include <catch2/catch.hpp>

#include "kernel_test_util.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/expand.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ref/ops.h"

using namespace zoomrt;

namespace {

using test::kAbsEpsPerSqrtK;
using test::kRelEps;

using test::random_floats;

// Palette-coded weights [n, k] and their dense values.
struct Palette {
  std::vector<uint8_t> index;
  std::vector<float> codebook, dense;
};

Palette random_palette(int n, int k, int bits, bool per_column, uint32_t seed) {
  std::mt19937 rng(seed);
  const int entries = 1 << bits;
  Palette p;
  p.codebook = random_floats(size_t(per_column ? n : 1) * entries, seed + 1);
  p.index.resize(size_t(n) * k);
  p.dense.resize(p.index.size());
  for (int col = 0; col < n; ++col)
    for (int kk = 0; kk < k; ++kk) {
      const size_t i = size_t(col) * k + kk;
      p.index[i] = uint8_t(rng() % unsigned(entries));
      p.dense[i] = p.codebook[size_t(per_column ? col : 0) * entries + p.index[i]];
    }
  return p;
}

// 2:4 sparse weights [n, k] (k % 4 == 0), every one of the six position pairs, and their dense values.
struct Sparse {
  std::vector<uint16_t> values;
  std::vector<uint8_t> positions;
  std::vector<float> dense;
};

Sparse random_sparse(int n, int k, uint32_t seed) {
  static constexpr int kPairs[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  std::mt19937 rng(seed);
  const auto v = random_floats(size_t(n) * k / 2, seed + 1);
  Sparse s;
  s.dense.assign(size_t(n) * k, 0.0f);
  for (int col = 0; col < n; ++col)
    for (int g = 0; g < k / 4; ++g) {
      const auto& pair = kPairs[rng() % 6];
      s.positions.push_back(uint8_t(pair[0] | pair[1] << 2));
      for (int slot = 0; slot < 2; ++slot) {
        const uint16_t h = float_to_half(v[s.values.size()]);
        s.values.push_back(h);
        s.dense[size_t(col) * k + size_t(g) * 4 + size_t(pair[slot])] = half_to_float(h);
      }
    }
  return s;
}

// gemm_f32 on `coded` must equal gemm_f32 on the packed dense weights bit for bit and ref::linear
// within the f32 budget.
void check_gemm(const F32GemmKernelInfo& kernel, const PackedGemmB& coded, const std::vector<float>& dense, int m,
                ThreadPool& pool, const char* what) {
  const int n = coded.n(), k = coded.k();
  INFO(kernel.name << " " << what << " m=" << m << " n=" << n << " k=" << k << " threads=" << pool.threads());
  const auto a = random_floats(size_t(m) * k, 11), bias = random_floats(size_t(n), 13);
  std::vector<float> ref(size_t(m) * n), want(ref.size()), got(ref.size());
  ref::linear(m, n, k, a.data(), dense.data(), bias.data(), ref.data(), pool);
  const PackedGemmB b = pack_b_f32_for(kernel, dense.data(), n, k, Layout::nk);
  gemm_f32(m, a.data(), size_t(k), b, bias.data(), Epilogue{}, want.data(), size_t(n), pool);
  gemm_f32(m, a.data(), size_t(k), coded, bias.data(), Epilogue{}, got.data(), size_t(n), pool);
  CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
  const double eps = kAbsEpsPerSqrtK * std::sqrt(double(k));
  size_t bad = 0;
  for (size_t o = 0; o < ref.size(); ++o)
    if (std::abs(got[o] - ref[o]) > std::max(eps, kRelEps * std::abs(ref[o])) && bad++ < 3)
      FAIL_CHECK("at " << o << ": got " << got[o] << " want " << ref[o]);
  CHECK(bad == 0);
}

// (m, n, k): m = 1, n not a multiple of any nr, k = 4, k above the k block (1036: two blocks of
// 518, the second starting inside a 2:4 group; 1500: two of 750), M and N tails.
constexpr std::tuple<int, int, int> kShapes[] = {{1, 1, 4},    {1, 9, 4},     {7, 33, 20},  {3, 17, 1036},
                                                 {13, 40, 1500}, {29, 50, 96}, {12, 64, 256}};

using test::for_each_kernel;

}  // namespace

TEST_CASE("palette panels b = 2..8 per layer and per column equal the dense GEMM bit for bit") {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for_each_kernel([&](const F32GemmKernelInfo& kn) {
      for (int bits = 2; bits <= 8; ++bits)
        for (bool per_column : {false, true})
          for (auto [m, n, k] : kShapes) {
            const Palette p = random_palette(n, k, bits, per_column, uint32_t(bits * 100 + n));
            const PackedGemmB b = pack_b_palette_codes(kn, p.index.data(), p.codebook.data(), bits, per_column, n, k);
            REQUIRE(b.format() == BFormat::palette);
            CHECK(b.bits() == bits);
            check_gemm(kn, b, p.dense, m, pool, per_column ? "palette per column" : "palette per layer");
          }
    });
  }
}

TEST_CASE("2:4 sparse panels equal the dense GEMM bit for bit") {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for_each_kernel([&](const F32GemmKernelInfo& kn) {
      for (auto [m, n, k] : kShapes) {
        const Sparse s = random_sparse(n, k, uint32_t(n * 7 + k));
        const PackedGemmB b = pack_b_sparse24_codes(kn, s.values.data(), s.positions.data(), n, k);
        REQUIRE(b.format() == BFormat::sparse24);
        check_gemm(kn, b, s.dense, m, pool, "sparse24");
      }
    });
  }
}

TEST_CASE("palette and sparse24 panel bytes follow the storage formula") {
  for_each_kernel([&](const F32GemmKernelInfo& kn) {
    for (int n : {64, 50}) {
      const int k = 256;
      const size_t padded_n = size_t((n + kn.nr - 1) / kn.nr * kn.nr);  // whole panels are stored
      INFO(kn.name << " n=" << n);
      for (int bits = 2; bits <= 8; ++bits) {
        const size_t entries = size_t(1) << bits, index_bytes = padded_n * k * bits / 8;
        const Palette layer = random_palette(n, k, bits, false, 1), column = random_palette(n, k, bits, true, 2);
        CHECK(pack_b_palette_codes(kn, layer.index.data(), layer.codebook.data(), bits, false, n, k).bytes() ==
              index_bytes + entries * 4);
        CHECK(pack_b_palette_codes(kn, column.index.data(), column.codebook.data(), bits, true, n, k).bytes() ==
              index_bytes + padded_n * entries * 4);
      }
      // Per weight: half of them kept as f16 (1 byte), 4 bits of positions per 4 weights (1/8 byte).
      const Sparse s = random_sparse(n, k, 3);
      CHECK(pack_b_sparse24_codes(kn, s.values.data(), s.positions.data(), n, k).bytes() == padded_n * k * 9 / 8);
    }
  });
}

TEST_CASE("every ISA's palette and sparse24 expansion writes what the generic one writes") {
  const kern::ExpandFns& generic = *kern::expand_fns_for(Isa::generic);
  std::mt19937 rng(7);
  for (int level = 0; level <= int(Isa::avx512vnni); ++level) {
    const Isa isa = Isa(level);
    const kern::ExpandFns* fns = kern::expand_fns_for(isa);
    if (!fns || fns == &generic) continue;
    if (!cpu_supports(isa)) {
      WARN("skipped " << isa_name(isa) << " expansion: this CPU lacks it");
      continue;
    }
    for (size_t nr : {8, 16, 32}) {
      INFO(isa_name(isa) << " nr=" << nr);
      const size_t rows = 13;
      // Random bytes: palette indices of every width; for sparse24, position nibbles include
      // pos0 >= pos1 (the generic rule: slot 0 wins) and the f16 values include subnormals and
      // infinities (no NaNs: F16C quiets signalling ones, the portable conversion keeps them).
      const size_t group_bytes = kern::sparse24_group_bytes(nr);
      std::vector<uint8_t> bytes(rows * group_bytes);
      for (auto& b : bytes) b = uint8_t(rng());
      for (size_t g = 0; g < rows; ++g)
        for (size_t i = 0; i < 2 * nr; ++i) {
          uint8_t* h = bytes.data() + g * group_bytes + 2 * i;
          if ((h[1] & 0x7C) == 0x7C && (h[0] | (h[1] & 3)) != 0) h[1] &= 0xBF;  // NaN -> a finite value
        }
      const auto codebook = random_floats(256 * nr, 8);
      std::vector<float> want(rows * 4 * nr), got(want.size());
      for (int bits = 2; bits <= 8; ++bits)
        for (bool per_column : {false, true}) {
          INFO("palette bits=" << bits << " per_column=" << per_column);
          generic.palette(bytes.data(), rows, bits, codebook.data(), per_column, want.data(), nr);
          fns->palette(bytes.data(), rows, bits, codebook.data(), per_column, got.data(), nr);
          CHECK(std::memcmp(got.data(), want.data(), rows * nr * sizeof(float)) == 0);
        }
      const size_t k = rows * 4;
      for (size_t k0 = 0; k0 < k; k0 += 3)
        for (size_t kc : {size_t(1), size_t(2), size_t(4), size_t(5), k - k0}) {
          if (k0 + kc > k) continue;
          INFO("sparse24 k0=" << k0 << " kc=" << kc);
          generic.sparse24(bytes.data(), k0, kc, want.data(), nr);
          fns->sparse24(bytes.data(), k0, kc, got.data(), nr);
          CHECK(std::memcmp(got.data(), want.data(), kc * nr * sizeof(float)) == 0);
        }
    }
  }
}

TEST_CASE("palette and sparse24 convolution weights in (r, s, c) order match ref::conv2d") {
  ThreadPool pool(2);
  // s * c = 18: the convolution's k blocks stop at multiples of 18, inside 2:4 groups.
  const ConvShape sh{2, 6, 9, 7, 24, 2, 3, 1, 1};
  const int rsc = sh.r * sh.s * sh.c;
  const auto x = random_floats(size_t(sh.n) * sh.c * sh.h * sh.w, 21), bias = random_floats(size_t(sh.k), 23);
  const Palette p = random_palette(sh.k, rsc, 4, true, 31);
  const Sparse s = random_sparse(sh.k, rsc, 32);
  for (int which = 0; which < 2; ++which) {
    const std::vector<float>& krsc = which == 0 ? p.dense : s.dense;
    PackedConvWeights pw{sh.k, sh.c, sh.r, sh.s, {}};
    pw.gemm = which == 0 ? pack_b_palette_codes(f32_gemm_default(), p.index.data(), p.codebook.data(), 4, true,
                                                sh.k, rsc)
                         : pack_b_sparse24_codes(f32_gemm_default(), s.values.data(), s.positions.data(), sh.k, rsc);
    std::vector<float> kcrs(krsc.size());  // the reference's [k, c, r, s]
    for (int o = 0; o < sh.k; ++o)
      for (int c = 0; c < sh.c; ++c)
        for (int rs = 0; rs < sh.r * sh.s; ++rs)
          kcrs[(size_t(o) * sh.c + c) * (sh.r * sh.s) + rs] = krsc[size_t(o) * rsc + rs * sh.c + c];
    const auto ref = test::ref_conv(sh, x, kcrs, bias.data(), pool);
    std::vector<float> got(ref.size());
    conv2d_nchw_f32(sh, x.data(), pw, bias.data(), Epilogue{}, got.data(), pool);
    double max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) max_err = std::max(max_err, double(std::abs(got[i] - ref[i])));
    INFO((which == 0 ? "palette" : "sparse24") << " max error " << max_err);
    CHECK(max_err < 1e-4);
  }
}
