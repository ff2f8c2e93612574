#include "runtime/fast_ops.h"

#include <cassert>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels/gemm/config.h"

namespace zoomrt {

namespace {

// Puts a packed B where run_fast_node looks for it: a convolution's implicit-GEMM B with the
// weight's [k, c, r, s], else a linear's B. One helper for the three packed formats.
template <class ConvW, class GemmB>
void place(bool conv, const std::vector<int64_t>& ws, GemmB b, ConvW& conv_slot, GemmB& gemm_slot) {
  if (conv)
    conv_slot = {int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]), std::move(b)};
  else
    gemm_slot = std::move(b);
}

// Packs a weight stored as int8 codes or int4-gG codes without re-quantising: true when done.
// Rank-4 int8 codes are reordered to the convolution's (r, s, c) reduction order (int4 files
// already hold that order, weights/quantized.h).
// w4a8: the policy runs int4 layers W4A8 (linear and conv: both reduce over the codes' order).
bool pack_stored_codes(const Node& n, const StoredWeight& sw, bool w4a8, FastNode& f) {
  const std::vector<int64_t>& ws = sw.shape;
  const int out = int(ws[0]), k = int(sw.k());
  const bool conv = n.op == Op::conv2d;
  if (sw.spec.format != QuantFormat::int8 && sw.spec.format != QuantFormat::int4) return false;
  const std::vector<float> scales = to_f32(*sw.scales);  // (the mapping may be unaligned)
  if (sw.spec.format == QuantFormat::int4 && w4a8) {
    f.w4a8 = true;
    place(conv, ws, pack_b_w4a8_codes(q8_gemm_default(), sw.data->data, scales.data(), out, k, sw.spec.group),
          f.conv_w4a8, f.gemm_w4a8);
    return true;
  }
  if (sw.spec.format == QuantFormat::int8) {
    const auto* codes = reinterpret_cast<const int8_t*>(sw.data->data);
    std::vector<int8_t> krsc;
    if (conv) {
      const int c = int(ws[1]), rs = int(ws[2] * ws[3]);
      krsc.resize(size_t(out) * size_t(k));
      for (int o = 0; o < out; ++o)
        for (int ci = 0; ci < c; ++ci)
          for (int t = 0; t < rs; ++t) krsc[size_t(o) * k + size_t(t) * c + ci] = codes[size_t(o) * k + size_t(ci) * rs + t];
      codes = krsc.data();
    }
    f.q8 = true;
    PackedGemmBQ8 b = pack_b_q8_codes(q8_gemm_default(), codes, scales.data(), out, k);
    std::vector<int8_t>().swap(b.quantized);  // inspection copy: not needed here
    place(conv, ws, std::move(b), f.conv_q8, f.gemm_q8);
    return true;
  }
  // int4-gG: the codes are already in the packer's order (conv: (r, s, c)).
  place(conv, ws, pack_b_q4_codes(f32_gemm_default(), sw.data->data, scales.data(), out, k, sw.spec.group), f.conv,
        f.gemm);
  return true;
}

// Rounds an f32 weight to int8 / int4-gG codes with the quantiser `zoomrt quantize` uses
// (weights/quantized.h), so a policy and a quantised file of the same format give the same
// codes. The tensors back the views of `sw` and must outlive it.
StoredWeight quantise_weight(const Shape& ws, const float* w, const LayerPrecision& lp,
                             std::vector<QuantTensor>& tensors, std::vector<TensorView>& views) {
  const QuantSpec spec = lp.weights == WeightFormat::int8 ? QuantSpec{QuantFormat::int8}
                                                          : QuantSpec{QuantFormat::int4, lp.group};
  StoredWeight sw;
  sw.spec = spec;
  sw.quantized = true;
  sw.shape.assign(ws.begin(), ws.end());
  tensors = quantize_weight("w", sw.shape, w, spec);
  views.resize(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i)
    views[i] = {tensors[i].name, tensors[i].dtype, tensors[i].shape, tensors[i].bytes.data(), tensors[i].bytes.size()};
  sw.data = &views[0], sw.scales = &views[1];
  return sw;
}

}  // namespace

size_t FastNode::weight_bytes() const {
  if (w4a8) return gemm_w4a8.bytes() + conv_w4a8.gemm.bytes();
  if (q8) return gemm_q8.data.size() + conv_q8.gemm.data.size() + 4 * (gemm_q8.scale.size() + conv_q8.gemm.scale.size());
  return gemm.bytes() + conv.gemm.bytes();
}

