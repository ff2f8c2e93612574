// Expansion of compressed B panels (kernels/gemm/gemm.h, BFormat) into f32 for the micro-kernels.
// Internal to kernels/gemm/. One function pair per ISA; expand_fns() picks the best one the CPU
// supports (respecting the ZOOMRT_ISA cap) once.
//   f16: dst[i] = half_to_float(src[i]), i < count
//   q4:  one panel row of nr columns (nr a multiple of 8): dst[j] = (nibble j of src - 8) * scale[j],
//        nibble 2i in the low half of src[i], 2i+1 in the high half
#pragma once
#include <cstddef>
#include <cstdint>

namespace zoomrt::kern {

using ExpandF16Fn = void (*)(const uint16_t* src, float* dst, size_t count);
using ExpandQ4RowFn = void (*)(const uint8_t* src, const float* scale, float* dst, size_t nr);

void expand_f16__generic(const uint16_t* src, float* dst, size_t count);
void expand_q4_row__generic(const uint8_t* src, const float* scale, float* dst, size_t nr);
#if defined(__x86_64__) || defined(_M_X64)
void expand_f16__avx2(const uint16_t* src, float* dst, size_t count);
void expand_q4_row__avx2(const uint8_t* src, const float* scale, float* dst, size_t nr);
#endif

struct ExpandFns {
  ExpandF16Fn f16;
  ExpandQ4RowFn q4_row;
};
const ExpandFns& expand_fns();

}  // namespace zoomrt::kern
