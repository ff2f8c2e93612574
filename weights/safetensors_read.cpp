// SafetensorsFile: mmap + header validation. Every number from the header is range-checked
// before it sizes anything, so a hostile file can cost at most its own header's JSON parse.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/input_file.h"
#include "weights/safetensors.h"

namespace zoomrt {
namespace {

using nlohmann::json;

// The Python library refuses larger headers; a real model's header is well under 1 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr uint64_t kMaxU63 = uint64_t(std::numeric_limits<int64_t>::max());

enum class IntCheck { kOk, kNotInteger, kNegative, kTooLarge };

// Reads a JSON integer that must lie in [0, 2^63): floats (even 2.0) are not integers.
IntCheck read_u63(const json& j, uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<uint64_t>();
    return out > kMaxU63 ? IntCheck::kTooLarge : IntCheck::kOk;
  }
  if (j.is_number_integer()) {  // signed: nlohmann stores only negatives here, but be general
    int64_t v = j.get<int64_t>();
    if (v < 0) return IntCheck::kNegative;
    out = uint64_t(v);
    return IntCheck::kOk;
  }
  return IntCheck::kNotInteger;
}

struct Range {
  uint64_t begin, end;
};

[[noreturn]] void fail_tensor(const std::string& path, const std::string& name,
                              std::string_view problem) {
  fail_input("{}: tensor '{}': {}", path, name, problem);
}

// Validates one header entry; on success fills `t` (without data pointer) and `r`.
void parse_entry(const std::string& path, const std::string& name, const json& e,
                 uint64_t data_bytes, TensorView& t, Range& r) {
  if (!e.is_object()) fail_tensor(path, name, "entry must be a JSON object");
  auto dt = e.find("dtype");
  auto sh = e.find("shape");
  auto off = e.find("data_offsets");
  if (dt == e.end()) fail_tensor(path, name, "missing 'dtype'");
  if (sh == e.end()) fail_tensor(path, name, "missing 'shape'");
  if (off == e.end()) fail_tensor(path, name, "missing 'data_offsets'");
  if (!dt->is_string()) fail_tensor(path, name, "'dtype' must be a string");
  auto dtype = dtype_from_name(dt->get_ref<const std::string&>());
  if (!dtype)
    fail_tensor(path, name, fmt::format("unknown dtype '{}'", dt->get_ref<const std::string&>()));
  if (!sh->is_array()) fail_tensor(path, name, "'shape' must be an array of integers");

  uint64_t numel = 1;
  t.shape.reserve(sh->size());  // bounded by the header's own length
  for (const json& d : *sh) {
    uint64_t dim = 0;
    switch (read_u63(d, dim)) {
      case IntCheck::kNotInteger:
        fail_tensor(path, name, "'shape' must be an array of integers");
      case IntCheck::kNegative:
        fail_tensor(path, name,
                    fmt::format("negative dimension {} in shape {}", d.dump(), sh->dump()));
      case IntCheck::kTooLarge:
        fail_tensor(path, name, fmt::format("dimension {} too large", d.dump()));
      case IntCheck::kOk:
        break;
    }
    if (__builtin_mul_overflow(numel, dim, &numel) || numel > kMaxU63)
      fail_tensor(path, name, fmt::format("element count of shape {} overflows", sh->dump()));
    t.shape.push_back(int64_t(dim));
  }
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, uint64_t(dtype_bytes(*dtype)), &nbytes))
    fail_tensor(path, name, fmt::format("byte size of shape {} overflows", sh->dump()));

  if (!off->is_array() || off->size() != 2)
    fail_tensor(path, name, "'data_offsets' must be [begin, end]");
  if (read_u63((*off)[0], r.begin) != IntCheck::kOk || read_u63((*off)[1], r.end) != IntCheck::kOk)
    fail_tensor(path, name, "'data_offsets' must be two non-negative integers");
  if (r.begin > r.end)
    fail_tensor(path, name, fmt::format("data_offsets begin {} > end {}", r.begin, r.end));
  if (r.end > data_bytes)
    fail_tensor(
        path, name,
        fmt::format("data_offsets end {} is past the data section ({} bytes)", r.end, data_bytes));
  if (r.end - r.begin != nbytes)
    fail_tensor(path, name,
                fmt::format("data_offsets span {} bytes but {} {} needs {}", r.end - r.begin,
                            dtype_name(*dtype), sh->dump(), nbytes));
  t.name = name;
  t.dtype = *dtype;
  t.nbytes = size_t(nbytes);
}

void parse_metadata(const std::string& path, const json& m,
                    std::map<std::string, std::string>& out) {
  if (!m.is_object()) fail_input("{}: __metadata__ must be an object of strings", path);
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) fail_input("{}: __metadata__ key '{}' must be a string", path, k);
    out.emplace(k, v.get<std::string>());
  }
}

