// The blocked, threaded FP32 GEMM driver shared by gemm_f32 and the implicit-GEMM convolution.
// Internal to kernels/.
//
// The A operand comes from an "A source". Two kinds:
//  * block sources hand out row blocks of A for one k range:
//      size_t scratch_floats(int mc, int kc) const;   // scratch the source needs per task (0: none)
//      const float* block(int m0, int rows, int k0, int kc, float* scratch, size_t* lda) const;
//    returning a row-major [rows, kc] view (row i at ptr + i * *lda), either into A itself or
//    copied / gathered into `scratch` (RowMajorA below, the gathering im2col);
//  * view sources (the convolution reading a padded band of its input in place) also have
//      int k_unit() const;   // k blocks never cross a multiple of this (K % k_unit == 0)
//      Task task(int m0, int m1, float* scratch) const;  // per task, before its k loop
//    where Task has begin_k(k0, kc) and rows(i, max_rows) -> MicroRows: up to max_rows rows
//    from row i that share one stride (a convolution's micro-rows stop at the end of an
//    output row, so their count varies).
//
// Loop nest of one task (a block of C rows [m0, m1) x columns [n0, n1)):
//   for k0 in steps of kc (within k_unit):  A block (mc x kc, L2 or L3)
//     for jc in steps of nc_l2:              B block kc x nc_l2 (L2)
//       for each micro-row (<= MR rows):     A micro-panel (L1/L2)
//         for each NR panel in the B block: micro-kernel, accumulating onto C after the first
//             k block; after the last one, the epilogue on the tile while it is in L1.
//             Each panel call also prefetches a slice of the next micro-row's A and C, so
//             the prefetches are spread over the micro-row instead of queueing in one burst.
// The micro-kernels reach ~99 % of peak with both operands streaming from L2 (measured on
// Zen 4), so kc is large (few passes over C) and only the B block is sized to L2.
// Tasks go to the pool's threads one at a time (run_tasks); every C element is owned by one task.
#pragma once
#include <algorithm>
#include <atomic>
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
// b_elem_bytes: bytes per packed B element (4 for f32, 1 for int8 kernels). k_unit: k blocks
// split each run of k_unit columns evenly and never cross one (0: k_unit = k).
GemmPlan plan_gemm(const GemmBlocking& blk, int mr, int nr, int m, int n, int k, int b_elem_bytes, int threads,
                   int k_unit = 0);
