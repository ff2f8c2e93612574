#include "kernels/gemm/driver.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace zoomrt::kern {

GemmPlan plan_gemm(const GemmBlocking& blk, int mr, int nr, int m, int n, int k, int b_elem_bytes, int threads,
                   int k_unit) {
  auto ceil_div = [](int a, int b) { return (a + b - 1) / b; };
  GemmPlan p;
  // Equal k blocks within each unit (K = 2880 gives 3 x 960, not 1024 + 1024 + 832).
  const int unit = k_unit > 0 ? std::min(k_unit, k) : k;
  p.kc = std::max(1, ceil_div(unit, std::max(1, ceil_div(unit, blk.kc_max))));
  p.nc_l2 = std::max(nr, blk.l2_block_bytes / (p.kc * b_elem_bytes) / nr * nr);
  // Split C into m_blocks x n_blocks tasks. The pool hands tasks to threads one at a time, so
  // the time is about ceil(tasks / threads) x the largest task (in micro-tiles); pick the split
  // that minimises that, with a 1 % charge per task (each task re-reads its A rows and B
  // columns), and on ties split the dimension whose other operand is smaller (n > m: split N,
  // so each task reads only its part of B).
  const int m_units = ceil_div(m, mr), n_units = ceil_div(n, nr);
  const int mb_min = ceil_div(m, blk.mc_max);
  int m_blocks = mb_min, n_blocks = 1;
  if (threads > 1) {
    double best = 1e300;
    // Candidates: for each column split, the row splits from the smallest allowed up to
    // 2 x threads more (to round the task count to a multiple of the threads) and those that
    // make 1..4 tasks per thread.
    for (int nb = 1; nb <= std::min(n_units, 4 * threads); ++nb)
      for (int cand = 0; cand < 2 * threads + 5; ++cand) {
        const int per_thread = cand - 2 * threads;  // > 0 for the last 4 candidates
        const int mb = std::min(m_units, per_thread > 0 ? std::max(mb_min, ceil_div(per_thread * threads, nb))
                                                        : mb_min + cand);
        const int tasks = mb * nb, rounds = ceil_div(tasks, threads);
        const double cost = double(rounds) * ceil_div(m_units, mb) * ceil_div(n_units, nb) * (1.0 + 0.01 * tasks);
        const bool tie = cost == best && ((n > m) ? nb > n_blocks : mb > m_blocks);
        if (cost < best || tie) best = cost, m_blocks = mb, n_blocks = nb;
      }
  }
  p.mc = ceil_div(ceil_div(m, m_blocks), mr) * mr;
  p.nc = ceil_div(ceil_div(n, n_blocks), nr) * nr;
  p.m_blocks = ceil_div(m, p.mc);
  p.n_blocks = ceil_div(n, p.nc);
  return p;
}

namespace {

// Prefetches floats [begin, end) into L2, a cache line at a time. (prefetchw or an L1 hint for
// C measured no better; the read hint needs no ISA check.)
void prefetch_range(const float* begin, const float* end) {
  for (const float* p = begin; p < end; p += 16) __builtin_prefetch(p, 0, 2);
  if (begin < end) __builtin_prefetch(end - 1, 0, 2);
}

}  // namespace

void prefetch_micro_rows(const MicroRows& r, int kc, int part, int parts) {
  const int r0 = part * r.rows / parts, r1 = (part + 1) * r.rows / parts;
  for (int i = r0; i < r1; ++i) {
    const float* row = r.a + size_t(i) * r.lda;
    // Overlapping rows (a convolution's view, lda < kc): only the part past the previous row.
    const float* from = (i > 0 && r.lda < size_t(kc)) ? row + (size_t(kc) - r.lda) : row;
    prefetch_range(from, row + kc);
  }
}

