// pack_b_f32 and gemm_f32: the public FP32 GEMM entry points over the blocked driver.
#include "kernels/gemm/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "kernels/gemm/config.h"
#include "kernels/gemm/driver.h"

namespace zoomrt {

void AlignedFree::operator()(float* p) const { std::free(p); }

AlignedFloats alloc_aligned_floats(size_t count) {
  size_t bytes = (std::max<size_t>(count, 1) * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return AlignedFloats(static_cast<float*>(p));
}

PackedGemmB pack_b_f32_for(const F32GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout) {
  PackedGemmB p;
  p.n_ = n;
  p.k_ = k;
  p.nr_ = kernel.nr;
  p.kernel_ = &kernel;
  const int nr = kernel.nr, panels = (n + nr - 1) / nr;
  p.data_ = alloc_aligned_floats(size_t(panels) * size_t(k) * size_t(nr));
  // Element (col, kk) of B sits at w[col*k + kk] in [n,k] layout, w[kk*n + col] in [k,n]; the
  // loops read the source contiguously (a panel, k x NR floats, stays in cache for the writes).
  for (int pi = 0; pi < panels; ++pi) {
    float* dst = p.data_.get() + size_t(pi) * size_t(k) * size_t(nr);
    const int cols = std::min(nr, n - pi * nr);
    if (cols < nr) std::fill_n(dst, size_t(k) * size_t(nr), 0.0f);
    if (layout == Layout::nk) {
      for (int jj = 0; jj < cols; ++jj) {
        const float* src = w + size_t(pi * nr + jj) * size_t(k);
        for (int kk = 0; kk < k; ++kk) dst[size_t(kk) * size_t(nr) + size_t(jj)] = src[kk];
      }
    } else {
      for (int kk = 0; kk < k; ++kk)
        std::copy_n(w + size_t(kk) * size_t(n) + size_t(pi * nr), cols, dst + size_t(kk) * size_t(nr));
    }
  }
  return p;
}

PackedGemmB pack_b_f32(const float* w, int n, int k, Layout layout) {
  return pack_b_f32_for(f32_gemm_default(), w, n, k, layout);
}

void gemm_f32(int m, const float* a, size_t lda, const PackedGemmB& b, const float* bias,
              const Epilogue& epi, float* c, size_t ldc, ThreadPool& pool) {
  kern::run_gemm_f32(m, kern::RowMajorA{a, lda}, b, kern::GemmOutput{bias, &epi, c, ldc}, pool);
}

}  // namespace zoomrt