bool fast_node_packs_weight(const Graph&, const Node& n) {
  return n.op == Op::linear || (n.op == Op::conv2d && n.attrs.groups == 1);
}

std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n, const float* weight_f32,
                                            const StoredWeight* stored, const Precision& precision) {
  if (n.op == Op::attention) {
    auto f = std::make_unique<FastNode>();
    f->attention = true;
    return f;
  }
  if (!fast_node_packs_weight(g, n)) return nullptr;
  auto f = std::make_unique<FastNode>();
  const LayerPrecision lp = precision.for_weight(g.tensor(n.inputs[1]).name);  // this op class's format
  if (!weight_f32 && stored && stored->quantized && pack_stored_codes(n, *stored, lp.weights == WeightFormat::int4a8, *f))
    return f;
  // One layer in f32 at most: the view itself when it is aligned F32, else a converted (or
  // dequantised) copy.
  std::vector<float> converted;
  const float* w = weight_f32;
  if (!w) {
    assert(stored && stored->data);
    const TensorView* view = stored->data;
    if (!stored->quantized && view->dtype == DType::F32 && reinterpret_cast<uintptr_t>(view->data) % alignof(float) == 0) {
      w = reinterpret_cast<const float*>(view->data);
    } else {
      converted = dequantize(*stored);
      w = converted.data();
    }
  }
  const Shape& ws = g.tensor(n.inputs[1]).shape;
  if (lp.weights == WeightFormat::int8 || lp.weights == WeightFormat::int4 || lp.weights == WeightFormat::int4a8) {
    std::vector<QuantTensor> tensors;
    std::vector<TensorView> views;
    const StoredWeight sw = quantise_weight(ws, w, lp, tensors, views);
    if (!lp.weights_only) {
      pack_stored_codes(n, sw, lp.weights == WeightFormat::int4a8, *f);
      return f;
    }
    converted = dequantize(sw);  // int8w: the int8 weights' values, f32 arithmetic
    w = converted.data();
  }
  const BFormat fmt = lp.weights == WeightFormat::f16 ? BFormat::f16 : BFormat::f32;
  if (n.op == Op::linear)
    f->gemm = pack_b(w, int(ws[0]), int(ws[1]), Layout::nk, fmt, lp.group);
  else
    f->conv = pack_conv2d(w, int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]), fmt, lp.group);
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
    if (f.w4a8)
      gemm_w4a8(m, x, size_t(k), f.gemm_w4a8, bias, Epilogue{}, y, size_t(out), pool);
    else if (f.q8)
      gemm_q8(m, x, size_t(k), f.gemm_q8, bias, Epilogue{}, y, size_t(out), pool);
    else
      gemm_f32(m, x, size_t(k), f.gemm, bias, Epilogue{}, y, size_t(out), pool);
    return;
  }
  const Shape& ws = g.tensor(n.inputs[1]).shape;
  if (n.attrs.channels_last) {  // x [n,h,w,c] and y [n,p,q,k] straight through: no transposes
    ConvShape sh{int(xs[0]), int(xs[3]), int(xs[1]), int(xs[2]), int(ws[0]), int(ws[2]), int(ws[3]),
                 n.attrs.stride, n.attrs.pad};
    if (f.w4a8)
      conv2d_nhwc_w4a8(sh, x, f.conv_w4a8, bias, Epilogue{}, y, pool);
    else if (f.q8)
      conv2d_nhwc_q8(sh, x, f.conv_q8, bias, Epilogue{}, y, pool);
    else
      conv2d_nhwc_f32(sh, x, f.conv, bias, Epilogue{}, y, pool);
    return;
  }
  if (f.w4a8)  // the layout pass makes every groups-1 convolution channels-last before packing
    throw std::logic_error(n.name + ": int4a8 convolution outside a channels-last graph");
  ConvShape sh{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ws[0]), int(ws[2]), int(ws[3]), n.attrs.stride,
               n.attrs.pad};
  if (f.q8)
    conv2d_nchw_q8(sh, x, f.conv_q8, bias, Epilogue{}, y, pool);
  else
    conv2d_nchw_f32(sh, x, f.conv, bias, Epilogue{}, y, pool);
}

}  // namespace zoomrt
