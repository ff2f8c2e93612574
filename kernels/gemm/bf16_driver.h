// The BF16 GEMM loop shared by gemm_bf16 and the bf16 convolution (kernels/gemm/bf16_gemm.h).
// Internal to kernels/. Two paths over one packed B:
//  * tiles (b.kernel set): each task rounds its A rows into the thread's scratch, asking the
//    row source for one row of k floats at a time, then runs the tile kernel per 32x32 of C;
//  * fallback (b.kernel null): the f32 driver (driver.h) on b.panels, with a block source whose
//    blocks are rounded to bf16 values (Bf16Rounded).
#pragma once
#include <algorithm>

#include "kernels/dtype.h"
#include "kernels/gemm/bf16_gemm.h"
#include "kernels/gemm/driver.h"

namespace zoomrt::kern {

// Row r of A, k floats: a pointer into A, or into `scratch` (k floats) after filling it.
struct Bf16RowSource {
  const void* ctx;
  const float* (*row)(const void* ctx, int r, float* scratch);
};

void run_gemm_bf16_tiles(int m, const Bf16RowSource& rows, const PackedGemmBBf16& b, const GemmOutput& out,
                         ThreadPool& pool);

// A block source (driver.h) whose blocks hold bf16-rounded values (as floats): rounded in place
// when the source gathered them into scratch, else copied into scratch rounded.
template <class Src>
struct Bf16Rounded {
  Src src;
  size_t scratch_floats(int mc, int kc) const {
    return std::max(src.scratch_floats(mc, kc), size_t(mc) * RowMajorA::padded_ld(kc));
  }
  const float* block(int m0, int rows, int k0, int kc, float* scratch, size_t* ld) const {
    size_t src_ld = 0;
    const float* p = src.block(m0, rows, k0, kc, scratch, &src_ld);
    *ld = p == scratch ? src_ld : RowMajorA::padded_ld(kc);
    for (int i = 0; i < rows; ++i)
      for (int kk = 0; kk < kc; ++kk)
        scratch[size_t(i) * *ld + size_t(kk)] = bf16_to_float(float_to_bf16(p[size_t(i) * src_ld + size_t(kk)]));
    return scratch;
  }
};

// c[m, n] = epilogue(bf16(A) · B + bias), A given both ways: `blocks` for the fallback, `rows`
// for the tiles.
template <class BlockSource>
void run_gemm_bf16(int m, const BlockSource& blocks, const Bf16RowSource& rows, const PackedGemmBBf16& b,
                   const GemmOutput& out, ThreadPool& pool) {
  if (m <= 0 || b.n <= 0) return;
  if (b.k == 0) return run_f32_empty_k(m, b.n, out);
  if (!b.kernel) return run_gemm_f32(m, Bf16Rounded<BlockSource>{blocks}, b.panels, out, pool);
  run_gemm_bf16_tiles(m, rows, b, out, pool);
}

}  // namespace zoomrt::kern