inline GemmPlan plan_gemm(const F32GemmKernelInfo& kernel, int m, int n, int k, int threads, int k_unit = 0) {
  return plan_gemm(gemm_blocking(kernel), kernel.mr, kernel.nr, m, n, k, 4, threads, k_unit);
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

// k == 0: C = epilogue(bias), an empty sum.
void run_f32_empty_k(int m, int n, const GemmOutput& out);

// Calls task(t) once for every t in [0, tasks), handing the tasks to the pool's threads one at
// a time from a shared counter, as plan_gemm's cost model assumes. (parallel_for alone groups
// n > 4 x threads items into fixed chunks: 10 tasks on 2 threads became 3 + 2 chunks of two,
// 6 tasks against 4, which cost the M = 4096 shapes 15 %.) Also evens out a core that is
// slowed by another process. Which thread runs a task never changes its result.
template <class Task>
void run_tasks(size_t tasks, ThreadPool& pool, const Task& task) {
  if (tasks <= 1 || pool.threads() <= 1) {
    for (size_t t = 0; t < tasks; ++t) task(t);
    return;
  }
  std::atomic<size_t> next{0};
  pool.parallel_for(std::min(tasks, size_t(pool.threads())), 1, [&](size_t, size_t) {
    for (size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) task(t);
  });
}

// Scratch for one task of any GEMM driver (f32 here, int8 in q8_driver.h, W4A8), carved from
// one 64-byte aligned block per thread. The block grows to the largest request and is kept
// across calls (a fresh multi-MiB buffer per task would page-fault its way in every time), and
// every driver shares it: a thread runs one task at a time (parallel_for is not reentrant), so
// it holds the largest need of any one task, not the largest need of each driver and A source
// added up (int4-mix UNet at 512x512, 2 threads: 14 MB instead of 30). Lay the parts out with
// add, then place() and read them with at; they stay valid until the thread's next place().
class TaskScratch {
 public:
  template <class T>
  size_t add(size_t count) {  // byte offset of a new part of `count` T's, 64-byte aligned
    const size_t at = bytes_;
    bytes_ += (count * sizeof(T) + 63) / 64 * 64;
    return at;
  }
  void place();  // the calling thread's block, grown (not zeroed) to hold every part added
  template <class T>
  T* at(size_t offset) const {
    return reinterpret_cast<T*>(base_ + offset);
  }

 private:
  size_t bytes_ = 0;
  char* base_ = nullptr;
};

// Rows [i, i + rows) of A for the current k block: row r at a + r * lda, kc floats each.
struct MicroRows {
  const float* a = nullptr;
  size_t lda = 0;
  int rows = 0;
};

// Rows in the next micro-row when `left` rows remain: the fewest micro-rows, of near-equal
// height (77 rows = 7 x 11, not 6 x 12 + 5: a short micro-row keeps too few FMA chains in
// flight and costs nearly as much as a full one).
inline int balanced_rows(int left, int max_rows) {
  const int tiles = (left + max_rows - 1) / max_rows;
  return (left + tiles - 1) / tiles;
}

// A block source seen as a per-task view: one block per k range.
template <class ASource>
class BlockRows {
 public:
  BlockRows(const ASource& src, int m0, int m1, float* scratch) : src_(src), m0_(m0), m1_(m1), scratch_(scratch) {}
  void begin_k(int k0, int kc) { a_ = src_.block(m0_, m1_ - m0_, k0, kc, scratch_, &lda_); }
  MicroRows rows(int i, int max_rows) const {
    return {a_ + size_t(i - m0_) * lda_, lda_, balanced_rows(m1_ - i, max_rows)};
  }

 private:
  const ASource& src_;
  int m0_, m1_;
  float* scratch_;
  const float* a_ = nullptr;
  size_t lda_ = 0;
};

// Row-major A read in place (gemm_f32, the 1x1 stride-1 convolution), except when its rows
// would fight over a few L1 sets: with lda * 4 bytes a multiple of 2 or 4 KiB (K = 1024, 2560,
// 5120) the MR rows of a micro-row map to one or two sets of the 8-way L1 and evict each other
// every few k steps (-10 % measured). Then each A block is copied once per task and k block into scratch with
// an odd number of cache lines per row, and reused by every B block.
struct RowMajorA {
  const float* a;
  size_t lda;
  bool copy = conflicting_rows(lda);

  static bool conflicting_rows(size_t lda);
  static size_t padded_ld(int kc) {  // >= kc floats, an odd number of 64-byte lines
    const size_t lines = (size_t(kc) + 15) / 16;
    return (lines | 1) * 16;
  }
  size_t scratch_floats(int mc, int kc) const { return copy ? size_t(mc) * padded_ld(kc) : 0; }
  const float* block(int m0, int rows, int k0, int kc, float* scratch, size_t* ld) const;
};

template <class ASource>
concept ViewSource = requires(const ASource& s) {
  s.k_unit();
  s.task(0, 0, nullptr);
};

// Slice `part` of `parts` of the prefetches for micro-row `r` (kc floats per row; rows may
// overlap when lda < kc). Both go to L2.
void prefetch_micro_rows(const MicroRows& r, int kc, int part, int parts);
void prefetch_c_rows(const float* c, size_t ldc, int rows, int cols, int part, int parts);

// The micro-rows of one task block for k block [k0, k0 + kc), B block columns [jc, j_end).
template <class Rows>
void run_f32_block(const PackedGemmB& b, const Rows& view, int m0, int m1, int jc, int j_end, int n1, int k0,
                   int kc, const float* b_block, const GemmOutput& out, bool last) {
  const F32GemmKernelInfo& kernel = b.kernel();
  const int mr = kernel.mr, nr = kernel.nr, panels = (j_end - jc + nr - 1) / nr;
  MicroRows cur = view.rows(m0, mr);
  for (int i = m0; i < m1;) {
    const int i_next = i + cur.rows;
    const MicroRows next = i_next < m1 ? view.rows(i_next, mr) : MicroRows{};
    for (int j = jc, part = 0; j < j_end; j += nr, ++part) {
      if (next.rows > 0) {
        prefetch_micro_rows(next, kc, part, panels);
        prefetch_c_rows(out.c + size_t(i_next) * out.ldc + size_t(jc), out.ldc, next.rows, j_end - jc, part, panels);
      }
      const float* panel = b_block ? b_block + size_t((j - jc) / nr) * size_t(kc) * size_t(nr)
                                   : b.panel(j / nr) + size_t(k0) * size_t(nr);
      run_f32_tile(kernel, cur.rows, std::min(nr, n1 - j), kc, cur.a, cur.lda, panel, out, i, j, k0 > 0, last);
    }
    i = i_next;
    cur = next;
  }
}

template <class ASource>
void run_gemm_f32(int m, const ASource& src, const PackedGemmB& b, const GemmOutput& out, ThreadPool& pool) {
  assert(!b.empty() && "B was never packed");
  const F32GemmKernelInfo& kernel = b.kernel();
  const int n = b.n(), k = b.k(), nr = kernel.nr;
  if (m <= 0 || n <= 0) return;
  if (k == 0) return run_f32_empty_k(m, n, out);
  int k_unit = k;
  if constexpr (ViewSource<ASource>) k_unit = src.k_unit();
  const GemmPlan plan = plan_gemm(kernel, m, n, k, pool.threads(), k_unit);
  const bool expand = b.format() != BFormat::f32;
  run_tasks(size_t(plan.m_blocks) * size_t(plan.n_blocks), pool, [&](size_t t) {
    // The A source's scratch, and for compressed B (f16 / q4 / palette / sparse) the kc x nc_l2
    // block expanded to f32 once per task and k block, then reused by every micro-row of the A
    // block (mc rows). (64-byte aligned: the micro-kernels load B panels with aligned loads.)
    TaskScratch ts;
    const size_t a_part = ts.add<float>(src.scratch_floats(plan.mc, plan.kc));
    const size_t b_part = ts.add<float>(expand ? size_t(plan.kc) * size_t(plan.nc_l2) : 0);
    ts.place();
    float* const scratch = ts.at<float>(a_part);
    float* const b_scratch = ts.at<float>(b_part);
    const int m0 = int(t / size_t(plan.n_blocks)) * plan.mc, m1 = std::min(m, m0 + plan.mc);
    const int n0 = int(t % size_t(plan.n_blocks)) * plan.nc, n1 = std::min(n, n0 + plan.nc);
    auto view = [&] {
      if constexpr (ViewSource<ASource>) return src.task(m0, m1, scratch);
      else return BlockRows<ASource>(src, m0, m1, scratch);
    }();
    auto k_block = [&](int k0) { return std::min(plan.kc, std::min(k, (k0 / k_unit + 1) * k_unit) - k0); };
    for (int k0 = 0; k0 < k;) {
      const int kc = k_block(k0);
      view.begin_k(k0, kc);
      for (int jc = n0; jc < n1; jc += plan.nc_l2) {
        const int j_end = std::min(n1, jc + plan.nc_l2);
        if (expand) b.expand(jc / nr, (j_end + nr - 1) / nr, k0, kc, b_scratch);
        run_f32_block(b, view, m0, m1, jc, j_end, n1, k0, kc, expand ? b_scratch : nullptr, out, k0 + kc >= k);
      }
      k0 += kc;
    }
  });
}

}  // namespace zoomrt::kern
