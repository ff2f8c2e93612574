#include "runtime/exec/fast_ops.h"

#include <cassert>
#include <cstring>
#include <optional>
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

// Rows [out, c * rs] of per-weight codes in logical (c, r, s) order -> (r, s, c), the
// convolution's reduction order.
template <class T>
std::vector<T> to_rsc_order(const T* codes, const std::vector<int64_t>& ws) {
  const size_t out = size_t(ws[0]), c = size_t(ws[1]), rs = size_t(ws[2] * ws[3]), k = c * rs;
  std::vector<T> rsc(out * k);
  for (size_t o = 0; o < out; ++o)
    for (size_t ci = 0; ci < c; ++ci)
      for (size_t t = 0; t < rs; ++t) rsc[o * k + t * c + ci] = codes[o * k + ci * rs + t];
  return rsc;
}

// Palette indices (conv: reordered to (r, s, c); the file keeps them in logical order) and
// sparse24 values and positions (the file already groups conv weights along (r, s, c)) packed
// as stored: the panels hold the codes, never a dense copy.
PackedGemmB pack_palette_or_sparse24(const StoredWeight& sw, bool conv) {
  const int out = int(sw.shape[0]), k = int(sw.k());
  if (sw.spec.format == QuantFormat::sparse24) {
    std::vector<uint16_t> values(size_t(out) * size_t(k / 2));
    std::memcpy(values.data(), sw.data->data, values.size() * sizeof(uint16_t));  // (the mapping may be unaligned)
    return pack_b_sparse24_codes(f32_gemm_default(), values.data(), sparse24_positions(sw).data(), out, k);
  }
  std::vector<uint8_t> index = palette_indices(sw);
  if (conv) index = to_rsc_order(index.data(), sw.shape);
  const std::vector<float> codebook = to_f32(*sw.codebook);
  return pack_b_palette_codes(f32_gemm_default(), index.data(), codebook.data(), sw.spec.bits, sw.spec.per_channel,
                              out, k);
}

// Packs a weight stored as int8, int4-gG, palette or sparse24 codes without re-quantising: true
// when done. Rank-4 int8 codes are reordered to the convolution's (r, s, c) reduction order
// (int4 files already hold that order, weights/quantized.h).
// w4a8: the policy runs int4 layers W4A8 (linear and conv: both reduce over the codes' order).
bool pack_stored_codes(const Node& n, const StoredWeight& sw, bool w4a8, FastNode& f) {
  const std::vector<int64_t>& ws = sw.shape;
  const int out = int(ws[0]), k = int(sw.k());
  const bool conv = n.op == Op::conv2d;
  if (sw.spec.format == QuantFormat::palette || sw.spec.format == QuantFormat::sparse24) {
    place(conv, ws, pack_palette_or_sparse24(sw, conv), f.conv, f.gemm);
    return true;
  }
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
    if (conv) krsc = to_rsc_order(codes, ws), codes = krsc.data();
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

// The stored format a policy rounds a weight of shape `ws` to; nullopt when it packs floats
// (f32, f16, and sparse24 on a weight whose K is not a multiple of 4: packed f32, as
// `zoomrt quantize` keeps such a weight unconverted).
std::optional<QuantSpec> policy_quant_spec(const LayerPrecision& lp, const Shape& ws) {
  std::optional<QuantSpec> spec;
  switch (lp.weights) {
    case WeightFormat::f32:
    case WeightFormat::f16:
    case WeightFormat::bf16: break;
    case WeightFormat::int8: spec = QuantSpec{QuantFormat::int8}; break;
    case WeightFormat::int4:
    case WeightFormat::int4a8: spec = QuantSpec{QuantFormat::int4, lp.group}; break;
    case WeightFormat::palette: spec = QuantSpec{QuantFormat::palette, 64, lp.bits, lp.per_channel}; break;
    case WeightFormat::sparse24: spec = QuantSpec{QuantFormat::sparse24}; break;
  }
  if (spec && !quant_spec_fits(std::vector<int64_t>(ws.begin(), ws.end()), *spec)) spec.reset();
  return spec;
}

// Rounds an f32 weight to `spec`'s codes with the quantiser `zoomrt quantize` uses
// (weights/quantized.h), so a policy and a quantised file of the same format give the same
// codes. The tensors back the views of the result and must outlive it.
// `name`: the weight's tensor name, for error messages (a non-finite weight under a palette policy).
StoredWeight quantise_weight(const std::string& name, const Shape& ws, const float* w, const QuantSpec& spec,
                             std::vector<QuantTensor>& tensors, std::vector<TensorView>& views) {
  const std::vector<int64_t> shape(ws.begin(), ws.end());
  tensors = quantize_weight(name, shape, w, spec);
  views.resize(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i)
    views[i] = {tensors[i].name, tensors[i].dtype, tensors[i].shape, tensors[i].bytes.data(), tensors[i].bytes.size()};
  const auto lookup = [&](std::string_view name) -> const TensorView* {  // found as a file's would be
    for (const TensorView& v : views)
      if (v.name == name) return &v;
    return nullptr;
  };
  return *find_stored_weight(lookup, name, shape, "--dtype " + quant_spec_name(spec));
}

}  // namespace

