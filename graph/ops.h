// The op list of the graph IR. One X-macro drives the enum, names, shape inference and
// the executor's dispatch; a static_assert on the count keeps parallel tables in step.
//
// Tensors are row-major (last dimension fastest). Image tensors are NCHW; sequences are
// [batch, tokens, channels]. Inputs listed as "x, w, [bias]" take an optional last input.
// "CL": the op may carry Attrs::channels_last (set only by to_channels_last, graph/passes.h):
// its image input and output are then NHWC [n,h,w,c] (conv2d [n,h,w,c] -> [n,p,q,k], groups 1;
// upsample -> [n,2h,2w,c]; pad2d pads dims 1 and 2); weights keep their layouts. Every other op
// is layout-blind: it sees plain row-major tensors of the shapes its line gives.
#pragma once
#include <cstddef>
#include <string_view>

namespace zoomrt {

// X(name, number of inputs (-1: variable), what it computes)
#define ZOOMRT_OPS(X)                                                                          \
  X(conv2d, -1, "x[n,c,h,w], w[k,c/g,r,s], [bias[k]] -> [n,k,p,q]; stride, pad, groups; CL") \
  X(pad2d, 1, "zero padding of the 2 spatial dims: pads = {top, bottom, left, right}; CL") \
  X(linear, -1, "x[...,k], w[n,k], [bias[n]] -> [...,n]")                                     \
  X(attention, 3, "q[b,lq,h*d], k[b,lk,h*d], v[b,lk,h*d] -> [b,lq,h*d]; heads, scale, causal") \
  X(group_norm, 3, "x[n,c,...], gamma[c], beta[c]; groups, eps; CL")                   \
  X(layer_norm, 3, "x[...,c], gamma[c], beta[c] over the last dim; eps")                      \
  X(softmax, 1, "softmax over the last dim")                                                  \
  X(silu, 1, "x * sigmoid(x)")                                                                \
  X(gelu, 1, "exact (erf) GELU")                                                              \
  X(quick_gelu, 1, "x * sigmoid(1.702 x)")                                                    \
  X(geglu, 1, "x[...,2f] -> a * gelu(b) with a, b = x.chunk(2, -1)")                          \
  X(add, 2, "a + b with numpy broadcasting")                                                  \
  X(mul, 2, "a * b with numpy broadcasting")                                                  \
  X(scale_shift, 1, "x * scale + shift")                                                      \
  X(clamp, 1, "min(max(x, lo), hi)")                                                          \
  X(upsample_nearest2x, 1, "x[n,c,h,w] -> [n,c,2h,2w]; CL")                                   \
  X(concat, -1, "concatenation along axis")                                                   \
  X(slice, 1, "x.narrow(axis, start, len)")                                                   \
  X(permute, 1, "x.permute(perm), contiguous")                                                \
  X(reshape, 1, "same elements, new shape")                                                   \
  X(timestep_embedding, 1, "t[n] -> sinusoidal [n,dim]; flip_sin_to_cos, freq_shift")         \
  X(embedding, 2, "ids[...] (I64), table[vocab,dim] -> [...,dim]")                           \
  X(group_norm_silu, 3, "silu(group_norm(x)) in one node (graph/passes.h); groups, eps; CL")

enum class Op {
#define X(name, arity, doc) name,
  ZOOMRT_OPS(X)
#undef X
};

inline constexpr size_t kOpCount = 0
#define X(name, arity, doc) +1
    ZOOMRT_OPS(X)
#undef X
    ;
static_assert(kOpCount == 23, "op list changed: update shape inference, executor and sim mapping");

constexpr std::string_view op_name(Op op) {
  constexpr std::string_view names[] = {
#define X(name, arity, doc) #name,
      ZOOMRT_OPS(X)
#undef X
  };
  return names[size_t(op)];
}

constexpr int op_arity(Op op) {
  constexpr int arity[] = {
#define X(name, n, doc) n,
      ZOOMRT_OPS(X)
#undef X
  };
  return arity[size_t(op)];
}

}  // namespace zoomrt
