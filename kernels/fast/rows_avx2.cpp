// Row kernels compiled for AVX2 + FMA (per-file flags in kernels/CMakeLists.txt).
#include "kernels/fast/rows_simd.h"

namespace zoomrt::fast {

const RowKernels& row_kernels__avx2() {
  static const RowKernels k = Simd<xsimd::fma3<xsimd::avx2>>::table(Isa::avx2);
  return k;
}

}  // namespace zoomrt::fast
