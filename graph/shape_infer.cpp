// Shape inference: one case per op in ops.h (channels-last variants where the op is marked CL).
// A mismatch is a builder bug (configs are validated before graphs are built), reported as
// std::logic_error naming the node.
#include <stdexcept>

#include <fmt/format.h>

#include "graph/graph.h"

namespace zoomrt {
namespace {

[[noreturn]] void bad(const std::string& node, Op op, const std::string& why) {
  throw std::logic_error(fmt::format("node {} ({}): {}", node, op_name(op), why));
}

Shape broadcast(const std::string& node, Op op, const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i + a.size() >= n ? a[i + a.size() - n] : 1;
    int64_t db = i + b.size() >= n ? b[i + b.size() - n] : 1;
    if (da != db && da != 1 && db != 1)
      bad(node, op, "cannot broadcast " + shape_str(a) + " with " + shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int norm_axis(int axis, size_t rank) { return axis < 0 ? axis + int(rank) : axis; }

}  // namespace

Shape infer_shape(Op op, const std::string& node, const std::vector<Shape>& in, const Attrs& a) {
  auto need = [&](bool ok, const std::string& why) {
    if (!ok) bad(node, op, why);
  };
  const Shape& x = in.at(0);
  switch (op) {
    case Op::conv2d: {
      need(in.size() == 2 || in.size() == 3, "needs x, w and an optional bias");
      const Shape& w = in[1];
      need(x.size() == 4 && w.size() == 4, "x and w must be 4-D");
      need(!a.channels_last || a.groups == 1, "channels-last needs groups 1");
      const int ci = a.channels_last ? 3 : 1, hi = a.channels_last ? 1 : 2;  // dims of c and h in x
      need(a.groups >= 1 && x[ci] == w[1] * a.groups, "channels " + shape_str(x) + " vs weight " + shape_str(w));
      need(in.size() == 2 || in[2] == Shape{w[0]}, "bias must be [k]");
      int64_t p = (x[hi] + 2 * a.pad - w[2]) / a.stride + 1;
      int64_t q = (x[hi + 1] + 2 * a.pad - w[3]) / a.stride + 1;
      need(p > 0 && q > 0, "kernel larger than padded input");
      if (a.channels_last) return {x[0], p, q, w[0]};
      return {x[0], w[0], p, q};
    }
    case Op::pad2d: {
      need(x.size() >= 2 && (!a.channels_last || x.size() == 4), "needs at least 2 dims (channels-last: 4)");
      Shape out = x;
      const size_t hd = a.channels_last ? 1 : out.size() - 2;  // the padded dims: hd, hd + 1
      out[hd] += a.pads[0] + a.pads[1];
      out[hd + 1] += a.pads[2] + a.pads[3];
      return out;
    }
    case Op::linear: {
      need(in.size() == 2 || in.size() == 3, "needs x, w and an optional bias");
      const Shape& w = in[1];
      need(w.size() == 2 && !x.empty() && x.back() == w[1], "x " + shape_str(x) + " vs w " + shape_str(w));
      need(in.size() == 2 || in[2] == Shape{w[0]}, "bias must be [n]");
      Shape out = x;
      out.back() = w[0];
      return out;
    }
    case Op::attention: {
      const Shape &k = in[1], &v = in[2];
      need(x.size() == 3 && k.size() == 3 && v.size() == 3, "q, k, v must be [b, l, h*d]");
      need(x[0] == k[0] && k == v && x[2] == k[2], "q " + shape_str(x) + " k " + shape_str(k));
      need(a.heads >= 1 && x[2] % a.heads == 0, "channels not divisible by heads");
      return x;
    }
    case Op::group_norm:
    case Op::group_norm_silu: {
      need(x.size() >= 2 && (!a.channels_last || x.size() == 4), "needs at least 2 dims (channels-last: 4)");
      const int64_t c = a.channels_last ? x.back() : x[1];
      need(a.groups >= 1 && c % a.groups == 0, "channels not divisible by groups");
      need(in[1] == Shape{c} && in[2] == Shape{c}, "gamma/beta must be [c]");
      return x;
    }
    case Op::layer_norm:
      need(!x.empty() && in[1] == Shape{x.back()} && in[2] == Shape{x.back()}, "gamma/beta must be [c]");
      return x;
    case Op::geglu: {
      need(!x.empty() && x.back() % 2 == 0, "last dim must be even");
      Shape out = x;
      out.back() /= 2;
      return out;
    }
    case Op::add:
    case Op::mul:
      return broadcast(node, op, x, in[1]);
    case Op::upsample_nearest2x:
      need(x.size() == 4, "x must be 4-D");
      if (a.channels_last) return {x[0], 2 * x[1], 2 * x[2], x[3]};
      return {x[0], x[1], 2 * x[2], 2 * x[3]};
    case Op::concat: {
      int ax = norm_axis(a.axis, x.size());
      need(ax >= 0 && ax < int(x.size()), "axis out of range");
      Shape out = x;
      for (size_t i = 1; i < in.size(); ++i) {
        need(in[i].size() == x.size(), "ranks differ");
        for (size_t d = 0; d < x.size(); ++d)
          if (int(d) != ax) need(in[i][d] == x[d], "shapes differ off the axis");
        out[size_t(ax)] += in[i][size_t(ax)];
      }
      return out;
    }
    case Op::slice: {
      int ax = norm_axis(a.axis, x.size());
      need(ax >= 0 && ax < int(x.size()), "axis out of range");
      need(a.start >= 0 && a.len >= 0 && a.start + a.len <= x[size_t(ax)], "range out of bounds");
      Shape out = x;
      out[size_t(ax)] = a.len;
      return out;
    }
    case Op::permute: {
      need(a.perm.size() == x.size(), "perm rank differs");
      Shape out(x.size());
      std::vector<bool> seen(x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        int p = a.perm[i];
        need(p >= 0 && p < int(x.size()) && !seen[size_t(p)], "perm is not a permutation");
        seen[size_t(p)] = true;
        out[i] = x[size_t(p)];
      }
      return out;
    }
    case Op::reshape:
      need(shape_numel(a.shape) == shape_numel(x), shape_str(x) + " to " + shape_str(a.shape));
      return a.shape;
    case Op::timestep_embedding:
      need(x.size() == 1 && a.dim >= 2 && a.dim % 2 == 0, "t must be [n], dim even");
      return {x[0], a.dim};
    case Op::embedding: {
      need(in[1].size() == 2, "table must be [vocab, dim]");
      Shape out = x;
      out.push_back(in[1][1]);
      return out;
    }
    case Op::softmax:
    case Op::silu:
    case Op::gelu:
    case Op::quick_gelu:
    case Op::scale_shift:
    case Op::clamp:
      return x;
  }
  bad(node, op, "unknown op");
}

}  // namespace zoomrt
