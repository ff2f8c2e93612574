// to_channels_last (graph/passes.h): image tensors run NHWC inside the graph, converted only
// at its edges, so the implicit-GEMM convolution reads and writes them in place (kernels/conv
// reduces over contiguous channels) instead of transposing in and out around every call.
//
// Each tensor of the input graph is held in the new graph in its plain form (the layout its
// shape says), its NHWC form (4-D tensors only: the plain tensor permuted by (0,2,3,1)), or
// both. A form is made when a consumer asks for it and remembered, so a tensor is converted at
// most once each way. The rules, in the order they are tried:
//  1. Image ops take x NHWC and give their output NHWC, with Attrs::channels_last: conv2d with
//     groups 1, group_norm, group_norm_silu, upsample_nearest2x, pad2d (on 4-D x).
//  2. Layout-blind ops run NHWC when one of their 4-D inputs is held NHWC: unary elementwise
//     (silu, gelu, quick_gelu, scale_shift, clamp), add / mul of two 4-D operands (the time
//     embedding [n,c,1,1] becomes [n,1,1,c]: broadcasting commutes with permuting both
//     operands alike), concat and slice of 4-D tensors (axis remapped: c -> 3, h -> 1, w -> 2).
//  3. Transformer entry and exit: permute(0,2,3,1) of a tensor held NHWC *is* that tensor, and
//     permute(0,3,1,2) of a 4-D tensor gives its output's NHWC form; neither emits a node, so
//     the NCHW <-> tokens moves become the plain reshapes around them.
//  4. A reshape to a 4-D [n,c,1,1] (or c == 1) tensor is emitted with the NHWC shape directly:
//     the same bytes either way.
//  5. Every other op (linear, layer_norm, softmax, reshape, other permutes, grouped conv2d, ...)
//     and every graph output gets plain forms. Where only the NHWC form exists, a permute(0,3,1,2)
//     named "<tensor>.to_nchw" is inserted (<tensor>: the producing node's name, or the graph
//     output's or input's name; graph inputs going NHWC: "<input>.to_nhwc"). A tensor with
//     h*w == 1 or c == 1 is converted by a reshape instead (no data moves).
// Nodes keep their names, inputs' weights and attributes (bar the flag and remapped axes);
// the permutes of rule 3 are dropped. Outputs keep their names and NCHW shapes.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "graph/passes.h"

namespace zoomrt {
namespace {

constexpr int kToNhwc[] = {0, 2, 3, 1};  // NCHW -> NHWC
constexpr int kToNchw[] = {0, 3, 1, 2};  // NHWC -> NCHW
constexpr int kAxisInNhwc[] = {0, 3, 1, 2};  // NCHW axis -> the same axis in NHWC

bool is_perm(const std::vector<int>& p, const int (&want)[4]) {
  return p.size() == 4 && p[0] == want[0] && p[1] == want[1] && p[2] == want[2] && p[3] == want[3];
}

Shape permuted(const Shape& s, const int (&perm)[4]) {
  return {s[size_t(perm[0])], s[size_t(perm[1])], s[size_t(perm[2])], s[size_t(perm[3])]};
}

class LayoutRewriter {
 public:
  explicit LayoutRewriter(const Graph& g)
      : g_(g), plain_(g.tensors().size()), nhwc_(g.tensors().size()) {}

  Graph run() {
    const std::vector<int> producer = node_producers(g_);
    for (size_t t = 0; t < g_.tensors().size(); ++t) {  // id order: inputs exist before use
      const TensorInfo& info = g_.tensor(TensorId(t));
      if (info.role == TensorRole::input)
        plain_[t] = out_.add_input(info.name, info.shape, info.dtype);
      else if (info.role == TensorRole::weight)
        plain_[t] = out_.add_weight(info.name, info.shape);
      else if (producer[t] >= 0)
        rewrite(g_.nodes()[size_t(producer[t])]);
    }
    for (TensorId t : g_.outputs()) out_.mark_output(plain(t), g_.tensor(t).name);
    return std::move(out_);
  }

 private:
  bool image(TensorId t) const {
    return g_.tensor(t).shape.size() == 4 && g_.tensor(t).role != TensorRole::weight;
  }
  bool held_nhwc(TensorId t) const { return nhwc_[size_t(t)].has_value(); }

  // "down_blocks.0.resnets.0.conv1:out" -> "down_blocks.0.resnets.0.conv1"
  std::string base_name(TensorId t) const {
    const std::string& n = g_.tensor(t).name;
    return n.size() > 4 && n.ends_with(":out") ? n.substr(0, n.size() - 4) : n;
  }
  // A tensor of this logical (NCHW) shape has the same bytes in both layouts.
  static bool layout_free(const Shape& s) { return s[1] == 1 || s[2] * s[3] == 1; }

