#include "graph/builder.h"

#include <cmath>

namespace zoomrt {

TensorId GraphBuilder::conv(const std::string& path, TensorId x, int cout, int k, int stride, int pad) {
  int64_t cin = shape(x)[1];
  TensorId w = g_.add_weight(path + ".weight", {cout, cin, k, k});
  TensorId b = g_.add_weight(path + ".bias", {cout});
  Attrs a;
  a.stride = stride;
  a.pad = pad;
  return op(Op::conv2d, path, {x, w, b}, a);
}

TensorId GraphBuilder::linear(const std::string& path, TensorId x, int out, bool bias) {
  int64_t in = shape(x).back();
  TensorId w = g_.add_weight(path + ".weight", {out, in});
  if (!bias) return op(Op::linear, path, {x, w});
  TensorId b = g_.add_weight(path + ".bias", {out});
  return op(Op::linear, path, {x, w, b});
}

TensorId GraphBuilder::group_norm(const std::string& path, TensorId x, int groups, float eps) {
  int64_t c = shape(x)[1];
  TensorId gamma = g_.add_weight(path + ".weight", {c});
  TensorId beta = g_.add_weight(path + ".bias", {c});
  Attrs a;
  a.groups = groups;
  a.eps = eps;
  return op(Op::group_norm, path, {x, gamma, beta}, a);
}

TensorId GraphBuilder::layer_norm(const std::string& path, TensorId x, float eps) {
  int64_t c = shape(x).back();
  TensorId gamma = g_.add_weight(path + ".weight", {c});
  TensorId beta = g_.add_weight(path + ".bias", {c});
  Attrs a;
  a.eps = eps;
  return op(Op::layer_norm, path, {x, gamma, beta}, a);
}

TensorId GraphBuilder::reshape(const std::string& name, TensorId x, Shape s) {
  Attrs a;
  a.shape = std::move(s);
  return op(Op::reshape, name, {x}, a);
}

TensorId GraphBuilder::permute(const std::string& name, TensorId x, std::vector<int> perm) {
  Attrs a;
  a.perm = std::move(perm);
  return op(Op::permute, name, {x}, a);
}

TensorId GraphBuilder::attention(const std::string& name, TensorId q, TensorId k, TensorId v, int heads,
                                 bool causal) {
  Attrs a;
  a.heads = heads;
  a.causal = causal;
  a.scale = float(1.0 / std::sqrt(double(shape(q)[2] / heads)));
  return op(Op::attention, name, {q, k, v}, a);
}

TensorId GraphBuilder::nchw_to_tokens(const std::string& name, TensorId x) {
  Shape s = shape(x);
  TensorId p = permute(name + ".permute", x, {0, 2, 3, 1});
  return reshape(name + ".reshape", p, {s[0], s[2] * s[3], s[1]});
}

TensorId GraphBuilder::tokens_to_nchw(const std::string& name, TensorId x, int64_t h, int64_t w) {
  Shape s = shape(x);
  TensorId r = reshape(name + ".reshape", x, {s[0], h, w, s[2]});
  return permute(name + ".permute", r, {0, 3, 1, 2});
}

}  // namespace zoomrt
