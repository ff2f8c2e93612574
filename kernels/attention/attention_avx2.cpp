// The flash attention kernel (flash_impl.h) for AVX2 + FMA: 8 lanes, 6 query rows per task
// (score tiles 6 x 16 keys and output tiles 6 x 16 columns: 12 accumulators of 16 registers).
#include <immintrin.h>

#include "kernels/attention/attention_kernels.h"
#include "kernels/attention/flash_impl.h"

namespace zoomrt {
namespace {

struct Avx2 {
  using Reg = __m256;
  static constexpr int W = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Reg x) { _mm256_storeu_ps(p, x); }
  static Reg bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg round(Reg x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static Reg pow2i(Reg k) {  // exponent field k + 127: k = -127 gives +0
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
};

}  // namespace

void kern::attention_flash_6__avx2(int b, int lq, int lk, int heads, int d, float scale, bool causal,
                                   const float* q, const float* k, const float* v, float* out, ThreadPool& pool) {
  attn::Flash<Avx2, 6>::run(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
}

}  // namespace zoomrt
