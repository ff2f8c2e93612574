// BF16 GEMM (bf16_gemm.h): the kernel table, packing, and the tile path of bf16_driver.h.
#include "kernels/gemm/bf16_gemm.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/bf16_driver.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt {

namespace {

#define X(name, isa, mr, nr, kstep)                                                                       \
  Bf16GemmKernelInfo{#name,         Isa::isa, mr, nr, kstep, &kern::name, &kern::bf16_tiles_begin__##isa, \
                     &kern::bf16_tiles_end__##isa, &kern::bf16_round_rows__##isa},
constexpr Bf16GemmKernelInfo kBf16Kernels[] = {ZOOMRT_BF16_GEMM_KERNELS(X) Bf16GemmKernelInfo{}};
#undef X
constexpr size_t kBf16KernelCount = sizeof(kBf16Kernels) / sizeof(kBf16Kernels[0]) - 1;  // less the end mark

// A row stride of an odd number of 64-byte lines, >= k_padded elements: the 16 rows of an A
// tile then fall in 16 different L1 sets whatever k is.
size_t tile_row_stride(int k_padded) { return (size_t(k_padded) / 32 | 1) * 32; }

}  // namespace

namespace kern {

void run_gemm_bf16_tiles(int m, const Bf16RowSource& rows_of_a, const PackedGemmBBf16& b, const GemmOutput& out,
                         ThreadPool& pool) {
  const Bf16GemmKernelInfo& kn = *b.kernel;
  const F32GemmKernelInfo& f32 = f32_gemm_default();  // its epilogue, as the fallback uses
  const int n = b.n, mr = kn.mr, nr = kn.nr;
  const size_t ld = tile_row_stride(b.k_padded), k_steps = size_t(b.k_padded / kn.kstep);
  const size_t panel_elems = k_steps * size_t(kn.kstep) * size_t(nr);
  // Rounded A rows of a task stay in L2 (1 MiB) while every column panel passes over them; the
  // sums are never split over k.
  GemmBlocking blk = gemm_blocking(f32);
  blk.kc_max = b.k_padded;
  blk.mc_max = std::max(mr, int(std::min<size_t>(size_t(blk.mc_max), (size_t(1) << 20) / (ld * 2))) / mr * mr);
  const GemmPlan plan = plan_gemm(blk, mr, nr, m, n, b.k_padded, 2, pool.threads());
  run_tasks(size_t(plan.m_blocks) * size_t(plan.n_blocks), pool, [&](size_t t) {
    const int m0 = int(t / size_t(plan.n_blocks)) * plan.mc, m1 = std::min(m, m0 + plan.mc);
    const int n0 = int(t % size_t(plan.n_blocks)) * plan.nc, n1 = std::min(n, n0 + plan.nc);
    const int rows = m1 - m0, rows_padded = (rows + mr - 1) / mr * mr;
    TaskScratch ts;
    const size_t a_part = ts.add<uint16_t>(size_t(rows_padded) * ld), tile_part = ts.add<float>(size_t(mr * nr));
    const size_t row_part = ts.add<float>(size_t(b.k));
    ts.place();
    uint16_t* const ab = ts.at<uint16_t>(a_part);
    float* const tile = ts.at<float>(tile_part);
    for (int r = 0; r < rows; ++r)
      kn.round_rows(rows_of_a.row(rows_of_a.ctx, m0 + r, ts.at<float>(row_part)), 0, 1, size_t(b.k),
                    size_t(b.k_padded), ab + size_t(r) * ld, ld);
    if (rows_padded > rows) std::memset(ab + size_t(rows) * ld, 0, size_t(rows_padded - rows) * ld * sizeof(uint16_t));
    kn.tiles_begin();
    for (int jc = n0; jc < n1; jc += plan.nc_l2) {
      const int j1 = std::min(n1, jc + plan.nc_l2);
      for (int i = 0; i < rows; i += mr) {
        const int tile_rows = std::min(mr, rows - i);
        for (int j = jc; j < j1; j += nr) {
          const int tile_cols = std::min(nr, n1 - j);
          float* c = out.c + size_t(m0 + i) * out.ldc + size_t(j);
          const uint16_t* panel = b.tiles.data() + size_t(j / nr) * panel_elems;
          if (tile_rows == mr && tile_cols == nr) {
            kn.kernel(k_steps, ab + size_t(i) * ld, ld, panel, c, out.ldc);
          } else {  // the kernel writes a whole tile
            kn.kernel(k_steps, ab + size_t(i) * ld, ld, panel, tile, size_t(nr));
            for (int r = 0; r < tile_rows; ++r)
              std::memcpy(c + size_t(r) * out.ldc, tile + size_t(r) * size_t(nr), sizeof(float) * size_t(tile_cols));
          }
          const Epilogue& e = *out.epi;
          if (out.bias || e.act != Activation::none || e.residual)
            f32.epilogue(size_t(tile_rows), size_t(tile_cols), c, out.ldc, out.bias ? out.bias + j : nullptr, e.act,
                         e.residual ? e.residual + size_t(m0 + i) * e.ld_residual + size_t(j) : nullptr,
                         e.ld_residual);
        }
      }
    }
    kn.tiles_end();
  });
}

}  // namespace kern

std::span<const Bf16GemmKernelInfo> bf16_gemm_kernels() { return {kBf16Kernels, kBf16KernelCount}; }

const Bf16GemmKernelInfo* bf16_gemm_default() {
  static const Bf16GemmKernelInfo* chosen = [] {
    const Bf16GemmKernelInfo* best = nullptr;
    for (const auto& k : bf16_gemm_kernels())
      if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) best = &k;
    return best;
  }();
  return chosen;
}

