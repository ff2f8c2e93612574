// FP32 reference kernels: the oracle every fast kernel is tested against, and what the graph
// executor calls until fast kernels exist.
//
// Contract shared by every function here:
// - All tensors are FP32, contiguous, row-major (last dimension fastest); shapes are in elements.
// - Each output element is computed by exactly one task, with a fixed summation order, so results
//   are bit-identical for any thread count of `pool`.
// - Sums accumulate in float (not double) in the order documented per op; results stay within
//   ~1e-5 relative of PyTorch on the fixtures in tests/fixtures/ops/.
// - Arguments are trusted: a bad shape is a caller bug and trips an assert, never an InputError.
// - Outputs must not overlap inputs unless the op says in-place is allowed.
#pragma once
#include <cstdint>
#include <span>

#include "kernels/thread_pool.h"

namespace zoomrt::ref {

// Largest rank that binary() and permute() accept.
inline constexpr int kMaxRank = 6;

struct Conv2dShape {
  int n, c, h, w;  // input: batch, channels, height, width
  int k, r, s;     // output channels, kernel height, kernel width
  int stride = 1, pad = 0, groups = 1;  // same stride and zero padding on both spatial axes
  int p() const { return (h + 2 * pad - r) / stride + 1; }  // output height
  int q() const { return (w + 2 * pad - s) / stride + 1; }  // output width
};

// x [n,c,h,w], w [k, c/groups, r, s], bias [k] or nullptr, y [n,k,p,q].
// y[n,k,p,q] = (sum over c in group, then r, then s, of x * w) + bias[k]; padding reads zero.
// Temporary memory: a zero-padded copy of x when pad > 0 (n*c*(h+2pad)*(w+2pad) floats).
void conv2d(const Conv2dShape& sh, const float* x, const float* w, const float* bias, float* y,
            ThreadPool& pool);

// x [m,k], w [n,k] (PyTorch Linear layout), bias [n] or nullptr, y [m,n] = x w^T + bias.
// Each y[i,j] sums over k in ascending order, then adds the bias.
// Temporary memory: a transposed copy of w (n*k floats).
void linear(int m, int n, int k, const float* x, const float* w, const float* bias, float* y,
            ThreadPool& pool);

// q [b,lq,heads*d], k/v [b,lk,heads*d], out [b,lq,heads*d]; head h uses columns [h*d, (h+1)*d).
// out = softmax(q k^T * scale) v per batch and head. causal: key j > query i is masked
// (top-left aligned, as torch's is_causal), so query i sees keys 0..i.
// Each score sums over d ascending; out sums p_j * v_j over keys j ascending.
// Temporary memory: a transposed copy of k (b*lk*heads*d floats).
void attention(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q,
               const float* k, const float* v, float* out, ThreadPool& pool);

// x [n, c, spatial]; groups divide c. Per (batch, group): y = (x - mean) / sqrt(var + eps) *
// gamma[c] + beta[c] with the biased variance (like torch). gamma/beta [c] may be nullptr (1, 0).
void group_norm(int n, int c, int64_t spatial, int groups, float eps, const float* x,
                const float* gamma, const float* beta, float* y, ThreadPool& pool);

// x [m, c]: each row normalised over c (biased variance); gamma/beta [c] may be nullptr.
void layer_norm(int64_t m, int c, float eps, const float* x, const float* gamma, const float* beta,
                float* y, ThreadPool& pool);

// x [m, n] -> y [m, n]: softmax over the last dim. y may equal x.
void softmax_rows(int64_t m, int n, const float* x, float* y, ThreadPool& pool);

// Elementwise activations on n elements; y may equal x (in place allowed).
void silu(int64_t n, const float* x, float* y, ThreadPool& pool);        // x * sigmoid(x)
void gelu(int64_t n, const float* x, float* y, ThreadPool& pool);        // exact erf form (torch default)
void gelu_tanh(int64_t n, const float* x, float* y, ThreadPool& pool);   // tanh approximation
void quick_gelu(int64_t n, const float* x, float* y, ThreadPool& pool);  // x * sigmoid(1.702 x)

// The activations above, one X(name) each: lets dispatch tables and tests list them once.
#define ZOOMRT_REF_ACTIVATIONS(X) X(silu) X(gelu) X(gelu_tanh) X(quick_gelu)

// x [m, 2f] -> y [m, f]: y = x[:, :f] * gelu(x[:, f:])  (diffusers GEGLU: hidden, gate =
// proj.chunk(2, -1)). y must not overlap x.
void geglu(int64_t m, int f, const float* x, float* y, ThreadPool& pool);

// Broadcasting binary ops with numpy rules on up to kMaxRank dims: shapes align at the right and
// each pair of dims is equal or one of them is 1. y has the broadcast shape. y may equal a (or b)
// when that input already has the broadcast shape.
enum class BinaryOp { add, sub, mul, div };
void binary(BinaryOp op, std::span<const int64_t> a_shape, const float* a,
            std::span<const int64_t> b_shape, const float* b, float* y, ThreadPool& pool);

// y = x*scale + shift on n elements (two roundings, no fused multiply-add); y may equal x.
void scale_shift(int64_t n, float scale, float shift, const float* x, float* y);

// x [n,c,h,w] -> y [n,c,2h,2w], nearest neighbour: y[.., i, j] = x[.., i/2, j/2].
void upsample_nearest2x(int n, int c, int h, int w, const float* x, float* y, ThreadPool& pool);

// Concatenate along one axis: input i viewed as [outer, sizes[i], inner]; y [outer, sum(sizes), inner].
void concat(int64_t outer, int64_t inner, std::span<const float* const> xs,
            std::span<const int64_t> sizes, float* y);

// Slice along one axis: x [outer, size, inner] -> y [outer, len, inner] starting at `start`.
void slice(int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t len, const float* x,
           float* y);

// General permutation of up to kMaxRank dims: y = x.permute(perm).contiguous();
// y's shape is [x_shape[perm[0]], x_shape[perm[1]], ...].
void permute(std::span<const int64_t> x_shape, std::span<const int> perm, const float* x, float* y);

// Sinusoidal timestep embedding exactly as diffusers get_timestep_embedding(timesteps, dim,
// flip_sin_to_cos, downscale_freq_shift, scale=1, max_period=10000): t [n] -> y [n, dim].
// Frequencies are computed in float in torch's order so the phase t*freq rounds the same way.
void timestep_embedding(int n, int dim, bool flip_sin_to_cos, float downscale_freq_shift,
                        const float* t, float* y);

// Row gather: ids [n] (int64) -> y [n, dim] from table [vocab, dim]. An id out of range is a
// caller bug (assert); callers validate ids. The vocabulary size is not passed, so only
// negative ids can be caught here.
void embedding(int64_t n, int dim, const int64_t* ids, const float* table, float* y);

}  // namespace zoomrt::ref
