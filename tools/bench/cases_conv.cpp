// Convolutions of the SD2 UNet at 512x512 (64x64 latents, batch 1). Each impl runs in its own
// preferred activation layout, converted once outside the timing: zoomrt NHWC, oneDNN the
// blocked layout it picks; OpenBLAS is the classic NCHW im2col + sgemm, im2col timed.
#include <cblas.h>
#include <fmt/core.h>

#include <memory>

#include "kernels/conv/conv.h"
#include "kernels/conv/conv_w4a8.h"
#include "kernels/gemm/config.h"
#include "tools/bench/bench.h"
#include "tools/bench/onednn_util.h"

namespace zoomrt::bench {
namespace {

struct ConvCase {
  ConvShape sh;
  const char* what;  // where the shape occurs
};

constexpr ConvCase kConvShapes[] = {
    {{1, 320, 64, 64, 320, 3, 3, 1, 1}, "resnet conv, level 0"},
    {{1, 640, 32, 32, 640, 3, 3, 1, 1}, "resnet conv, level 1"},
    {{1, 1280, 16, 16, 1280, 3, 3, 1, 1}, "resnet conv, level 2"},
    {{1, 320, 64, 64, 320, 3, 3, 2, 1}, "downsampler, level 0 -> 1"},
    {{1, 9, 64, 64, 320, 3, 3, 1, 1}, "conv_in of the inpainting UNet"},
    {{1, 960, 64, 64, 320, 1, 1, 1, 0}, "resnet shortcut, up level 0"},
    {{1, 320, 32, 32, 640, 1, 1, 1, 0}, "resnet shortcut, down level 1"},
    {{1, 640, 16, 16, 1280, 1, 1, 1, 0}, "resnet shortcut, down level 2"},
};

struct ConvData {
  std::vector<float> x, w, y;  // x NCHW-sized, w [k, c, r, s], y [n, k, p, q]-sized
  explicit ConvData(const ConvShape& s)
      : x(random_floats(size_t(s.n) * s.c * s.h * s.w, 1)),
        w(random_floats(size_t(s.k) * s.c * s.r * s.s, 2)),
        y(size_t(s.n) * s.k * s.p() * s.q()) {}
};

Runner zoomrt_conv(const ConvShape& s, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);  // x is used as NHWC directly: values do not matter
  auto w = std::make_shared<PackedConvWeights>(pack_conv2d_f32(d->w.data(), s.k, s.c, s.r, s.s));
  return [d, w, s, &pool] { conv2d_nhwc_f32(s, d->x.data(), *w, nullptr, Epilogue{}, d->y.data(), pool); };
}

// Int8: weights quantised at pack time; im2col rows gathered and quantised inside the timed call.
Runner zoomrt_conv_q8(const ConvShape& s, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);
  auto w = std::make_shared<PackedConvWeightsQ8>(pack_conv2d_q8(d->w.data(), s.k, s.c, s.r, s.s));
  return [d, w, s, &pool] { conv2d_nhwc_q8(s, d->x.data(), *w, nullptr, Epilogue{}, d->y.data(), pool); };
}

// Weights kept in a format the driver expands per B block (kExpandedDtypes), over the (r, s, c)
// reduction order as the runtime packs them.
Runner zoomrt_conv_expanded(const ConvShape& s, const std::string& dtype, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);
  auto w = std::make_shared<PackedConvWeights>(
      PackedConvWeights{s.k, s.c, s.r, s.s, random_expanded_b(dtype, s.k, s.r * s.s * s.c)});
  return [d, w, s, &pool] { conv2d_nhwc_f32(s, d->x.data(), *w, nullptr, Epilogue{}, d->y.data(), pool); };
}

// BF16: weights rounded at pack time; im2col rows gathered and rounded inside the timed call.
Runner zoomrt_conv_bf16(const ConvShape& s, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);
  auto w = std::make_shared<PackedConvWeightsBf16>(pack_conv2d_bf16(d->w.data(), s.k, s.c, s.r, s.s));
  return [d, w, s, &pool] { conv2d_nhwc_bf16(s, d->x.data(), *w, nullptr, Epilogue{}, d->y.data(), pool); };
}

Runner openblas_conv(const ConvShape& s, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);
  const int crs = s.c * s.r * s.s, pq = s.p() * s.q();
  auto col = std::make_shared<std::vector<float>>(size_t(crs) * pq);
  return [d, col, s, crs, pq, &pool] {
    for (int n = 0; n < s.n; ++n) {
      const float* x = d->x.data() + size_t(n) * s.c * s.h * s.w;
      pool.parallel_for(size_t(crs), 16, [&](size_t b, size_t e) {  // col[(c, r, s), (p, q)]
        for (size_t row = b; row < e; ++row) {
          const int c = int(row) / (s.r * s.s), r = int(row) / s.s % s.r, ss = int(row) % s.s;
          float* dst = col->data() + row * pq;
          for (int p = 0; p < s.p(); ++p)
            for (int q = 0; q < s.q(); ++q) {
              const int h = p * s.stride - s.pad + r, w = q * s.stride - s.pad + ss;
              dst[p * s.q() + q] = h >= 0 && h < s.h && w >= 0 && w < s.w ? x[(size_t(c) * s.h + h) * s.w + w] : 0.0f;
            }
        }
      });
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.k, pq, crs, 1.0f, d->w.data(), crs, col->data(), pq,
                  0.0f, d->y.data() + size_t(n) * s.k * pq, pq);
    }
  };
}

