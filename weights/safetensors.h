// safetensors files: a validated, memory-mapped reader and a streaming, atomic writer.
//
// Format (https://github.com/huggingface/safetensors): 8 bytes little-endian u64 N, then N bytes
// of UTF-8 JSON: {"__metadata__": {str: str}, "<name>": {"dtype": "F16", "shape": [d0, ...],
// "data_offsets": [begin, end]}, ...}, then the data section. Offsets are in bytes relative to
// the start of the data section; tensors are dense, row-major (C order), little-endian.
//
// Reading maps the file read-only and never copies it: a TensorView points into the mapping, so
// F16/BF16 weights are converted per tensor (copy_to_f32) when and where they are needed.
// Every header field is checked before it is used (see SafetensorsFile::open); bad input throws
// InputError with one line naming the file and the tensor or key.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/dtype.h"

namespace zoomrt {

// A tensor inside a mapped file; valid while its SafetensorsFile lives (moving the file keeps
// the views valid: the mapping does not move). `data` may be unaligned for the dtype.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // [] for a scalar; a 0 dim makes an empty tensor
  const uint8_t* data = nullptr;
  size_t nbytes = 0;  // == numel() * dtype_bytes(dtype)
  int64_t numel() const;
};

// Move-only owner of one read-only mapping of a safetensors file.
class SafetensorsFile {
 public:
  // Maps and validates the whole header: lengths, JSON shape, dtypes, dims (non-negative, no
  // overflow), byte sizes, offsets inside the data section, no overlapping tensors, string-only
  // metadata, no duplicate names. Gaps and trailing bytes after the last tensor are accepted.
  static SafetensorsFile open(const std::string& path);

  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  const std::vector<TensorView>& tensors() const { return tensors_; }  // in data-offset order
  const TensorView* find(std::string_view name) const;                 // nullptr if absent
  const TensorView& at(
      std::string_view name) const;  // InputError "<path>: missing tensor '<name>'"
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t file_bytes() const { return map_bytes_; }

 private:
  SafetensorsFile() = default;
  void unmap() noexcept;

  std::string path_;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  std::vector<TensorView> tensors_;
  std::vector<uint32_t> by_name_;  // indices into tensors_, sorted by name, for find()
  std::map<std::string, std::string> metadata_;
};

// Converts any element type to float: F32/F16/BF16 exactly, integers by value (I64 rounds to
// nearest), BOOL as 0/1. dst holds t.numel() floats.
void copy_to_f32(const TensorView& t, float* dst);
std::vector<float> to_f32(const TensorView& t);

// Index of the first NaN or Inf of a F32/F16/BF16 tensor (a bit test on the stored form, one
// pass, no conversion), or -1 when every value is finite or the dtype is not floating point.
int64_t first_non_finite(const TensorView& t);
// InputError "<source>: tensor '<name>' holds NaN at element i (a model with non-finite weights
// produces flat frames)" when first_non_finite finds one.
void check_finite_weights(const TensorView& t, std::string_view source);

// One tensor for write_safetensors. `fill` writes exactly numel * dtype_bytes bytes (row-major,
// little-endian) into dst; it is called once per non-empty tensor, in file order, so data can
// be produced lazily.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::function<void(uint8_t* dst)> fill;
};

// Writes a file the Python library reads, in the order given, with no gaps between tensors.
// The header is compact JSON ("__metadata__" first when non-empty) padded with spaces to a
// multiple of 8 bytes, as the Python library does; given the same tensor order and at most one
// metadata key, the bytes equal those of safetensors.save_file. Atomic: writes
// "<path>.tmp.<pid>" then renames. Memory: one buffer the size of the largest tensor.
// InputError on duplicate or invalid names, negative dims, or I/O failure.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace zoomrt
