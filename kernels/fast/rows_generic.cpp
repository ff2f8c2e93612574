// Row kernels compiled without ISA flags (SSE2 on x86-64, NEON on arm64): the fallback.
#include "kernels/fast/rows_simd.h"

namespace zoomrt::fast {

const RowKernels& row_kernels__generic() {
  static const RowKernels k = Simd<xsimd::default_arch>::table(Isa::generic);
  return k;
}

}  // namespace zoomrt::fast
