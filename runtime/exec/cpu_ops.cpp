// CPU dispatch: one case per op in graph/ops.h, plus the channels-last forms (run_channels_last).
// With fast_kernels the ops kernels/fast covers run there (vectorised, threaded); the reference
// kernels run the rest, and everything otherwise.
#include <functional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "kernels/fast/ops.h"
#include "kernels/ref/ops.h"
#include "kernels/ref/pad_clamp.h"
#include "runtime/exec/executor.h"
#include "base/error.h"

namespace zoomrt {
namespace {

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= s[i];
  return n;
}

size_t axis_of(int axis, size_t rank) { return size_t(axis < 0 ? axis + int(rank) : axis); }

// The reference form of a channels-last node: x [n,h,w,c] transposed to NCHW, the NCHW kernel
// `nchw(x, y)` into an NCHW scratch of y's size, transposed back into y [n,p,q,k]. Two
// transposes per call on purpose: the reference kernels stay the one NCHW oracle.
void via_nchw(const Shape& xs, const Shape& ys, const float* x, float* y,
              const std::function<void(const float*, float*)>& nchw) {
  static constexpr int kToNchw[] = {0, 3, 1, 2}, kToNhwc[] = {0, 2, 3, 1};
  std::vector<float> xt(size_t(shape_numel(xs))), yt(size_t(shape_numel(ys)));
  ref::permute(xs, kToNchw, x, xt.data());
  nchw(xt.data(), yt.data());
  const Shape yt_shape{ys[0], ys[3], ys[1], ys[2]};
  ref::permute(yt_shape, kToNhwc, yt.data(), y);
}

// Ops marked channels-last (graph/ops.h "CL"): x and y NHWC. The fast kernels run them in
// place; the reference path (fast_kernels false) goes through via_nchw.
void run_channels_last(const Graph& g, const Node& n, const std::function<void*(TensorId)>& ptr, ThreadPool& pool,
                       bool fast_kernels) {
  auto in = [&](size_t i) { return static_cast<const float*>(ptr(n.inputs[i])); };
  const Shape &xs = g.tensor(n.inputs[0]).shape, &ys = g.tensor(n.output).shape;
  const float* x = in(0);
  float* y = static_cast<float*>(ptr(n.output));
  const Attrs& a = n.attrs;
  const int nb = int(xs[0]), h = int(xs[1]), w = int(xs[2]), c = int(xs[3]);
  const bool silu = n.op == Op::group_norm_silu;
  switch (n.op) {
    case Op::conv2d: {  // the fast path is run_fast_node; this is the reference one
      const Shape& ws = g.tensor(n.inputs[1]).shape;
      ref::Conv2dShape sh{nb, c, h, w, int(ws[0]), int(ws[2]), int(ws[3]), a.stride, a.pad, a.groups};
      return via_nchw(xs, ys, x, y, [&](const float* xt, float* yt) {
        ref::conv2d(sh, xt, in(1), n.inputs.size() > 2 ? in(2) : nullptr, yt, pool);
      });
    }
    case Op::pad2d:
      if (fast_kernels) return fast::pad2d_nhwc(nb, h, w, c, a.pads[0], a.pads[1], a.pads[2], a.pads[3], x, y, pool);
      return via_nchw(xs, ys, x, y, [&](const float* xt, float* yt) {
        ref::pad2d(int64_t(nb) * c, h, w, a.pads[0], a.pads[1], a.pads[2], a.pads[3], xt, yt);
      });
    case Op::group_norm:
    case Op::group_norm_silu:
      if (fast_kernels)
        return fast::group_norm_nhwc(nb, int64_t(h) * w, c, a.groups, a.eps, x, in(1), in(2), silu, y, pool);
      return via_nchw(xs, ys, x, y, [&](const float* xt, float* yt) {
        ref::group_norm(nb, c, int64_t(h) * w, a.groups, a.eps, xt, in(1), in(2), yt, pool);
        if (silu) ref::silu(shape_numel(ys), yt, yt, pool);
      });
    case Op::upsample_nearest2x:
      if (fast_kernels) return fast::upsample_nearest2x_nhwc(nb, h, w, c, x, y, pool);
      return via_nchw(xs, ys, x, y, [&](const float* xt, float* yt) {
        ref::upsample_nearest2x(nb, c, h, w, xt, yt, pool);
      });
    default:
      throw std::logic_error(fmt::format("node {}: {} has no channels-last form", n.name, op_name(n.op)));
  }
}

}  // namespace

