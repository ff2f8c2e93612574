// The flash attention kernel (flash_impl.h) for AVX-512F: 16 lanes, 12 query rows per task
// (score tiles 12 x 32 keys and output tiles 12 x 32 columns: 24 accumulators of 32 registers).
#include <immintrin.h>

#include "kernels/attention/attention_kernels.h"
#include "kernels/attention/avx512_vec.h"
#include "kernels/attention/flash_impl.h"

namespace zoomrt {

void kern::attention_flash_12__avx512(int b, int lq, int lk, int heads, int d, float scale, bool causal,
                                   const float* q, const float* k, const float* v, float* out, ThreadPool& pool) {
  attn::Flash<attn::Avx512Vec, 12>::run(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
}

}  // namespace zoomrt
