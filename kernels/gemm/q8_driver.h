// The blocked, threaded int8 GEMM loop shared by gemm_q8 and the int8 convolution. Internal
// to kernels/. Like driver.h, but with no k blocking (int32 sums are never split) and an A
// source that fills *quantised* rows: for each task (rows [m0, m1) x columns [n0, n1)) it calls
//   quantize_rows(m0, m1, int8_t* codes /*[(m1-m0), k_padded]*/, float* scales /*[m1-m0]*/)
// into the thread's task scratch (driver.h), then runs the micro-kernels over the block.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/gemm/config.h"
#include "kernels/gemm/driver.h"
#include "kernels/gemm/q8_gemm.h"

namespace zoomrt::kern {

struct Q8Block {
  const PackedGemmBQ8& b;
  const int8_t* aq;  // quantised rows of the block, row i at aq + i * k_padded
  const float* a_scale;
};

// Micro-tiles of one task block: rows [0, rows) of the block (C already offset to the block's
// first row, residual too) and columns [n0, n1), in L2-sized column blocks of nc_l2.
void run_q8_block(const Q8Block& q, int rows, int n0, int n1, int nc_l2, const GemmOutput& out);

// Rows per task: int8 panels are never split over k, so the per-thread code buffer
// (rows x k_padded bytes) is capped at `max_codes_bytes` (1 MiB: L2-sized).
GemmPlan plan_gemm_q8(const PackedGemmBQ8& b, int m, int threads, size_t max_codes_bytes = size_t(1) << 20);

template <class QuantizeRows>
void run_gemm_q8(int m, const PackedGemmBQ8& b, const float* bias, const Epilogue& epi, float* c, size_t ldc,
                 ThreadPool& pool, const QuantizeRows& quantize_rows) {
  const int n = b.n;
  if (m <= 0 || n <= 0) return;
  const GemmOutput out{bias, &epi, c, ldc};
  if (b.k == 0) return run_f32_empty_k(m, n, out);
  const size_t kp = size_t(b.k_padded);
  const GemmPlan plan = plan_gemm_q8(b, m, pool.threads());
  // Tasks handed out one at a time (driver.h, run_tasks), as plan_gemm's cost model assumes.
  run_tasks(size_t(plan.m_blocks) * size_t(plan.n_blocks), pool, [&](size_t t) {
    // Each task quantises its own rows into the thread's scratch (driver.h, TaskScratch), so the
    // codes are still in cache when the kernels read them and quantising overlaps across threads.
    const int m0 = int(t / size_t(plan.n_blocks)) * plan.mc, m1 = std::min(m, m0 + plan.mc);
    const int n0 = int(t % size_t(plan.n_blocks)) * plan.nc, n1 = std::min(n, n0 + plan.nc);
    TaskScratch ts;
    const size_t aq_part = ts.add<int8_t>(size_t(m1 - m0) * kp), scale_part = ts.add<float>(size_t(m1 - m0));
    ts.place();
    int8_t* const aq = ts.at<int8_t>(aq_part);
    float* const a_scale = ts.at<float>(scale_part);
    quantize_rows(m0, m1, aq, a_scale);
    Epilogue e = epi;
    if (e.residual) e.residual += size_t(m0) * e.ld_residual;
    run_q8_block(Q8Block{b, aq, a_scale}, m1 - m0, n0, n1, plan.nc_l2, GemmOutput{bias, &e, c + size_t(m0) * ldc, ldc});
  });
}

}  // namespace zoomrt::kern
