// Palette and 2:4 sparse B panels (BFormat::palette / sparse24 in kernels/gemm/gemm.h): the
// packers of already-coded weights and the portable expansion every ISA's version must equal.
#include <cassert>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/expand.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt {

namespace kern {

void expand_palette__generic(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                             float* dst, size_t nr) {
  const size_t row_bytes = nr * size_t(bits) / 8;
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  for (size_t r = 0; r < rows; ++r, src += row_bytes, dst += nr)
    for (size_t j0 = 0; j0 < nr; j0 += 8) {
      uint64_t x = 0;  // 8 indices fill exactly `bits` bytes
      for (int b = 0; b < bits; ++b) x |= uint64_t(src[j0 / 8 * size_t(bits) + size_t(b)]) << (8 * b);
      for (size_t t = 0; t < 8; ++t) {
        const size_t idx = size_t((x >> (t * size_t(bits))) & mask), j = j0 + t;
        dst[j] = per_column ? codebook[idx * nr + j] : codebook[idx];
      }
    }
}

void expand_sparse24__generic(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr) {
  const size_t group_bytes = sparse24_group_bytes(nr);
  for (size_t kk = k0; kk < k0 + kc; ++kk, dst += nr) {
    const uint8_t* g = panel + kk / 4 * group_bytes;
    const uint8_t* pos = g + nr * 4;
    const unsigned row = unsigned(kk % 4);
    for (size_t j = 0; j < nr; ++j) {
      const unsigned p = (pos[j / 2] >> (4 * (j % 2))) & 15;
      uint16_t h = 0;  // +0 where neither kept value sits; slot 0 wins if both claim the row
      if ((p & 3) == row) std::memcpy(&h, g + 2 * j, 2);
      else if ((p >> 2) == row) std::memcpy(&h, g + 2 * (nr + j), 2);
      dst[j] = half_to_float(h);
    }
  }
}

}  // namespace kern

PackedGemmB pack_b_palette_codes(const F32GemmKernelInfo& kernel, const uint8_t* index, const float* codebook,
                                 int bits, bool per_column, int n, int k) {
  assert(bits >= 2 && bits <= 8 && kernel.nr % 8 == 0);
  PackedGemmB p;
  p.n_ = n, p.k_ = k, p.nr_ = kernel.nr, p.kernel_ = &kernel, p.format_ = BFormat::palette;
  p.bits_ = bits, p.per_column_ = per_column;
  const size_t nr = size_t(kernel.nr), panels = size_t((n + kernel.nr - 1) / kernel.nr);
  const size_t row_bytes = nr * size_t(bits) / 8, entries = size_t(1) << bits;
  p.raw_.assign(panels * size_t(k) * row_bytes, 0);  // index 0 in the padding columns
  for (int col = 0; col < n; ++col) {
    const size_t pi = size_t(col) / nr, bit = size_t(col) % nr * size_t(bits), shift = bit % 8;
    uint8_t* dst = p.raw_.data() + pi * size_t(k) * row_bytes + bit / 8;
    for (int kk = 0; kk < k; ++kk, dst += row_bytes) {
      const unsigned idx = index[size_t(col) * size_t(k) + size_t(kk)];
      assert(idx < entries);
      const unsigned v = idx & unsigned(entries - 1);  // never read outside the codebook
      dst[0] |= uint8_t(v << shift);
      if (shift + size_t(bits) > 8) dst[1] |= uint8_t(v >> (8 - shift));
    }
  }
  if (!per_column) {
    p.scales_.assign(codebook, codebook + entries);
    return p;
  }
  p.scales_.assign(panels * entries * nr, 0.0f);  // padding columns: a zero codebook
  for (int col = 0; col < n; ++col) {
    const size_t pi = size_t(col) / nr, j = size_t(col) % nr;
    for (size_t e = 0; e < entries; ++e) p.scales_[(pi * entries + e) * nr + j] = codebook[size_t(col) * entries + e];
  }
  return p;
}

PackedGemmB pack_b_sparse24_codes(const F32GemmKernelInfo& kernel, const uint16_t* values, const uint8_t* positions,
                                  int n, int k) {
  assert(k % 4 == 0 && kernel.nr % 8 == 0);
  PackedGemmB p;
  p.n_ = n, p.k_ = k, p.nr_ = kernel.nr, p.kernel_ = &kernel, p.format_ = BFormat::sparse24;
  const size_t nr = size_t(kernel.nr), panels = size_t((n + kernel.nr - 1) / kernel.nr);
  const size_t groups = size_t(k / 4), group_bytes = kern::sparse24_group_bytes(nr);
  p.raw_.assign(panels * groups * group_bytes, 0);
  for (size_t g = 0; g < panels * groups; ++g)  // padding columns: zeros at positions 0 and 1
    std::memset(p.raw_.data() + g * group_bytes + nr * 4, 0x44, nr / 2);
  for (int col = 0; col < n; ++col) {
    const size_t pi = size_t(col) / nr, j = size_t(col) % nr;
    for (size_t g = 0; g < groups; ++g) {
      uint8_t* dst = p.raw_.data() + (pi * groups + g) * group_bytes;
      const uint16_t* v = values + size_t(col) * groups * 2 + g * 2;
      std::memcpy(dst + 2 * j, v, 2);
      std::memcpy(dst + 2 * (nr + j), v + 1, 2);
      const unsigned pos = positions[size_t(col) * groups + g] & 15;
      assert((pos & 3) < (pos >> 2));
      uint8_t& b = dst[nr * 4 + j / 2];
      b = (j % 2 == 0) ? uint8_t((b & 0xF0) | pos) : uint8_t((b & 0x0F) | (pos << 4));
    }
  }
  return p;
}

}  // namespace zoomrt
