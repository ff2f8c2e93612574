// Layer: one conv, GEMM or attention op as the scheduler sees it — a loop nest over its shape,
// with the storage width of each operand. No weights, no values: shapes and bit widths only.
//
// Tensor layouts (row-major, last dim fastest), the same as kernels/ref/ops.h:
//   conv       input [N, C, H, W], weight [K, C/groups, R, S], output [N, K, P, Q]
//   gemm       input x [M, K], weight w [N, K] (PyTorch Linear), output y [M, N]
//   attention  q [B, Lq, heads*D], k and v [B, Lk, heads*D], out [B, Lq, heads*D];
//              two GEMMs per head (Q K^T, then P V) with the score tile kept on chip (flash style)
// Element sizes are bits: activations 4/8/16/32; weights a double, because compressed weights
// carry scales, codebooks or sparsity metadata (int4 with one f16 scale per 32 = 4.5 bits).
// psum_bits is the accumulator width used when partial sums are spilled to DRAM.
#pragma once
#include <cstdint>
#include <string>

namespace zoomrt::sched {

// X(enumerator, name)
#define ZOOMRT_LAYER_KINDS(X) \
  X(conv, "conv")             \
  X(gemm, "gemm")             \
  X(attention, "attention")

enum class LayerKind {
#define X(e, name) e,
  ZOOMRT_LAYER_KINDS(X)
#undef X
};
const char* layer_kind_name(LayerKind k);

struct ConvShape {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input batch, channels, height, width
  int64_t k = 1, r = 1, s = 1;         // output channels, filter height, width
  int64_t stride = 1, pad = 0, groups = 1;
  int64_t p() const { return (h + 2 * pad - r) / stride + 1; }  // output height
  int64_t q() const { return (w + 2 * pad - s) / stride + 1; }  // output width
};

struct GemmShape {
  int64_t m = 1, n = 1, k = 1;  // y[m, n] = x[m, k] w[n, k]^T
};

struct AttentionShape {
  int64_t b = 1, heads = 1, lq = 1, lk = 1, d = 1;  // batch, heads, query/key lengths, head dim
};

struct OperandBits {
  int input = 8;        // conv/gemm input, attention q, k and v
  double weight = 8;    // conv/gemm weight, incl. scales/metadata per weight (unused by attention)
  int output = 8;       // final output
  int psum = 32;        // spilled partial sums (and attention's running max/sum statistics)
};

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::gemm;
  ConvShape conv;       // valid when kind == conv
  GemmShape gemm;       // valid when kind == gemm
  AttentionShape attn;  // valid when kind == attention
  OperandBits bits;

  int64_t macs() const;
  std::string shape_string() const;  // "conv N1 C3 H227 W227 K96 R11 S11 s4 p0 g1", for tables
  // Equal shape and bits (name ignored): the plan cache key part.
  std::string shape_key() const;
};

Layer make_conv(std::string name, const ConvShape& s, OperandBits bits = {});
Layer make_gemm(std::string name, int64_t m, int64_t n, int64_t k, OperandBits bits = {});
Layer make_attention(std::string name, const AttentionShape& s, OperandBits bits = {});

// InputError naming `origin` when a dimension is non-positive, groups do not divide C and K,
// the filter is larger than the padded input, or a bit width is not 4/8/16/32.
void validate_layer(const Layer& l, const std::string& origin);

}  // namespace zoomrt::sched
