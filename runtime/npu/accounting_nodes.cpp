// One graph node as the NPU sees it: a matrix layer for the scheduler, or vector-unit work.
#include <array>

#include "runtime/npu/accounting.h"
#include "runtime/npu/accounting_internal.h"

namespace zoomrt {

using npu_accounting::bytes_at;

namespace {

// Vector-unit work per output element of each op (assumptions, see the header). Matrix ops are
// costed by the scheduler and never read their entry. Transcendentals (exp, erf, sigmoid) are
// taken as ~3 ops (LUT + interpolation) on top of the arithmetic around them.
constexpr std::array<double, kOpCount> kVectorOpsPerElement = {
    0,    // conv2d (matrix)
    1,    // pad2d: a copy
    0,    // linear (matrix)
    0,    // attention (matrix)
    4,    // group_norm: mean and variance pass, then normalise + affine
    4,    // layer_norm: same
    5,    // softmax: max, exp, sum, divide
    4,    // silu: sigmoid + multiply
    5,    // gelu: erf + 3 arithmetic
    4,    // quick_gelu: sigmoid + 2 multiplies
    6,    // geglu: gelu of one half x the other
    1,    // add
    1,    // mul
    2,    // scale_shift
    2,    // clamp
    1,    // upsample_nearest2x: a copy
    1,    // concat: a copy
    1,    // slice: a copy
    1,    // permute: a copy (strided)
    0,    // reshape: a view, free
    4,    // timestep_embedding: sin/cos
    1,    // embedding: a gather
    8,    // group_norm_silu: group_norm + silu in one pass over the output
};
static_assert(kVectorOpsPerElement.size() == kOpCount, "one vector cost per op");

}  // namespace

bool matrix_layer_for_node(const Graph& g, const Node& n, const sched::OperandBits& bits, sched::Layer& out) {
  const auto shape = [&](size_t i) -> const Shape& { return g.tensor(n.inputs[i]).shape; };
  switch (n.op) {
    case Op::conv2d: {
      const Shape &x = shape(0), &w = shape(1);  // [n,c,h,w] (channels-last: [n,h,w,c]), [k,c/g,r,s]
      sched::ConvShape s;
      if (n.attrs.channels_last)
        s.n = x[0], s.h = x[1], s.w = x[2], s.c = x[3];
      else
        s.n = x[0], s.c = x[1], s.h = x[2], s.w = x[3];
      s.k = w[0], s.r = w[2], s.s = w[3];
      s.stride = n.attrs.stride, s.pad = n.attrs.pad, s.groups = n.attrs.groups;
      out = sched::make_conv(n.name, s, bits);
      return true;
    }
    case Op::linear: {
      const Shape& w = shape(1);  // [out, in]
      out = sched::make_gemm(n.name, shape_numel(shape(0)) / w[1], w[0], w[1], bits);
      return true;
    }
    case Op::attention: {
      const Shape &q = shape(0), &k = shape(1);  // [b, lq, h*d], [b, lk, h*d]
      sched::AttentionShape s;
      s.b = q[0], s.heads = n.attrs.heads, s.lq = q[1], s.lk = k[1], s.d = q[2] / n.attrs.heads;
      out = sched::make_attention(n.name, s, bits);
      return true;
    }
    default:
      return false;
  }
}

VectorWork vector_work_for_node(const Graph& g, const Node& n, int act_bits) {
  VectorWork w;
  w.name = n.name;
  w.op = std::string(op_name(n.op));
  if (n.op == Op::reshape) return w;  // a view: nothing moves
  const int64_t out_elems = shape_numel(g.tensor(n.output).shape);
  w.elements = out_elems;
  w.ops_per_element = kVectorOpsPerElement[size_t(n.op)];
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    int64_t elems = shape_numel(g.tensor(n.inputs[i]).shape);
    // A slice and an embedding lookup read only the elements they output.
    if (n.op == Op::slice || (n.op == Op::embedding && i == 1)) elems = out_elems;
    w.input_bytes.push_back(bytes_at(elems, act_bits));
    w.read_bytes += w.input_bytes.back();
  }
  w.write_bytes = bytes_at(out_elems, act_bits);
  return w;
}
}  // namespace zoomrt