// Parses the header JSON; a duplicate top-level key (which nlohmann would silently collapse,
// hiding one tensor) is an error.
json parse_header_json(const std::string& path, const char* begin, const char* end) {
  std::set<std::string> seen;
  std::string duplicate;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (depth == 1 && ev == json::parse_event_t::key && duplicate.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second) duplicate = key;
    }
    return true;
  };
  json h;
  try {
    h = json::parse(begin, end, cb);
  } catch (const json::exception& e) {
    fail_input("{}: header is not valid JSON: {}", path, e.what());
  }
  if (!h.is_object()) fail_input("{}: header must be a JSON object", path);
  if (!duplicate.empty())
    fail_input("{}: tensor '{}': listed twice in the header", path, duplicate);
  return h;
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  // Checked regular file (no device, FIFO or folder); its size bounds every range below.
  const InputFd in = open_input_file(path, std::numeric_limits<uint64_t>::max(), "weights file");
  const int fd = in.fd;
  const uint64_t file_bytes = in.size;
  if (file_bytes < 8) {
    ::close(fd);
    fail_input("{}: file is {} bytes, shorter than the 8-byte header length", path, file_bytes);
  }
  void* map = mmap(nullptr, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (map == MAP_FAILED) fail_input("{}: cannot map: {}", path, std::strerror(map_errno));
  f.map_ = map;
  f.map_bytes_ = size_t(file_bytes);

  const auto* base = static_cast<const uint8_t*>(map);
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = header_bytes << 8 | base[i];  // little-endian
  if (header_bytes > kMaxHeaderBytes)
    fail_input("{}: header length {} is absurd (limit {} bytes)", path, header_bytes,
               kMaxHeaderBytes);
  if (header_bytes > file_bytes - 8)
    fail_input("{}: header length {} runs past the end of the file ({} bytes)", path, header_bytes,
               file_bytes);
  const char* hbegin = reinterpret_cast<const char*>(base + 8);
  json header = parse_header_json(path, hbegin, hbegin + header_bytes);

  const uint8_t* data = base + 8 + header_bytes;
  const uint64_t data_bytes = file_bytes - 8 - header_bytes;
  std::vector<Range> ranges;
  f.tensors_.reserve(header.size());
  ranges.reserve(header.size());
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      parse_metadata(path, value, f.metadata_);
      continue;
    }
    TensorView t;
    Range r{};
    parse_entry(path, key, value, data_bytes, t, r);
    t.data = data + r.begin;
    f.tensors_.push_back(std::move(t));
    ranges.push_back(r);
  }

  // Order by offset, then check that non-empty ranges do not overlap. Empty tensors occupy no
  // bytes, so they may sit anywhere inside the data section.
  std::vector<uint32_t> order(f.tensors_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (ranges[a].begin != ranges[b].begin) return ranges[a].begin < ranges[b].begin;
    if (ranges[a].end != ranges[b].end) return ranges[a].end < ranges[b].end;
    return f.tensors_[a].name < f.tensors_[b].name;
  });
  std::vector<TensorView> sorted;
  sorted.reserve(order.size());
  uint64_t covered_end = 0;
  size_t covering = SIZE_MAX;  // position in `sorted` of the last non-empty tensor
  for (uint32_t i : order) {
    const Range& r = ranges[i];
    if (r.begin == r.end) {
      sorted.push_back(std::move(f.tensors_[i]));
      continue;
    }
    if (covering != SIZE_MAX && r.begin < covered_end)
      fail_input("{}: tensor '{}': data_offsets [{}, {}] overlap tensor '{}'", path,
                 f.tensors_[i].name, r.begin, r.end, sorted[covering].name);
    covered_end = r.end;
    covering = sorted.size();
    sorted.push_back(std::move(f.tensors_[i]));
  }
  f.tensors_ = std::move(sorted);

  f.by_name_.resize(f.tensors_.size());
  for (uint32_t i = 0; i < f.by_name_.size(); ++i) f.by_name_[i] = i;
  std::sort(f.by_name_.begin(), f.by_name_.end(),
            [&](uint32_t a, uint32_t b) { return f.tensors_[a].name < f.tensors_[b].name; });
  return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      map_(std::exchange(o.map_, nullptr)),
      map_bytes_(std::exchange(o.map_bytes_, 0)),
      tensors_(std::move(o.tensors_)),
      by_name_(std::move(o.by_name_)),
      metadata_(std::move(o.metadata_)) {}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
  if (this != &o) {
    unmap();
    path_ = std::move(o.path_);
    map_ = std::exchange(o.map_, nullptr);
    map_bytes_ = std::exchange(o.map_bytes_, 0);
    tensors_ = std::move(o.tensors_);
    by_name_ = std::move(o.by_name_);
    metadata_ = std::move(o.metadata_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() noexcept {
  if (map_) munmap(map_, map_bytes_);
  map_ = nullptr;
  map_bytes_ = 0;
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [&](uint32_t i, std::string_view n) { return tensors_[i].name < n; });
  if (it == by_name_.end() || tensors_[*it].name != name) return nullptr;
  return &tensors_[*it];
}

const TensorView& SafetensorsFile::at(std::string_view name) const {
  const TensorView* t = find(name);
  if (!t) fail_input("{}: missing tensor '{}'", path_, name);
  return *t;
}

}  // namespace zoomrt
