#include "runtime/fast_ops.h"

#include <cassert>
#include <vector>

namespace zoomrt {

namespace {

BFormat bformat(WeightFormat w) {
  switch (w) {
    case WeightFormat::f16: return BFormat::f16;
    case WeightFormat::int4: return BFormat::q4;
    default: return BFormat::f32;
  }
}

}  // namespace

size_t FastNode::weight_bytes() const {
  if (q8) return gemm_q8.data.size() + conv_q8.gemm.data.size() + 4 * (gemm_q8.scale.size() + conv_q8.gemm.scale.size());
  return gemm.bytes() + conv.gemm.bytes();
}

bool fast_node_packs_weight(const Graph&, const Node& n) {
  return n.op == Op::linear || (n.op == Op::conv2d && n.attrs.groups == 1);
}

std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n, const float* weight_f32,
                                            const TensorView* weight_view, const Precision& precision) {
  if (n.op == Op::attention) {
    auto f = std::make_unique<FastNode>();
    f->attention = true;
    return f;
  }
  if (!fast_node_packs_weight(g, n)) return nullptr;
  // One layer in f32 at most: the view itself when it is aligned F32, else a converted copy.
  std::vector<float> converted;
  const float* w = weight_f32;
  if (!w) {
    assert(weight_view);
    if (weight_view->dtype == DType::F32 && reinterpret_cast<uintptr_t>(weight_view->data) % alignof(float) == 0) {
      w = reinterpret_cast<const float*>(weight_view->data);
    } else {
      converted = to_f32(*weight_view);
      w = converted.data();
    }
  }
  const Shape& ws = g.tensor(n.inputs[1]).shape;
  auto f = std::make_unique<FastNode>();
  const bool q8 = precision.weights == WeightFormat::int8;
  const BFormat fmt = bformat(precision.weights);
  f->q8 = q8;
  if (n.op == Op::linear) {
    if (q8) {
      f->gemm_q8 = pack_b_q8(w, int(ws[0]), int(ws[1]), Layout::nk);
      std::vector<int8_t>().swap(f->gemm_q8.quantized);  // inspection copy: not needed here
    } else {
      f->gemm = pack_b(w, int(ws[0]), int(ws[1]), Layout::nk, fmt, precision.group);
    }
  } else if (q8) {
    f->conv_q8 = pack_conv2d_q8(w, int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]));
    std::vector<int8_t>().swap(f->conv_q8.gemm.quantized);
  } else {
    f->conv = pack_conv2d(w, int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]), fmt, precision.group);
  }
  return f;
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
    const Shape& ws = g.tensor(n.inputs[1]).shape;
    const int out = int(ws[0]), k = int(ws[1]);
    const int m = int(shape_numel(xs) / k);
    if (f.q8)
      gemm_q8(m, x, size_t(k), f.gemm_q8, bias, Epilogue{}, y, size_t(out), pool);
    else
      gemm_f32(m, x, size_t(k), f.gemm, bias, Epilogue{}, y, size_t(out), pool);
    return;
  }
  const Shape& ws = g.tensor(n.inputs[1]).shape;
  ConvShape sh{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ws[0]), int(ws[2]), int(ws[3]), n.attrs.stride,
               n.attrs.pad};
  if (f.q8)
    conv2d_nchw_q8(sh, x, f.conv_q8, bias, Epilogue{}, y, pool);
  else
    conv2d_nchw_f32(sh, x, f.conv, bias, Epilogue{}, y, pool);
}

}  // namespace zoomrt
