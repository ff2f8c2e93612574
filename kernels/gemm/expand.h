// Expansion of compressed B panels (kernels/gemm/gemm.h, BFormat) into f32 for the micro-kernels.
// Internal to kernels/gemm/. One function set per ISA; expand_fns() picks the best one the CPU
// supports (respecting the ZOOMRT_ISA cap) once. Every function writes exactly the floats the
// generic one writes (they are tested against it), so the ISA never changes a GEMM result.
//   f16:      dst[i] = half_to_float(src[i]), i < count
//   q4:       one panel row of nr columns (nr a multiple of 8): dst[j] = (nibble j of src - 8) * scale[j],
//             nibble 2i in the low half of src[i], 2i+1 in the high half
//   palette:  `rows` consecutive panel rows of nr * bits / 8 bytes each (BFormat::palette) into
//             dst[rows][nr]: dst[r][j] = codebook[idx] (per layer: codebook [1 << bits]) or
//             codebook[idx * nr + j] (per column: the panel's codebook [1 << bits][nr])
//   sparse24: rows [k0, k0 + kc) of one panel (`panel` = its first group, BFormat::sparse24) into
//             dst[kc][nr]; any k0, kc (blocks need not start or end on a group)
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"

namespace zoomrt::kern {

using ExpandF16Fn = void (*)(const uint16_t* src, float* dst, size_t count);
using ExpandQ4RowFn = void (*)(const uint8_t* src, const float* scale, float* dst, size_t nr);
using ExpandPaletteFn = void (*)(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                                 float* dst, size_t nr);
using ExpandSparse24Fn = void (*)(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr);

// Bytes of one sparse24 group (4 k rows of nr columns): two f16 values and half a byte per column.
constexpr size_t sparse24_group_bytes(size_t nr) { return nr * 4 + nr / 2; }

void expand_f16__generic(const uint16_t* src, float* dst, size_t count);
void expand_q4_row__generic(const uint8_t* src, const float* scale, float* dst, size_t nr);
void expand_palette__generic(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                             float* dst, size_t nr);
void expand_sparse24__generic(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr);
#if defined(__x86_64__) || defined(_M_X64)
void expand_f16__avx2(const uint16_t* src, float* dst, size_t count);
void expand_q4_row__avx2(const uint8_t* src, const float* scale, float* dst, size_t nr);
void expand_palette__avx2(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                          float* dst, size_t nr);
void expand_sparse24__avx2(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr);
void expand_palette__avx512(const uint8_t* src, size_t rows, int bits, const float* codebook, bool per_column,
                            float* dst, size_t nr);
void expand_sparse24__avx512(const uint8_t* panel, size_t k0, size_t kc, float* dst, size_t nr);
#endif

struct ExpandFns {
  ExpandF16Fn f16;
  ExpandQ4RowFn q4_row;
  ExpandPaletteFn palette;
  ExpandSparse24Fn sparse24;
};
// The set used for one ISA level (avx512 keeps AVX2's f16 / q4), whether or not this CPU has it
// (check cpu_supports); nullptr for levels with no expansion code of their own (sse41, neon,
// avx512vnni). Tests compare each set against the generic one.
const ExpandFns* expand_fns_for(Isa isa);
// The highest set the CPU supports under the ZOOMRT_ISA cap, chosen once.
const ExpandFns& expand_fns();

}  // namespace zoomrt::kern