  TensorId convert(TensorId from, const Shape& logical, bool to_nhwc, const std::string& name) {
    Attrs a;
    if (layout_free(logical)) {
      a.shape = to_nhwc ? permuted(logical, kToNhwc) : logical;
      return out_.add_node(Op::reshape, name, {from}, a);
    }
    a.perm.assign(std::begin(to_nhwc ? kToNhwc : kToNchw), std::end(to_nhwc ? kToNhwc : kToNchw));
    return out_.add_node(Op::permute, name, {from}, a);
  }
  TensorId plain(TensorId t) {
    auto& p = plain_[size_t(t)];
    if (!p) {
      if (!nhwc_[size_t(t)])
        throw std::logic_error("to_channels_last: tensor " + g_.tensor(t).name + " was never made");
      p = convert(*nhwc_[size_t(t)], g_.tensor(t).shape, false, base_name(t) + ".to_nchw");
    }
    return *p;
  }
  TensorId nhwc(TensorId t) {
    auto& h = nhwc_[size_t(t)];
    if (!h) h = convert(plain(t), g_.tensor(t).shape, true, base_name(t) + ".to_nhwc");
    return *h;
  }

  void emit_plain(const Node& n) {
    std::vector<TensorId> in;
    for (TensorId t : n.inputs) in.push_back(plain(t));
    plain_[size_t(n.output)] = out_.add_node(n.op, n.name, in, n.attrs);
  }
  // Image inputs NHWC (weights and other inputs as they are), output NHWC.
  void emit_nhwc(const Node& n, Attrs a) {
    std::vector<TensorId> in;
    for (TensorId t : n.inputs) in.push_back(image(t) ? nhwc(t) : plain(t));
    nhwc_[size_t(n.output)] = out_.add_node(n.op, n.name, in, std::move(a));
  }

  bool any_input_nhwc(const Node& n) const {
    for (TensorId t : n.inputs)
      if (held_nhwc(t)) return true;
    return false;
  }
  bool all_inputs_image(const Node& n) const {
    for (TensorId t : n.inputs)
      if (!image(t)) return false;
    return true;
  }

  void rewrite(const Node& n) {
    Attrs a = n.attrs;
    const bool x_image = !n.inputs.empty() && image(n.inputs[0]);
    switch (n.op) {
      case Op::conv2d:
      case Op::group_norm:
      case Op::group_norm_silu:
      case Op::upsample_nearest2x:
      case Op::pad2d:
        if (!x_image || (n.op == Op::conv2d && a.groups != 1)) break;
        a.channels_last = true;  // rule 1
        return emit_nhwc(n, a);
      case Op::silu:
      case Op::gelu:
      case Op::quick_gelu:
      case Op::scale_shift:
      case Op::clamp:
      case Op::add:
      case Op::mul:
        if (!all_inputs_image(n) || !any_input_nhwc(n)) break;
        return emit_nhwc(n, a);  // rule 2
      case Op::concat:
      case Op::slice:
        if (!all_inputs_image(n) || !any_input_nhwc(n)) break;
        a.axis = kAxisInNhwc[a.axis < 0 ? a.axis + 4 : a.axis];
        return emit_nhwc(n, a);
      case Op::permute:
        if (x_image && is_perm(a.perm, kToNhwc) && held_nhwc(n.inputs[0])) {  // rule 3: entry
          plain_[size_t(n.output)] = *nhwc_[size_t(n.inputs[0])];
          return;
        }
        if (x_image && is_perm(a.perm, kToNchw)) {  // rule 3: exit
          nhwc_[size_t(n.output)] = plain(n.inputs[0]);
          return;
        }
        break;
      case Op::reshape:
        if (a.shape.size() == 4 && layout_free(a.shape)) {  // rule 4
          a.shape = permuted(a.shape, kToNhwc);
          nhwc_[size_t(n.output)] = out_.add_node(n.op, n.name, {plain(n.inputs[0])}, a);
          return;
        }
        break;
      default:
        break;
    }
    emit_plain(n);  // rule 5
  }

  const Graph& g_;
  Graph out_;
  std::vector<std::optional<TensorId>> plain_, nhwc_;  // by tensor id of g_
};

}  // namespace

Graph to_channels_last(const Graph& g) {
  for (const Node& n : g.nodes())
    if (n.attrs.channels_last) return g;  // already rewritten (its tensors are NHWC already)
  return LayoutRewriter(g).run();
}

int count_layout_permutes(const Graph& g) {
  int count = 0;
  for (const Node& n : g.nodes())
    count += n.op == Op::permute && (is_perm(n.attrs.perm, kToNhwc) || is_perm(n.attrs.perm, kToNchw));
  return count;
}

}  // namespace zoomrt
