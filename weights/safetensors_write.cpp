// write_safetensors: header first (offsets are known from the shapes alone), then each tensor
// produced by its fill callback into one reused buffer and streamed to the file.
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/atomic_file.h"
#include "base/error.h"
#include "weights/safetensors.h"

namespace zoomrt {
namespace {

// JSON string literal as serde_json (the Python library's encoder) writes it: UTF-8 kept as
// is, only '"', '\\' and control characters escaped. Invalid UTF-8 is refused.
std::string json_string(const std::string& path, const std::string& s, std::string_view what) {
  try {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    fail_input("{}: {} '{}' is not valid UTF-8", path, what, s);
  }
}

uint64_t checked_nbytes(const std::string& path, const TensorToWrite& t) {
  uint64_t n = dtype_bytes(t.dtype);
  for (int64_t d : t.shape) {
    if (d < 0) fail_input("{}: tensor '{}': negative dimension {}", path, t.name, d);
    if (__builtin_mul_overflow(n, uint64_t(d), &n))
      fail_input("{}: tensor '{}': byte size overflows", path, t.name);
  }
  return n;
}

std::string build_header(const std::string& path, const std::vector<TensorToWrite>& tensors,
                         const std::vector<uint64_t>& nbytes,
                         const std::map<std::string, std::string>& metadata) {
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) h += ',';
      first = false;
      h += json_string(path, k, "metadata key");
      h += ':';
      h += json_string(path, v, "metadata value");
    }
    h += "},";
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorToWrite& t = tensors[i];
    if (i) h += ',';
    h += json_string(path, t.name, "tensor name");
    h += fmt::format(":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                     dtype_name(t.dtype), fmt::join(t.shape, ","), offset, offset + nbytes[i]);
    offset += nbytes[i];
  }
  if (h.back() == ',') h.pop_back();  // metadata only
  h += '}';
  h.append((8 - h.size() % 8) % 8, ' ');  // the Python library pads to a multiple of 8
  return h;
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<uint64_t> nbytes;
  nbytes.reserve(tensors.size());
  std::set<std::string_view> names;
  for (const TensorToWrite& t : tensors) {
    if (t.name == "__metadata__") fail_input("{}: '__metadata__' is not a tensor name", path);
    if (!names.insert(t.name).second) fail_input("{}: tensor '{}': given twice", path, t.name);
    if (!t.fill) fail_input("{}: tensor '{}': no fill function", path, t.name);
    nbytes.push_back(checked_nbytes(path, t));
  }
  const std::string header = build_header(path, tensors, nbytes, metadata);

  AtomicFile out(path);
  uint8_t len_le[8];
  for (int i = 0; i < 8; ++i) len_le[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
  out.write(len_le, 8);
  out.write(header);
  std::vector<uint8_t> buffer(nbytes.empty() ? 0 : *std::max_element(nbytes.begin(), nbytes.end()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (nbytes[i] == 0) continue;
    tensors[i].fill(buffer.data());
    out.write(buffer.data(), nbytes[i]);
  }
  out.commit();
}

}  // namespace zoomrt