PackedGemmBBf16 pack_b_bf16_for(const Bf16GemmKernelInfo* kernel, const float* w, int n, int k, Layout layout) {
  PackedGemmBBf16 p;
  p.n = n, p.k = k, p.kernel = kernel;
  if (!kernel) {
    p.k_padded = k;
    p.panels = pack_b_for(f32_gemm_default(), w, n, k, layout, BFormat::bf16, 0);
    return p;
  }
  const int nr = kernel->nr, ks = kernel->kstep, panels = (n + nr - 1) / nr;
  p.k_padded = (k + ks - 1) / ks * ks;
  const size_t k_steps = size_t(p.k_padded / ks);
  p.tiles.resize(size_t(panels) * k_steps * size_t(ks) * size_t(nr));
  // Tile (panel, step, half): 16 rows of k pairs, each row 16 columns x 2 k side by side. Written
  // in storage order, every element once (zeros past n and k).
  const size_t s_col = layout == Layout::nk ? size_t(k) : 1, s_k = layout == Layout::nk ? 1 : size_t(n);
  uint16_t* dst = p.tiles.data();
  for (int panel = 0; panel < panels; ++panel)
    for (size_t step = 0; step < k_steps; ++step)
      for (int half = 0; half < nr / 16; ++half)
        for (int row = 0; row < 16; ++row)
          for (int jj = 0; jj < 16; ++jj)
            for (int e = 0; e < 2; ++e) {
              const int col = panel * nr + half * 16 + jj, kk = int(step) * ks + 2 * row + e;
              *dst++ = col < n && kk < k ? float_to_bf16(w[size_t(col) * s_col + size_t(kk) * s_k]) : uint16_t(0);
            }
  return p;
}

PackedGemmBBf16 pack_b_bf16(const float* w, int n, int k, Layout layout) {
  return pack_b_bf16_for(bf16_gemm_default(), w, n, k, layout);
}

void gemm_bf16(int m, const float* a, size_t lda, const PackedGemmBBf16& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool) {
  struct Rows {
    const float* a;
    size_t lda;
  } rows{a, lda};
  const kern::Bf16RowSource row_source{&rows, [](const void* ctx, int r, float*) {
                                          const auto* x = static_cast<const Rows*>(ctx);
                                          return x->a + size_t(r) * x->lda;
                                        }};
  kern::run_gemm_bf16(m, kern::RowMajorA{a, lda}, row_source, b, kern::GemmOutput{bias, &epi, c, ldc}, pool);
}

}  // namespace zoomrt