Runner onednn_conv(const ConvShape& s, ThreadPool&) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  auto d = std::make_shared<ConvData>(s);
  const memory::dims src{s.n, s.c, s.h, s.w}, wei{s.k, s.c, s.r, s.s}, dst{s.n, s.k, s.p(), s.q()};
  convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                 memory::desc(src, dt::f32, tag::any), memory::desc(wei, dt::f32, tag::any),
                                 memory::desc(dst, dt::f32, tag::any), {s.stride, s.stride}, {s.pad, s.pad},
                                 {s.pad, s.pad});
  convolution_forward::primitive_desc pd(desc, onednn().engine);
  memory x = reorder_to(memory({src, dt::f32, tag::nchw}, onednn().engine, d->x.data()), pd.src_desc());
  memory w = reorder_to(memory({wei, dt::f32, tag::oihw}, onednn().engine, d->w.data()), pd.weights_desc());
  memory y(pd.dst_desc(), onednn().engine);
  auto prim = std::make_shared<convolution_forward>(pd);
  return [d, prim, x, w, y] {
    prim->execute(onednn().stream, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}});
    onednn().stream.wait();
  };
}

// oneDNN's bf16 convolution on the same terms as ours: NHWC f32 activations converted to bf16
// inside the timed call, weights reordered to bf16 once, f32 out in its preferred layout.
Runner onednn_conv_bf16(const ConvShape& s, ThreadPool&) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  auto d = std::make_shared<ConvData>(s);
  const memory::dims src{s.n, s.c, s.h, s.w}, wei{s.k, s.c, s.r, s.s}, dst{s.n, s.k, s.p(), s.q()};
  convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                 memory::desc(src, dt::bf16, tag::nhwc), memory::desc(wei, dt::bf16, tag::any),
                                 memory::desc(dst, dt::f32, tag::any), {s.stride, s.stride}, {s.pad, s.pad},
                                 {s.pad, s.pad});
  convolution_forward::primitive_desc pd(desc, onednn().engine);
  memory x_f32({src, dt::f32, tag::nhwc}, onednn().engine, d->x.data()), x(pd.src_desc(), onednn().engine);
  memory w = reorder_to(memory({wei, dt::f32, tag::oihw}, onednn().engine, d->w.data()), pd.weights_desc());
  memory y(pd.dst_desc(), onednn().engine);
  auto to_bf16 = std::make_shared<reorder>(x_f32, x);
  auto prim = std::make_shared<convolution_forward>(pd);
  return [d, to_bf16, prim, x_f32, x, w, y]() mutable {
    to_bf16->execute(onednn().stream, x_f32, x);
    prim->execute(onednn().stream, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}});
    onednn().stream.wait();
  };
}

}  // namespace

// INT4 W4A8 (dtype "int4"): 4-bit weights, one scale per 64 values of (r, s, c); im2col rows
// gathered and quantised to int8 inside the timed call, as for int8.
Runner zoomrt_conv_w4a8(const ConvShape& s, ThreadPool& pool) {
  auto d = std::make_shared<ConvData>(s);
  auto w = std::make_shared<PackedConvWeightsW4A8>(
      pack_conv2d_w4a8(q8_gemm_default(), d->w.data(), s.k, s.c, s.r, s.s, 64));
  return [d, w, s, &pool] { conv2d_nhwc_w4a8(s, d->x.data(), *w, nullptr, Epilogue{}, d->y.data(), pool); };
}

void add_conv_cases(std::vector<Case>& cases, int) {
  for (const ConvCase& cc : kConvShapes) {
    const ConvShape s = cc.sh;
    const std::string op = fmt::format("conv{}x{}", s.r, s.s);
    const std::string shape = fmt::format("n{}_c{}_h{}_w{}_k{}_s{}", s.n, s.c, s.h, s.w, s.k, s.stride);
    const double flops = 2.0 * s.n * s.p() * s.q() * s.k * double(s.c) * s.r * s.s;
    cases.push_back({op, "f32", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_conv(s, p); }});
    cases.push_back({op, "f32", shape, "openblas", flops, [s](ThreadPool& p) { return openblas_conv(s, p); }});
    cases.push_back({op, "f32", shape, "onednn", flops, [s](ThreadPool& p) { return onednn_conv(s, p); }});
    cases.push_back({op, "int8", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_conv_q8(s, p); }});
    cases.push_back({op, "int4", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_conv_w4a8(s, p); }});
    cases.push_back({op, "bf16", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_conv_bf16(s, p); }});
    cases.push_back({op, "bf16", shape, "onednn", flops, [s](ThreadPool& p) { return onednn_conv_bf16(s, p); }});
    for (const std::string dtype : kExpandedDtypes)
      if (dtype != "sparse24" || (s.r * s.s * s.c) % 4 == 0)
        cases.push_back({op, dtype, shape, "zoomrt", flops,
                         [s, dtype](ThreadPool& p) { return zoomrt_conv_expanded(s, dtype, p); }});
  }
}

}  // namespace zoomrt::bench
