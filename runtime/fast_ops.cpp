#include "runtime/fast_ops.h"

namespace zoomrt {

std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n,
                                            const std::function<const float*(TensorId)>& weight) {
  if (n.op == Op::linear) {
    const Shape& w = g.tensor(n.inputs[1]).shape;
    auto f = std::make_unique<FastNode>();
    f->gemm = pack_b_f32(weight(n.inputs[1]), int(w[0]), int(w[1]), Layout::nk);
    return f;
  }
  if (n.op == Op::conv2d && n.attrs.groups == 1) {
    const Shape& w = g.tensor(n.inputs[1]).shape;
    auto f = std::make_unique<FastNode>();
    f->conv = pack_conv2d_f32(weight(n.inputs[1]), int(w[0]), int(w[1]), int(w[2]), int(w[3]));
    return f;
  }
  if (n.op == Op::attention) {
    auto f = std::make_unique<FastNode>();
    f->attention = true;
    return f;
  }
  return nullptr;
}

void run_fast_node(const Graph& g, const Node& n, const FastNode& f, const std::function<void*(TensorId)>& ptr,
                   ThreadPool& pool) {
  const Shape& xs = g.tensor(n.inputs[0]).shape;
  const float* x = static_cast<const float*>(ptr(n.inputs[0]));
  float* y = static_cast<float*>(ptr(n.output));
  if (f.attention) {
    const Shape& ks = g.tensor(n.inputs[1]).shape;
    const Attrs& a = n.attrs;
    attention_f32(int(xs[0]), int(xs[1]), int(ks[1]), a.heads, int(xs[2] / a.heads), a.scale, a.causal, x,
                  static_cast<const float*>(ptr(n.inputs[1])), static_cast<const float*>(ptr(n.inputs[2])), y, pool);
    return;
  }
  const float* bias = n.inputs.size() > 2 ? static_cast<const float*>(ptr(n.inputs[2])) : nullptr;
  if (n.op == Op::linear) {
    const int k = f.gemm.k(), out = f.gemm.n();
    const int m = int(shape_numel(xs) / k);
    gemm_f32(m, x, size_t(k), f.gemm, bias, Epilogue{}, y, size_t(out), pool);
    return;
  }
  ConvShape sh{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), f.conv.k, f.conv.r, f.conv.s, n.attrs.stride,
               n.attrs.pad};
  conv2d_nchw_f32(sh, x, f.conv, bias, Epilogue{}, y, pool);
}

}  // namespace zoomrt
