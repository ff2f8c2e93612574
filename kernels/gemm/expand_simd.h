// Palette and 2:4 sparse expansion of compressed B panels (kernels/gemm/expand.h) written once
// over xsimd batches and instantiated per ISA in that ISA's translation unit (expand_avx2.cpp,
// expand_avx512.cpp). Never include this from a file compiled without the matching flags.
//
// SimdExpand<Lanes> takes the few steps xsimd 8.1 cannot express portably from a per-ISA
// traits struct `Lanes` (defined in the ISA file, with intrinsics):
//   using Arch                            the xsimd architecture (W = float lanes)
//   kTableEntries                         most layer-codebook entries kept in registers
//   kTreeEntries                          most per-column entries kept in registers (a blend tree)
//   indices<B>(src) -> I                  the W indices of B bits at src (column 0 lowest)
//   lookup<REGS>(t, idx) -> F             t[idx] for a table held in REGS registers of W floats
//   select_by_bit(idx, bit, a, b) -> F    b where bit `bit` of idx is set, else a
//   nibbles(src) -> I                     the W 4-bit values at src (W / 2 bytes, low nibble first)
//   halves(src) -> F                      the W IEEE halves at src as floats
//   gather(base, idx) -> F                base[idx] per lane (xsimd 8.1's gather is lane by lane)
// Everything else (codebooks larger than the registers gather, the column-outer loops, the 2:4
// group walk and its slot priority) is here, so every ISA writes exactly the floats the generic
// code writes (kernels_gemm_compressed_test compares them).
//
// Internal linkage on purpose: the linker would otherwise merge the per-ISA copies of these
// templates into one, possibly compiled for an ISA this CPU lacks.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/expand.h"

namespace zoomrt::kern {
namespace {  // NOLINT: see above

template <class Lanes>
struct SimdExpand {
  using F = xsimd::batch<float, typename Lanes::Arch>;
  using I = xsimd::batch<int32_t, typename Lanes::Arch>;
  static constexpr size_t W = F::size;

  // One codebook for the layer: up to Lanes::kTableEntries entries in registers, more gathered.
  template <int B>
  struct LayerTable {
    static constexpr int kEntries = 1 << B;
    static constexpr int kRegs = kEntries <= Lanes::kTableEntries ? int((kEntries + W - 1) / W) : 0;
    const float* codebook;
    F t[kRegs > 0 ? kRegs : 1];

    explicit LayerTable(const float* cb) : codebook(cb) {
      if constexpr (kRegs > 0) {
        alignas(64) float padded[kRegs * W] = {};  // a codebook shorter than W lanes, zero padded
        std::memcpy(padded, cb, sizeof(float) * kEntries);
        for (int r = 0; r < kRegs; ++r) t[r] = F::load_aligned(padded + r * W);
      }
    }
    F operator()(I idx) const {
      if constexpr (kRegs > 0) return Lanes::template lookup<kRegs>(t, idx);
      else return Lanes::gather(codebook, idx);
    }
  };

  // One codebook per column, entry-major ([1 << B][nr]): up to Lanes::kTreeEntries entries of W
  // columns sit in registers and each lane picks its entry by a tree of blends on the index
  // bits; wider codebooks gather from memory.
  template <int B>
  struct ColumnTable {
    static constexpr int kEntries = 1 << B;
    static constexpr bool kTree = kEntries <= Lanes::kTreeEntries;
    const float* codebook;  // column j0's entry 0
    I nr_vec, lanes;
    F t[kTree ? kEntries : 1];

    ColumnTable(const float* cb, size_t nr) : codebook(cb), nr_vec(int32_t(nr)) {
      alignas(64) int32_t lane[W];
      for (size_t j = 0; j < W; ++j) lane[j] = int32_t(j);
      lanes = I::load_aligned(lane);
      if constexpr (kTree)
        for (int e = 0; e < kEntries; ++e) t[e] = F::load_unaligned(cb + size_t(e) * nr);
    }
    F operator()(I idx) const {
      if constexpr (kTree) {
        // The first level reads the table itself: a copy of it would go through the stack.
        F v[kEntries / 2];
        for (int i = 0; i < kEntries / 2; ++i) v[i] = Lanes::select_by_bit(idx, 0, t[2 * i], t[2 * i + 1]);
        for (int bit = 1, n = kEntries / 2; bit < B; ++bit, n /= 2)
          for (int i = 0; i < n / 2; ++i) v[i] = Lanes::select_by_bit(idx, bit, v[2 * i], v[2 * i + 1]);
        return v[0];
      } else {
        return Lanes::gather(codebook, idx * nr_vec + lanes);
      }
    }
  };