void run_cpu_node(const Graph& g, const Node& n, const std::function<void*(TensorId)>& ptr, ThreadPool& pool,
                  bool fast_kernels) {
  auto in = [&](size_t i) { return static_cast<const float*>(ptr(n.inputs[i])); };
  auto in_shape = [&](size_t i) -> const Shape& { return g.tensor(n.inputs[i]).shape; };
  float* y = static_cast<float*>(ptr(n.output));
  const Shape& ys = g.tensor(n.output).shape;
  const Shape& xs = in_shape(0);
  const int64_t numel = shape_numel(ys);
  const Attrs& a = n.attrs;
  if (a.channels_last) return run_channels_last(g, n, ptr, pool, fast_kernels);
  switch (n.op) {
    case Op::conv2d: {
      const Shape& ws = in_shape(1);
      ref::Conv2dShape sh{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ws[0]), int(ws[2]), int(ws[3]),
                          a.stride,   a.pad,      a.groups};
      ref::conv2d(sh, in(0), in(1), n.inputs.size() > 2 ? in(2) : nullptr, y, pool);
      return;
    }
    case Op::pad2d:
      ref::pad2d(prod(xs, 0, xs.size() - 2), int(xs[xs.size() - 2]), int(xs.back()), a.pads[0], a.pads[1],
                 a.pads[2], a.pads[3], in(0), y);
      return;
    case Op::linear: {
      const Shape& ws = in_shape(1);
      ref::linear(int(shape_numel(xs) / ws[1]), int(ws[0]), int(ws[1]), in(0), in(1),
                  n.inputs.size() > 2 ? in(2) : nullptr, y, pool);
      return;
    }
    case Op::attention: {
      const Shape& ks = in_shape(1);
      ref::attention(int(xs[0]), int(xs[1]), int(ks[1]), a.heads, int(xs[2] / a.heads), a.scale, a.causal, in(0),
                     in(1), in(2), y, pool);
      return;
    }
    case Op::group_norm:
    case Op::group_norm_silu:
      if (fast_kernels)
        return fast::group_norm(int(xs[0]), int(xs[1]), prod(xs, 2, xs.size()), a.groups, a.eps, in(0), in(1),
                                in(2), n.op == Op::group_norm_silu, y, pool);
      ref::group_norm(int(xs[0]), int(xs[1]), prod(xs, 2, xs.size()), a.groups, a.eps, in(0), in(1), in(2), y,
                      pool);
      if (n.op == Op::group_norm_silu) ref::silu(numel, y, y, pool);
      return;
    case Op::layer_norm:
      if (fast_kernels)
        return fast::layer_norm(numel / xs.back(), int(xs.back()), a.eps, in(0), in(1), in(2), y, pool);
      ref::layer_norm(numel / xs.back(), int(xs.back()), a.eps, in(0), in(1), in(2), y, pool);
      return;
    case Op::softmax:
      if (fast_kernels) return fast::softmax_rows(numel / xs.back(), int(xs.back()), in(0), y, pool);
      ref::softmax_rows(numel / xs.back(), int(xs.back()), in(0), y, pool);
      return;
    case Op::silu:
      if (fast_kernels) return fast::activation(fast::Act::silu, numel, in(0), y, pool);
      ref::silu(numel, in(0), y, pool);
      return;
    case Op::gelu:
      if (fast_kernels) return fast::activation(fast::Act::gelu, numel, in(0), y, pool);
      ref::gelu(numel, in(0), y, pool);
      return;
    case Op::quick_gelu:
      if (fast_kernels) return fast::activation(fast::Act::quick_gelu, numel, in(0), y, pool);
      ref::quick_gelu(numel, in(0), y, pool);
      return;
    case Op::geglu:
      if (fast_kernels) return fast::geglu(numel / ys.back(), int(ys.back()), in(0), y, pool);
      ref::geglu(numel / ys.back(), int(ys.back()), in(0), y, pool);
      return;
    case Op::add:
    case Op::mul:
      (fast_kernels ? fast::binary : ref::binary)(n.op == Op::add ? ref::BinaryOp::add : ref::BinaryOp::mul, xs,
                                                  in(0), in_shape(1), in(1), y, pool);
      return;
    case Op::scale_shift:
      ref::scale_shift(numel, a.scale, a.shift, in(0), y);
      return;
    case Op::clamp:
      ref::clamp(numel, a.lo, a.hi, in(0), y);
      return;
    case Op::upsample_nearest2x:
      if (fast_kernels)
        return fast::upsample_nearest2x(int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), in(0), y, pool);
      ref::upsample_nearest2x(int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), in(0), y, pool);
      return;
    case Op::concat: {
      size_t ax = axis_of(a.axis, xs.size());
      std::vector<const float*> parts;
      std::vector<int64_t> sizes;
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        parts.push_back(in(i));
        sizes.push_back(in_shape(i)[ax]);
      }
      ref::concat(prod(xs, 0, ax), prod(xs, ax + 1, xs.size()), parts, sizes, y);
      return;
    }
    case Op::slice: {
      size_t ax = axis_of(a.axis, xs.size());
      ref::slice(prod(xs, 0, ax), xs[ax], prod(xs, ax + 1, xs.size()), a.start, a.len, in(0), y);
      return;
    }
    case Op::permute:
      if (fast_kernels) return fast::permute(xs, a.perm, in(0), y, pool);
      ref::permute(xs, a.perm, in(0), y);
      return;
    case Op::reshape:
      if (y != in(0)) std::copy(in(0), in(0) + numel, y);
      return;
    case Op::timestep_embedding:
      ref::timestep_embedding(int(xs[0]), a.dim, a.flip_sin_to_cos, a.freq_shift, in(0), y);
      return;
    case Op::embedding: {
      const auto* ids = static_cast<const int64_t*>(ptr(n.inputs[0]));
      const int64_t vocab = in_shape(1)[0];
      const int64_t count = shape_numel(xs);
      for (int64_t i = 0; i < count; ++i)
        if (ids[i] < 0 || ids[i] >= vocab)
          fail_input("{}: token id {} at position {} is outside the vocabulary [0, {})", g.tensor(n.inputs[0]).name,
                     ids[i], i, vocab);
      ref::embedding(count, int(in_shape(1)[1]), ids, in(1), y);
      return;
    }
  }
}

}  // namespace zoomrt