void prefetch_c_rows(const float* c, size_t ldc, int rows, int cols, int part, int parts) {
  const int r0 = part * rows / parts, r1 = (part + 1) * rows / parts;
  for (int i = r0; i < r1; ++i) prefetch_range(c + size_t(i) * ldc, c + size_t(i) * ldc + cols);
}

bool RowMajorA::conflicting_rows(size_t lda) {
  // Bytes per way of L1 (32 KiB / 8 ways here, the same 4 KiB on recent Intel cores) over
  // the bytes between rows: how many distinct sets MR rows start in; more than 4 rows per set
  // leaves too few ways for the B panel.
  constexpr size_t kWayBytes = 4096, kLine = 64, kMaxRowsPerSet = 4;
  const size_t stride = lda * sizeof(float);
  if (stride % kLine != 0) return false;  // rows start at varying offsets within lines
  const size_t sets = kWayBytes / std::gcd(stride % kWayBytes == 0 ? kWayBytes : stride % kWayBytes, kWayBytes);
  return (f32_gemm_default().mr + sets - 1) / sets > kMaxRowsPerSet;
}

const float* RowMajorA::block(int m0, int rows, int k0, int kc, float* scratch, size_t* ld) const {
  const float* src = a + size_t(m0) * lda + size_t(k0);
  if (!copy) {
    *ld = lda;
    return src;
  }
  *ld = padded_ld(kc);
  for (int i = 0; i < rows; ++i) std::memcpy(scratch + size_t(i) * *ld, src + size_t(i) * lda, sizeof(float) * size_t(kc));
  return scratch;
}

void TaskScratch::place() {
  thread_local AlignedFloats block;
  thread_local size_t block_bytes = 0;
  if (block_bytes < bytes_) {
    block.reset();  // never both blocks at once
    block_bytes = 0;
    block = alloc_aligned_floats(bytes_ / sizeof(float));
    block_bytes = bytes_;
  }
  base_ = reinterpret_cast<char*>(block.get());
}

void run_f32_tile(const F32GemmKernelInfo& kernel, int mr, int nr, int kc, const float* a, size_t lda,
                  const float* b_panel, const GemmOutput& out, int i, int j, bool accumulate, bool last) {
  float* c = out.c + size_t(i) * out.ldc + size_t(j);
  if (nr == kernel.nr) {
    kernel.kernel(size_t(mr), size_t(kc), a, lda, b_panel, c, out.ldc, accumulate);
  } else {  // N tail: the kernel writes NR columns, so it works on a scratch tile.
    alignas(64) float tile[kMaxTileFloats];
    const size_t ld = size_t(kernel.nr);
    if (accumulate)
      for (int r = 0; r < mr; ++r) std::memcpy(tile + r * ld, c + r * out.ldc, sizeof(float) * size_t(nr));
    kernel.kernel(size_t(mr), size_t(kc), a, lda, b_panel, tile, ld, accumulate);
    for (int r = 0; r < mr; ++r) std::memcpy(c + r * out.ldc, tile + r * ld, sizeof(float) * size_t(nr));
  }
  if (!last) return;
  const Epilogue& e = *out.epi;
  if (!out.bias && e.act == Activation::none && !e.residual) return;
  kernel.epilogue(size_t(mr), size_t(nr), c, out.ldc, out.bias ? out.bias + j : nullptr, e.act,
                  e.residual ? e.residual + size_t(i) * e.ld_residual + size_t(j) : nullptr, e.ld_residual);
}

void run_f32_empty_k(int m, int n, const GemmOutput& out) {
  for (int i = 0; i < m; ++i) {
    std::fill_n(out.c + size_t(i) * out.ldc, n, 0.0f);
    const Epilogue& e = *out.epi;
    kern::f32_epilogue__generic(1, size_t(n), out.c + size_t(i) * out.ldc, out.ldc, out.bias, e.act,
                                e.residual ? e.residual + size_t(i) * e.ld_residual : nullptr, e.ld_residual);
  }
}

}  // namespace zoomrt::kern