  template <int B>
  static void palette_rows(const uint8_t* src, size_t rows, const float* codebook, bool per_column, float* dst,
                           size_t nr) {
    const size_t row_bytes = nr * B / 8;
    for (size_t j0 = 0; j0 < nr; j0 += W) {  // column-outer: a per-column table stays in registers
      const uint8_t* s = src + j0 * B / 8;
      float* d = dst + j0;
      if (per_column) {
        const ColumnTable<B> table(codebook + j0, nr);
        for (size_t r = 0; r < rows; ++r)
          table(Lanes::template indices<B>(s + r * row_bytes)).store_unaligned(d + r * nr);
      } else {
        const LayerTable<B> table(codebook);
        for (size_t r = 0; r < rows; ++r)
          table(Lanes::template indices<B>(s + r * row_bytes)).store_unaligned(d + r * nr);
      }
    }
  }

  // expand.h's palette contract; nr a multiple of W.
  static void palette(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column, float* dst,
                      size_t nr) {
    switch (bits) {
      case 2: return palette_rows<2>(src, rows, codebook, per_column, dst, nr);
      case 3: return palette_rows<3>(src, rows, codebook, per_column, dst, nr);
      case 4: return palette_rows<4>(src, rows, codebook, per_column, dst, nr);
      case 5: return palette_rows<5>(src, rows, codebook, per_column, dst, nr);
      case 6: return palette_rows<6>(src, rows, codebook, per_column, dst, nr);
      case 7: return palette_rows<7>(src, rows, codebook, per_column, dst, nr);
      default: return palette_rows<8>(src, rows, codebook, per_column, dst, nr);
    }
  }

  // Rows [r0, r1) of one 2:4 group (0 <= r0 < r1 <= 4) into dst (row r0 first), W columns at a
  // time. A group holds two f16 slots per column and a nibble per column with each slot's row
  // (slot 0 in bits 0-1, slot 1 in bits 2-3).
  template <bool kFull>
  static void sparse24_group(const uint8_t* g, int r0, int r1, float* dst, size_t nr) {
    for (size_t j0 = 0; j0 < nr; j0 += W) {
      const F v0 = Lanes::halves(g + 2 * j0), v1 = Lanes::halves(g + 2 * (nr + j0));
      const I pos = Lanes::nibbles(g + 4 * nr + j0 / 2);
      const F row0 = xsimd::to_float(pos & I(3)), row1 = xsimd::to_float(pos >> 2);
      const int lo = kFull ? 0 : r0, hi = kFull ? 4 : r1;
      for (int r = lo; r < hi; ++r) {
        const F row = F(float(r));
        // Slot 0 over slot 1: slot 0 wins where both claim the row, as in the generic code.
        const F v = xsimd::select(row0 == row, v0, xsimd::select(row1 == row, v1, F(0.0f)));
        v.store_unaligned(dst + size_t(r - r0) * nr + j0);
      }
    }
  }

  // expand.h's sparse24 contract; nr a multiple of W.
  static void sparse24(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
    const size_t group_bytes = sparse24_group_bytes(nr);
    for (size_t kk = k0, end = k0 + kc; kk < end;) {
      const size_t g = kk / 4, r0 = kk % 4, r1 = std::min<size_t>(4, end - g * 4);
      if (r0 == 0 && r1 == 4) sparse24_group<true>(panel + g * group_bytes, 0, 4, dst, nr);
      else sparse24_group<false>(panel + g * group_bytes, int(r0), int(r1), dst, nr);
      dst += (r1 - r0) * nr;
      kk = g * 4 + r1;
    }
  }
};

}  // namespace
}  // namespace zoomrt::kern
