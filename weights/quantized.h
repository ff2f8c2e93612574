// Quantised weight formats written by `zoomrt quantize` and read back by the runtime (memory-
// mapped, like any safetensors weight). A linear or conv weight has a logical shape
// [n, d1, ...] (PyTorch layout); K = d1 * d2 * ... is its reduction length. One weight "<name>"
// is stored as "<name>" plus companion tensors, and __metadata__ "zoomrt.format.<name>" names
// the format (the reader recognises it from the companions alone):
//
//   f16      <name> F16, logical shape                            w = value
//   int8     <name> I8 [n, K]; <name>.scales F32 [n]              w = code * scale[row]  (|code| <= 127)
//   int4-gG  <name> U8 [n, ceil(K/2)]: two 4-bit codes per byte, even k in the low nibble;
//            <name>.scales F32 [n, ceil(K/G)]                      w = (code - 8) * scale[row, k/G]
//            Codes 0..15 (-8..7). The writer picks each group's scale from a small grid to
//            minimise the squared rounding error (clipping the extremes a little); its sign
//            puts the group's largest magnitude on the -8 side, so a scale may be negative.
//            Rank-4 conv weights [n, c, r, s] keep codes and groups in (r, s, c) order (the
//            convolution's reduction order), so they pack without re-quantising.
//   paletteB <name> U8 [ceil(n*K*B/8)]: B-bit indices, LSB first, in logical order;
//            <name>.codebook F32 [2^B] (k-means weight sharing per layer, weights/palette.h)
//                                                                  w = codebook[index]
//   paletteB-ch  the same indices; <name>.codebook F32 [n, 2^B]: one k-means codebook per
//            output channel                                        w = codebook[row, index]
//            (the reader tells the two apart by the codebook's rank; B = 2..8)
//   sparse24 <name> F16 [n, K/2]: the 2 kept of every 4 along k (magnitude pruning);
//            <name>.positions U8 [n, ceil(K/8)]: per group of 4 a nibble (pos0 | pos1 << 2),
//            even groups in the low nibble                     (K must be a multiple of 4)
//            Rank-4 conv weights [n, c, r, s] group along (r, s, c), as int4 does: the
//            convolution's reduction order (2:4 pruning along input channels, as NVIDIA's
//            sparse convolutions do), so the values and positions pack as stored.
//
// Bad input (inconsistent shapes, dtypes, sparse positions not two ascending slots) is
// InputError naming the tensor.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weights/palette.h"
#include "weights/safetensors.h"

namespace zoomrt {

// X(enumerator, help): the formats of `zoomrt quantize --to`.
#define ZOOMRT_QUANT_FORMATS(X)                                                     \
  X(f16, "f16 values")                                                              \
  X(bf16, "bf16 values (f32 rounded to nearest even)")                              \
  X(int8, "int8 per output channel, symmetric")                                     \
  X(int4, "int4 with one scale per group of 32/64/128 k")                           \
  X(palette, "k-means codebook of 2^b entries per layer or per channel, b = 2..8") \
  X(sparse24, "2:4 structured sparsity, f16 values")

enum class QuantFormat {
#define X(e, help) e,
  ZOOMRT_QUANT_FORMATS(X)
#undef X
};

struct QuantSpec {
  QuantFormat format = QuantFormat::f16;
  int group = 64;            // int4: k per scale
  int bits = 4;              // palette: index bits
  bool per_channel = false;  // palette: one codebook per output channel ("-ch")
};
// f16 | int8 | int4 | int4-g32 | int4-g64 | int4-g128 | palette2 ... palette8 |
// palette2-ch ... palette8-ch | sparse24
QuantSpec quant_spec_from_name(const std::string& name, const std::string& what = "--to");
std::string quant_spec_name(const QuantSpec& s);  // int4 prints its group: "int4-g64"; "palette4-ch"
std::string quant_spec_names();
// Every distinct format, in the order of quant_spec_names ("int4" is int4-g64: listed once).
std::vector<QuantSpec> all_quant_specs();

// One tensor to write.
struct QuantTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
// The tensors quantize_weight writes for `name` of logical `shape`, in the same order, with
// empty `bytes`: their shapes and byte sizes are known before any value is read (file headers,
// model-size estimates). InputError as quantize_weight.
std::vector<QuantTensor> quantized_layout(const std::string& name, const std::vector<int64_t>& shape,
                                          const QuantSpec& spec);
// True when `spec` can store a weight of this logical shape (rank >= 2; sparse24: K % 4 == 0).
bool quant_spec_fits(const std::vector<int64_t>& shape, const QuantSpec& spec);
// Bytes of the tensors quantized_layout lists.
size_t quantized_bytes(const std::vector<int64_t>& shape, const QuantSpec& spec);

// Converts weight `name` (w: logical shape, f32 values) to the tensors of `spec`. InputError
// when the shape does not suit the format (rank < 2, sparse24 with K % 4 != 0).
std::vector<QuantTensor> quantize_weight(const std::string& name, const std::vector<int64_t>& shape, const float* w,
                                         const QuantSpec& spec);

// A weight as found in a file: the main tensor and its companions.
struct StoredWeight {
  QuantSpec spec;
  bool quantized = false;  // false: a plain F32/F16/BF16 tensor (`data` alone)
  std::vector<int64_t> shape;  // logical
  const TensorView* data = nullptr;
  const TensorView* scales = nullptr;     // int8, int4
  const TensorView* codebook = nullptr;   // palette: [2^B], or [n, 2^B] per channel
  const TensorView* positions = nullptr;  // sparse24
  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  int64_t k() const;  // product of the trailing dims
};
using TensorLookup = std::function<const TensorView*(std::string_view name)>;
// Finds weight `name` of logical `shape`: nullopt when "<name>" is absent; InputError
// ("<source>: tensor '<name>...' ...") when present but inconsistent with a known format.
std::optional<StoredWeight> find_stored_weight(const TensorLookup& lookup, const std::string& name,
                                               const std::vector<int64_t>& shape, const std::string& source);
// The weight in f32, logical shape and order.
std::vector<float> dequantize(const StoredWeight& w);
// Palette indices unpacked, one byte per weight, [n, K] in logical order.
std::vector<uint8_t> palette_indices(const StoredWeight& w);
// sparse24 positions unpacked, one byte per group of 4 along the stored order (rank 4: (r, s, c)):
// pos0 | pos1 << 2, [n, K/4]. InputError naming the tensor unless pos0 < pos1 in every group.
std::vector<uint8_t> sparse24_positions(const StoredWeight& w);
// Bytes the weight occupies in the file (main tensor + companions).
size_t stored_bytes(const StoredWeight& w);

}  // namespace zoomrt
