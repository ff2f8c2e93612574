// Fast kernels for the rest of the hot path: vectorised (per-ISA row kernels, rows.h) and
// threaded versions of the kernels/ref ops the graphs run outside GEMM, convolution and
// attention. Same signatures and layouts as kernels/ref/ops.h (FP32, contiguous, row-major,
// shapes in elements), same in-place rules, plus group norm with a fused SiLU.
//
// Determinism: work is split into whole rows, whole (sample, group) pairs or fixed kBlock
// element blocks, so results are bit-identical for any thread count. They are not bit-identical
// to kernels/ref (vector sums and xsimd's exp/erf round differently); tests hold them to the
// named budgets in tests/kernels_fast_ops_test.cpp.
// Ops or shapes without a fast path (binary ops other than add/mul or with broadcasts other
// than the ones below, permutations that are not a batched 2-D transpose) run the reference.
#pragma once
#include <cstdint>
#include <span>

#include "kernels/fast/rows.h"
#include "kernels/ref/ops.h"
#include "kernels/thread_pool.h"

namespace zoomrt::fast {

// x [n, c, spatial] -> y: group norm as ref::group_norm, then silu(y) when fuse_silu.
void group_norm(int n, int c, int64_t spatial, int groups, float eps, const float* x,
                const float* gamma, const float* beta, bool fuse_silu, float* y, ThreadPool& pool);

// Channels-last group norm: x [n, hw, c] (NHWC) -> y, the same values as group_norm on the
// NCHW transpose. Statistics per (sample, group) over hw pixels x c/groups channels in one pass:
// per-channel sums of x - x[first pixel] and of its square over fixed blocks of pixels
// (vectorised across channels, threaded over (sample, block)), merged in double in a fixed
// order; then one pass of y = x * a + b (+ silu) per channel. y may equal x.
void group_norm_nhwc(int n, int64_t hw, int c, int groups, float eps, const float* x, const float* gamma,
                     const float* beta, bool fuse_silu, float* y, ThreadPool& pool);

// x [m, c]: each row normalised over c; gamma/beta [c] may be nullptr.
void layer_norm(int64_t m, int c, float eps, const float* x, const float* gamma, const float* beta,
                float* y, ThreadPool& pool);

// x [m, n] -> y [m, n]: softmax over the last dim. y may equal x.
void softmax_rows(int64_t m, int n, const float* x, float* y, ThreadPool& pool);

// Elementwise activations on n elements (ZOOMRT_REF_ACTIVATIONS); y may equal x.
void activation(Act act, int64_t n, const float* x, float* y, ThreadPool& pool);

// x [m, 2f] -> y [m, f] = x[:, :f] * gelu(x[:, f:]). y must not overlap x.
void geglu(int64_t m, int f, const float* x, float* y, ThreadPool& pool);

// Broadcasting binary op, numpy rules as ref::binary. Fast paths for add and mul when, after
// merging adjacent dims, b has a's shape, b is one value per leading row ([.., rows, 1] against
// [.., rows, inner], e.g. the time embedding [n, c, 1, 1] added to [n, c, h, w]), b is one
// row repeated ([inner] against [rows, inner]), or b is one row per leading index ([n, 1, 1, c]
// against [n, h, w, c]: the NHWC time embedding); either operand may be the broadcast one.
void binary(ref::BinaryOp op, std::span<const int64_t> a_shape, const float* a,
            std::span<const int64_t> b_shape, const float* b, float* y, ThreadPool& pool);

// x [n,c,h,w] -> y [n,c,2h,2w], nearest neighbour.
void upsample_nearest2x(int n, int c, int h, int w, const float* x, float* y, ThreadPool& pool);

// x [n,h,w,c] -> y [n,2h,2w,c], nearest neighbour (NHWC).
void upsample_nearest2x_nhwc(int n, int h, int w, int c, const float* x, float* y, ThreadPool& pool);

// x [n,h,w,c] -> y [n, h+top+bottom, w+left+right, c], zeros around (NHWC pad2d).
void pad2d_nhwc(int n, int h, int w, int c, int top, int bottom, int left, int right, const float* x,
                float* y, ThreadPool& pool);

// y = x.permute(perm).contiguous(). Tiled and threaded when the permutation is a batched 2-D
// transpose after merging dims ([b, r, s] -> [b, s, r], e.g. NCHW <-> NHWC); else ref::permute.
void permute(std::span<const int64_t> x_shape, std::span<const int> perm, const float* x, float* y,
             ThreadPool& pool);

}  // namespace zoomrt::fast
