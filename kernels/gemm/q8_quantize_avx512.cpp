// Per-row activation quantisation compiled for avx512 (q8_quantize_impl.h).
#include "kernels/gemm/q8_quantize_impl.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt::kern {

void q8_quantize_row__avx512(size_t k, size_t k_padded, const float* a, Q8AFormat format, void* out, float* scale) {
  q8_quantize_row_impl<xsimd::avx512f>(k, k_padded, a, format, out, scale);
}

}  // namespace zoomrt::kern
