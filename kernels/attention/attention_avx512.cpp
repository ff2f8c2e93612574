// The flash attention kernel (flash_impl.h) for AVX-512F: 16 lanes, 12 query rows per task
// (score tiles 12 x 32 keys and output tiles 12 x 32 columns: 24 accumulators of 32 registers).
#include <immintrin.h>

#include "kernels/attention/attention_kernels.h"
#include "kernels/attention/flash_impl.h"

namespace zoomrt {
namespace {

struct Avx512 {
  using Reg = __m512;
  static constexpr int W = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg x) { _mm512_storeu_ps(p, x); }
  static Reg bcast(const float* p) { return _mm512_set1_ps(*p); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg round(Reg x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static Reg pow2i(Reg k) {  // exponent field k + 127: k = -127 gives +0
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
};

}  // namespace

void kern::attention_flash_12__avx512(int b, int lq, int lk, int heads, int d, float scale, bool causal,
                                   const float* q, const float* k, const float* v, float* out, ThreadPool& pool) {
  attn::Flash<Avx512, 12>::run(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
}

}  // namespace zoomrt