size_t FastNode::weight_bytes() const {
  if (bf16) return gemm_bf16.bytes() + conv_bf16.gemm.bytes();
  if (w4a8) return gemm_w4a8.bytes() + conv_w4a8.gemm.bytes();
  if (q8) return gemm_q8.data.size() + conv_q8.gemm.data.size() + 4 * (gemm_q8.scale.size() + conv_q8.gemm.scale.size());
  return gemm.bytes() + conv.gemm.bytes();
}

bool fast_node_packs_weight(const Graph&, const Node& n) {
  return n.op == Op::linear || (n.op == Op::conv2d && n.attrs.groups == 1);
}

std::unique_ptr<FastNode> prepare_fast_node(const Graph& g, const Node& n, const float* weight_f32,
                                            const StoredWeight* stored, const Precision& precision) {
  if (n.op == Op::attention) {  // no weight: the policy's base format decides (bf16 or f32)
    auto f = std::make_unique<FastNode>();
    f->attention = true;
    f->bf16 = precision.base.weights == WeightFormat::bf16;
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
  if (const std::optional<QuantSpec> spec = policy_quant_spec(lp, ws)) {
    std::vector<QuantTensor> tensors;
    std::vector<TensorView> views;
    const StoredWeight sw = quantise_weight(g.tensor(n.inputs[1]).name, ws, w, *spec, tensors, views);
    if (!lp.weights_only) {
      pack_stored_codes(n, sw, lp.weights == WeightFormat::int4a8, *f);
      return f;
    }
    converted = dequantize(sw);  // int8w: the int8 weights' values, f32 arithmetic
    w = converted.data();
  }
  if (lp.weights == WeightFormat::bf16) {
    f->bf16 = true;
    if (n.op == Op::linear)
      f->gemm_bf16 = pack_b_bf16(w, int(ws[0]), int(ws[1]), Layout::nk);
    else
      f->conv_bf16 = pack_conv2d_bf16(w, int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]));
    return f;
  }
  const BFormat fmt = lp.weights == WeightFormat::f16 ? BFormat::f16 : BFormat::f32;
  if (n.op == Op::linear)
    f->gemm = pack_b(w, int(ws[0]), int(ws[1]), Layout::nk, fmt, lp.group);
  else
    f->conv = pack_conv2d(w, int(ws[0]), int(ws[1]), int(ws[2]), int(ws[3]), fmt, lp.group);
  return f;
}

void run_fast_linear(const FastNode& f, int m, const float* x, int k, const float* bias, const Epilogue& epi,
                     float* y, int n, ThreadPool& pool) {
  if (f.w4a8)
    gemm_w4a8(m, x, size_t(k), f.gemm_w4a8, bias, epi, y, size_t(n), pool);
  else if (f.bf16)
    gemm_bf16(m, x, size_t(k), f.gemm_bf16, bias, epi, y, size_t(n), pool);
  else if (f.q8)
    gemm_q8(m, x, size_t(k), f.gemm_q8, bias, epi, y, size_t(n), pool);
  else
    gemm_f32(m, x, size_t(k), f.gemm, bias, epi, y, size_t(n), pool);
}

void run_fast_node(const Graph& g, const Node& n, const FastNode& f, const std::function<void*(TensorId)>& ptr,
                   ThreadPool& pool) {
  const Shape& xs = g.tensor(n.inputs[0]).shape;
  const float* x = static_cast<const float*>(ptr(n.inputs[0]));
  float* y = static_cast<float*>(ptr(n.output));
  if (f.attention) {
    const Shape& ks = g.tensor(n.inputs[1]).shape;
    const Attrs& a = n.attrs;
    (f.bf16 ? attention_bf16 : attention_f32)(int(xs[0]), int(xs[1]), int(ks[1]), a.heads, int(xs[2] / a.heads),
                                              a.scale, a.causal, x, static_cast<const float*>(ptr(n.inputs[1])),
                                              static_cast<const float*>(ptr(n.inputs[2])), y, pool);
    return;
  }
  const float* bias = n.inputs.size() > 2 ? static_cast<const float*>(ptr(n.inputs[2])) : nullptr;
  if (n.op == Op::linear) {
    const Shape& ws = g.tensor(n.inputs[1]).shape;
    const int out = int(ws[0]), k = int(ws[1]);
    run_fast_linear(f, int(shape_numel(xs) / k), x, k, bias, Epilogue{}, y, out, pool);
    return;
  }
  const Shape& ws = g.tensor(n.inputs[1]).shape;
  if (n.attrs.channels_last) {  // x [n,h,w,c] and y [n,p,q,k] straight through: no transposes
    ConvShape sh{int(xs[0]), int(xs[3]), int(xs[1]), int(xs[2]), int(ws[0]), int(ws[2]), int(ws[3]),
                 n.attrs.stride, n.attrs.pad};
    if (f.w4a8)
      conv2d_nhwc_w4a8(sh, x, f.conv_w4a8, bias, Epilogue{}, y, pool);
    else if (f.bf16)
      conv2d_nhwc_bf16(sh, x, f.conv_bf16, bias, Epilogue{}, y, pool);
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
  else if (f.bf16)
    conv2d_nchw_bf16(sh, x, f.conv_bf16, bias, Epilogue{}, y, pool);
  else
    conv2d_nchw_f32(sh, x, f.conv, bias, Epilogue{}, y, pool);
}

}  // namespace zoomrt
