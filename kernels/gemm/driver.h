// The blocked, threaded FP32 GEMM driver shared by gemm_f32 and the implicit-GEMM convolution.
// Internal to kernels/.
//
// The A operand comes from an "A source" that hands out row blocks of A for one k range:
//   size_t scratch_floats(int mc, int kc) const;   // scratch the source needs per task (0: none)
//   const float* block(int m0, int rows, int k0, int kc, float* scratch, size_t* lda) const;
// returning a row-major [rows, kc] view (row i at ptr + i * *lda), either into A itself or
// gathered into `scratch`. That is how convolution packs input panels on the fly per block
// without materialising the im2col matrix.
//
// Loop nest of one task (a block of C rows [m0, m1) x columns [n0, n1)):
//   for k0 in steps of kc:  A block = source.block(...)              (mc x kc, L2 or L3)
//     for jc in steps of nc_l2:                                        (B block kc x nc_l2, L2)
//       for each MR rows:                                              (A micro-panel, L1/L2)
//         for each NR panel in the B block: micro-kernel, accumulating onto C after the first
//             k block; after the last one, the epilogue on the tile while it is in L1.
// The micro-kernels reach ~98 % of peak with both operands streaming from L2 (measured on
// Zen 4), so kc is large (few passes over C) and only the B block is sized to L2.
// Tasks are spread over the ThreadPool; every C element is owned by one task.
#pragma once
#include <algorithm>
#include <cassert>
#include <vector>

#include "kernels/gemm/config.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt::kern {

struct GemmPlan {
  int kc;     // k block: A micro-panel MR x kc and B panels kc x NR per micro-kernel call
  int nc_l2;  // columns of B (multiple of NR) whose kc x nc_l2 block stays in L2 while the
              // micro-rows of the A block stream past it
  int mc, nc; // a task's block of C (mc multiple of MR, nc multiple of NR)
  int m_blocks, n_blocks;
};
// b_elem_bytes: bytes per packed B element (4 for f32, 1 for int8 kernels).
GemmPlan plan_gemm(const GemmBlocking& blk, int mr, int nr, int m, int n, int k, int b_elem_bytes, int threads);
inline GemmPlan plan_gemm(const F32GemmKernelInfo& kernel, int m, int n, int k, int threads) {
  return plan_gemm(gemm_blocking(kernel), kernel.mr, kernel.nr, m, n, k, 4, threads);
}

struct GemmOutput {
  const float* bias;
  const Epilogue* epi;
  float* c;
  size_t ldc;
};

// One micro-tile at rows [i, i+mr) and columns [j, j+nr) of C (nr <= NR; nr < NR goes through
// a scratch tile of kMaxTileFloats so the kernel may always write NR columns), then the
// epilogue when `last`.
inline constexpr int kMaxTileFloats = 1024;
void run_f32_tile(const F32GemmKernelInfo& kernel, int mr, int nr, int kc, const float* a, size_t lda,
                  const float* b_panel, const GemmOutput& out, int i, int j, bool accumulate, bool last);

// Asks for the next micro-row's A and C (rows x cols floats) while the current one computes:
// short rows in many streams are what the hardware prefetchers follow worst.
inline void prefetch_rows(const float* a, size_t lda, int rows, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; c += 16) __builtin_prefetch(a + size_t(r) * lda + size_t(c), 0, 2);
}

// k == 0: C = epilogue(bias), an empty sum.
void run_f32_empty_k(int m, int n, const GemmOutput& out);

template <class ASource>
void run_gemm_f32(int m, const ASource& src, const PackedGemmB& b, const GemmOutput& out, ThreadPool& pool) {
  assert(!b.empty() && "B was never packed");
  const F32GemmKernelInfo& kernel = b.kernel();
  const int n = b.n(), k = b.k(), mr = kernel.mr, nr = kernel.nr;
  if (m <= 0 || n <= 0) return;
  if (k == 0) return run_f32_empty_k(m, n, out);
  const GemmPlan plan = plan_gemm(kernel, m, n, k, pool.threads());
  const size_t tasks = size_t(plan.m_blocks) * size_t(plan.n_blocks);
  pool.parallel_for(tasks, 1, [&](size_t t0, size_t t1) {
    // Per pool thread and reused across calls: a fresh multi-MiB vector per task would
    // page-fault its way in every time.
    thread_local std::vector<float> scratch;
    if (const size_t need = src.scratch_floats(plan.mc, plan.kc); scratch.size() < need) scratch.resize(need);
    // Compressed B (f16 / q4): each kc x nc_l2 block is expanded to f32 here once per task and
    // k block, then reused by every micro-row of the A block (mc rows).
    // (64-byte aligned: the micro-kernels load B panels with aligned loads.)
    thread_local AlignedFloats b_scratch;
    thread_local size_t b_scratch_floats = 0;
    const bool expand = b.format() != BFormat::f32;
    if (const size_t need = size_t(plan.kc) * size_t(plan.nc_l2); expand && b_scratch_floats < need)
      b_scratch = alloc_aligned_floats(need), b_scratch_floats = need;
    for (size_t t = t0; t < t1; ++t) {
      const int m0 = int(t / size_t(plan.n_blocks)) * plan.mc, m1 = std::min(m, m0 + plan.mc);
      const int n0 = int(t % size_t(plan.n_blocks)) * plan.nc, n1 = std::min(n, n0 + plan.nc);
      for (int k0 = 0; k0 < k; k0 += plan.kc) {
        const int kc = std::min(plan.kc, k - k0);
        const bool last = k0 + plan.kc >= k;
        size_t lda = 0;
        const float* a = src.block(m0, m1 - m0, k0, kc, scratch.data(), &lda);
        for (int jc = n0; jc < n1; jc += plan.nc_l2) {
          const int j_end = std::min(n1, jc + plan.nc_l2);
          if (expand) b.expand(jc / nr, (j_end + nr - 1) / nr, k0, kc, b_scratch.get());
          for (int i = m0; i < m1; i += mr) {
            if (const int next_rows = std::min(mr, m1 - i - mr); next_rows > 0) {
              prefetch_rows(a + size_t(i + mr - m0) * lda, lda, next_rows, kc);
              prefetch_rows(out.c + size_t(i + mr) * out.ldc + size_t(jc), out.ldc, next_rows,
                            std::min(n1, jc + plan.nc_l2) - jc);
            }
            for (int j = jc; j < j_end; j += nr) {
              const float* panel = expand ? b_scratch.get() + size_t((j - jc) / nr) * size_t(kc) * size_t(nr)
                                          : b.panel(j / nr) + size_t(k0) * size_t(nr);
              run_f32_tile(kernel, std::min(mr, m1 - i), std::min(nr, n1 - j), kc, a + size_t(i - m0) * lda,
                           lda, panel, out, i, j, k0 > 0, last);
            }
          }
        }
      }
    }
  });
}

}  // namespace zoomrt::kern
