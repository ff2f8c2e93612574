// Fast FP32 GEMM with prepacked weights and a fused epilogue.
//
//   C[m, n] = act(A[m, k] · B[k, n] + bias[n]) + residual[m, n]
//
// A is row-major with leading dimension lda (elements). B is a weight given once, either in
// PyTorch Linear layout [n, k] or as [k, n], and packed by pack_b_f32 into NR-wide column panels
// for one micro-kernel (kernels/kernel_list.h). C and residual are row-major with ldc / ld_residual.
//
// Determinism: every C element is one FMA chain over k in ascending order, started from zero,
// whatever the blocking or thread count; bias, activation and residual are applied after the
// chain. So results are bit-identical for any ThreadPool size (they differ between ISAs).
//
// A PackedGemmB is immutable once packed: share it between threads and calls freely. gemm_f32
// allocates no buffers and reads exactly a[0:m, 0:k] and the packed panels (no over-read).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/thread_pool.h"

namespace zoomrt {

enum class Activation { none, silu, gelu };  // gelu: exact erf form, as torch's default

struct Epilogue {
  Activation act = Activation::none;
  const float* residual = nullptr;  // [m, n] with ld_residual, added after the activation
  size_t ld_residual = 0;
};

enum class Layout {
  nk,  // B stored [n, k]: PyTorch Linear weight (out_features, in_features)
  kn,  // B stored [k, n]
};

struct F32GemmKernelInfo;  // kernels/gemm/config.h

// Float storage aligned to 64 bytes (a cache line, one AVX-512 vector).
struct AlignedFree {
  void operator()(float* p) const;
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;
AlignedFloats alloc_aligned_floats(size_t count);

// B packed for one micro-kernel: panels[n_panels][k][nr], columns past n zero-filled.
class PackedGemmB {
 public:
  PackedGemmB() = default;
  int n() const { return n_; }
  int k() const { return k_; }
  int nr() const { return nr_; }
  const F32GemmKernelInfo& kernel() const { return *kernel_; }
  // Panel holding columns [p*nr, p*nr + nr), row kk at panel(p) + kk*nr.
  const float* panel(int p) const { return data_.get() + size_t(p) * size_t(k_) * size_t(nr_); }
  bool empty() const { return !data_; }

 private:
  friend PackedGemmB pack_b_f32_for(const F32GemmKernelInfo&, const float*, int, int, Layout);
  int n_ = 0, k_ = 0, nr_ = 0;
  const F32GemmKernelInfo* kernel_ = nullptr;
  AlignedFloats data_;
};

// Packs w (n, k as `layout` says) for the default kernel of this CPU (f32_gemm_default()).
PackedGemmB pack_b_f32(const float* w, int n, int k, Layout layout);
// Same for a chosen kernel (tests and benchmarks sweep the kernel list with this).
PackedGemmB pack_b_f32_for(const F32GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout);

// c[m, n] = epilogue(a[m, k] · B + bias). bias is [n] or nullptr. c must not alias a, B or
// epi.residual (C is written before the epilogue reads the residual).
void gemm_f32(int m, const float* a, size_t lda, const PackedGemmB& b, const float* bias,
              const Epilogue& epi, float* c, size_t ldc, ThreadPool& pool);

}  // namespace zoomrt
