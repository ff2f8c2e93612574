#include "scheduler/layer.h"

#include <fmt/format.h>

#include "base/error.h"

namespace zoomrt::sched {

const char* layer_kind_name(LayerKind k) {
  switch (k) {
#define X(e, name) \
  case LayerKind::e: return name;
    ZOOMRT_LAYER_KINDS(X)
#undef X
  }
  return "?";
}

int64_t Layer::macs() const {
  switch (kind) {
    case LayerKind::conv:
      return conv.n * conv.k * conv.p() * conv.q() * (conv.c / conv.groups) * conv.r * conv.s;
    case LayerKind::gemm: return gemm.m * gemm.n * gemm.k;
    case LayerKind::attention:  // Q K^T and P V
      return 2 * attn.b * attn.heads * attn.lq * attn.lk * attn.d;
  }
  return 0;
}

std::string Layer::shape_string() const {
  switch (kind) {
    case LayerKind::conv:
      return fmt::format("conv N{} C{} H{} W{} K{} R{} S{} s{} p{} g{}", conv.n, conv.c, conv.h,
                         conv.w, conv.k, conv.r, conv.s, conv.stride, conv.pad, conv.groups);
    case LayerKind::gemm: return fmt::format("gemm M{} N{} K{}", gemm.m, gemm.n, gemm.k);
    case LayerKind::attention:
      return fmt::format("attention B{} H{} Lq{} Lk{} D{}", attn.b, attn.heads, attn.lq, attn.lk,
                         attn.d);
  }
  return "?";
}

std::string Layer::shape_key() const {
  return fmt::format("{}|i{} w{} o{} a{}", shape_string(), bits.input, bits.weight, bits.output,
                     bits.psum);
}

Layer make_conv(std::string name, const ConvShape& s, OperandBits bits) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::conv;
  l.conv = s;
  l.bits = bits;
  return l;
}

Layer make_gemm(std::string name, int64_t m, int64_t n, int64_t k, OperandBits bits) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::gemm;
  l.gemm = {m, n, k};
  l.bits = bits;
  return l;
}

Layer make_attention(std::string name, const AttentionShape& s, OperandBits bits) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::attention;
  l.attn = s;
  l.bits = bits;
  return l;
}

namespace {
bool valid_bits(int b) { return b == 4 || b == 8 || b == 16 || b == 32; }
}  // namespace

void validate_layer(const Layer& l, const std::string& origin) {
  auto positive = [&](const char* what, int64_t v) {
    if (v <= 0) fail_input("{}: {}: {} must be positive, got {}", origin, l.name, what, v);
  };
  switch (l.kind) {
    case LayerKind::conv: {
      const ConvShape& c = l.conv;
      positive("batch", c.n), positive("channels", c.c), positive("IFMAP height", c.h);
      positive("IFMAP width", c.w), positive("num filter", c.k), positive("filter height", c.r);
      positive("filter width", c.s), positive("stride", c.stride), positive("groups", c.groups);
      if (c.pad < 0) fail_input("{}: {}: padding must not be negative", origin, l.name);
      if (c.pad > (1 << 20)) fail_input("{}: {}: padding {} is absurd (at most 1048576)", origin, l.name, c.pad);
      if (c.c % c.groups || c.k % c.groups)
        fail_input("{}: {}: groups {} must divide channels {} and filters {}", origin, l.name,
                   c.groups, c.c, c.k);
      // In 64 bits: a topology file may give any int, and h + 2·pad must not overflow.
      // Compared as r - h > 2·pad: no sum of two file-given sizes can overflow.
      if (c.r - c.h > 2 * c.pad || c.s - c.w > 2 * c.pad)
        fail_input("{}: {}: filter {}x{} larger than the IFMAP {}x{} with padding {}", origin, l.name, c.r,
                   c.s, c.h, c.w, c.pad);
      break;
    }
    case LayerKind::gemm:
      positive("M", l.gemm.m), positive("N", l.gemm.n), positive("K", l.gemm.k);
      break;
    case LayerKind::attention:
      positive("batch", l.attn.b), positive("heads", l.attn.heads), positive("Lq", l.attn.lq);
      positive("Lk", l.attn.lk), positive("head dim", l.attn.d);
      break;
  }
  if (!valid_bits(l.bits.input) || !valid_bits(l.bits.output) || !valid_bits(l.bits.psum))
    fail_input("{}: {}: activation bits must be 4, 8, 16 or 32", origin, l.name);
  if (!(l.bits.weight > 0 && l.bits.weight <= 64))
    fail_input("{}: {}: weight bits {} out of range (0, 64]", origin, l.name, l.bits.weight);
}

}  // namespace zoomrt::sched
