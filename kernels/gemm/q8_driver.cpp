#include "kernels/gemm/q8_driver.h"

#include <cstring>

namespace zoomrt::kern {

namespace {

// Prefetch `rows` rows of `bytes` each, `stride` bytes apart (the next micro-row's C).
void prefetch_bytes(const void* p, size_t stride, int rows, size_t bytes) {
  const char* base = static_cast<const char*>(p);
  for (int r = 0; r < rows; ++r)
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(base + size_t(r) * stride + o, 0, 2);
}

// One micro-tile: kernel (through a scratch tile on the N tail), then the float epilogue.
void q8_tile(const Q8Block& q, int mr, int nr, int i, int j, const GemmOutput& out) {
  const Q8GemmKernelInfo& kn = *q.b.kernel;
  const size_t kp = size_t(q.b.k_padded), groups = kp / size_t(kn.kgroup);
  const int8_t* a = q.aq + size_t(i) * kp;
  const int8_t* bp = q.b.data.data() + size_t(j / kn.nr) * kp * size_t(kn.nr);
  float* c = out.c + size_t(i) * out.ldc + size_t(j);
  const float* b_scale = &q.b.scale[size_t(j)];
  const int32_t* corr = &q.b.corr[size_t(j)];
  if (nr == kn.nr) {
    kn.kernel(size_t(mr), groups, a, kp, bp, c, out.ldc, q.a_scale + i, b_scale, corr);
  } else {
    alignas(64) float tile[kMaxTileFloats];
    kn.kernel(size_t(mr), groups, a, kp, bp, tile, size_t(kn.nr), q.a_scale + i, b_scale, corr);
    for (int r = 0; r < mr; ++r) std::memcpy(c + size_t(r) * out.ldc, tile + r * kn.nr, sizeof(float) * size_t(nr));
  }
  const Epilogue& e = *out.epi;
  if (out.bias || e.act != Activation::none || e.residual)
    kn.epilogue(size_t(mr), size_t(nr), c, out.ldc, out.bias ? out.bias + j : nullptr, e.act,
                e.residual ? e.residual + size_t(i) * e.ld_residual + size_t(j) : nullptr, e.ld_residual);
}

}  // namespace

void run_q8_block(const Q8Block& q, int rows, int n0, int n1, int nc_l2, const GemmOutput& out) {
  const int mr = q.b.kernel->mr, nr = q.b.kernel->nr;
  for (int jc = n0; jc < n1; jc += nc_l2) {
    const int j1 = std::min(n1, jc + nc_l2);
    for (int i = 0; i < rows; i += mr) {
      if (const int next_rows = std::min(mr, rows - i - mr); next_rows > 0)  // as in driver.h
        prefetch_bytes(out.c + size_t(i + mr) * out.ldc + size_t(jc), out.ldc * 4, next_rows, size_t(j1 - jc) * 4);
      for (int j = jc; j < j1; j += nr) q8_tile(q, std::min(mr, rows - i), std::min(nr, n1 - j), i, j, out);
    }
  }
}

GemmPlan plan_gemm_q8(const PackedGemmBQ8& b, int m, int threads, size_t max_codes_bytes) {
  const Q8GemmKernelInfo& kn = *b.kernel;
  GemmBlocking blk = gemm_blocking(f32_gemm_default());
  blk.kc_max = std::max(1, b.k_padded);  // int32 sums are never split over k blocks
  const int rows_cap = int(std::max<size_t>(1, max_codes_bytes / size_t(std::max(1, b.k_padded))));
  blk.mc_max = std::max(kn.mr, std::min(blk.mc_max, rows_cap) / kn.mr * kn.mr);
  return plan_gemm(blk, kn.mr, kn.nr, m, b.n, b.k_padded, 1, threads);
}

}  // namespace zoomrt::kern
