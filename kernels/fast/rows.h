// Per-ISA row kernels of kernels/fast: the vectorised inner loops that kernels/fast/*.cpp thread
// over rows, groups or fixed blocks. One table per ISA (rows_generic.cpp, rows_avx2.cpp, written
// once in rows_simd.h); row_kernels() picks the best one for this CPU once, at first use.
//
// Contract of every entry: FP32, contiguous, n >= 0 elements; y may equal x (each element is read
// before it is written). Results depend only on the inputs and on n, never on the caller's
// split of work, as long as the caller passes whole rows or blocks that start at a multiple of
// kVectorAlign elements from the start of the tensor (the scalar tail then only ever covers the
// last elements of the tensor).
#pragma once
#include <cstdint>

#include "kernels/cpu_features.h"
#include "kernels/ref/ops.h"

namespace zoomrt::fast {

// Block size (elements) of the elementwise drivers; a multiple of every ISA's vector width.
inline constexpr int64_t kBlock = 4096;

// The activations of the family, one list (same as the reference's, so tests pair them up).
enum class Act {
#define X(name) name,
  ZOOMRT_REF_ACTIVATIONS(X)
#undef X
};

struct RowKernels {
  Isa isa;
  // sum of x[0, n) and sum of (x[i] - mean)^2: lane-parallel partial sums in blocks of 512,
  // block sums added lane-wise, lanes reduced at the end (fixed order).
  float (*sum)(const float* x, int64_t n);
  float (*sum_sq_dev)(const float* x, int64_t n, float mean);
  // y = x * a + b (one fused multiply-add), then silu when `silu`.
  void (*affine)(int64_t n, const float* x, float a, float b, bool silu, float* y);
  // Per-element a and b (one NHWC pixel's channels): y[i] = x[i] * a[i] + b[i], then silu.
  void (*affine_vec)(int64_t n, const float* x, const float* a, const float* b, bool silu, float* y);
  // Shifted column sums of an NHWC block, one row (pixel) at a time: d = x[i] - shift[i],
  // s1[i] += d, s2[i] += d * d. s1 and s2 must not overlap x.
  void (*accumulate)(int64_t n, const float* x, const float* shift, float* s1, float* s2);
  // Layer-norm row: y = (x - mean) * inv * gamma[i] + beta[i]; gamma/beta may be nullptr.
  void (*norm_row)(int64_t n, const float* x, float mean, float inv, const float* gamma,
                   const float* beta, float* y);
  void (*activation)(Act act, int64_t n, const float* x, float* y);
  // y = hidden * gelu_erf(gate) (diffusers GEGLU).
  void (*geglu)(int64_t n, const float* hidden, const float* gate, float* y);
  void (*softmax)(int64_t n, const float* x, float* y);  // one row
  // y = a op b elementwise (b_scalar: b[0] for every element); op is add or mul.
  void (*binary)(ref::BinaryOp op, int64_t n, const float* a, const float* b, bool b_scalar, float* y);
};

const RowKernels& row_kernels();          // best for this CPU (honours ZOOMRT_ISA)
const RowKernels* row_kernels_for(Isa isa);  // nullptr when not compiled in or not supported

// X(isa): the ISAs with a row-kernel table (rows_<isa>.cpp); drives the declarations below,
// row_kernels_for() and the tests.
#if defined(__x86_64__) || defined(_M_X64)
#define ZOOMRT_FAST_ROW_ISAS(X) X(generic) X(avx2)
#else  // rows_avx2.cpp is not compiled elsewhere (arm64 runs the generic table: NEON)
#define ZOOMRT_FAST_ROW_ISAS(X) X(generic)
#endif

#define X(isa) const RowKernels& row_kernels__##isa();
ZOOMRT_FAST_ROW_ISAS(X)
#undef X

}  // namespace zoomrt::fast
