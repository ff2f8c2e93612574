#include "weights/model_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kWholeFileBytes = 16ull << 20;     // smaller files are hashed whole
constexpr uint64_t kPrefixBytes = 1ull << 20;         // larger non-safetensors files: this prefix
constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;
constexpr size_t kMaxFiles = 100000;

struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  }
  void add_u64(uint64_t v) { add(std::string_view(reinterpret_cast<const char*>(&v), sizeof v)); }
};

// Bytes [0, n) of a checked regular file.
std::string read_prefix(const InputFd& in, uint64_t n) {
  std::string s(size_t(std::min(n, in.size)), '\0');
  size_t got = 0;
  while (got < s.size()) {
    ssize_t r = ::pread(in.fd, s.data() + got, s.size() - got, off_t(got));
    if (r <= 0) break;
    got += size_t(r);
  }
  s.resize(got);
  return s;
}

void hash_file(Fnv& f, const fs::path& path, std::string_view what) {
  const InputFd in = open_input_file(path.string(), UINT64_MAX, what);
  f.add_u64(in.size);
  uint64_t n = in.size <= kWholeFileBytes ? in.size : kPrefixBytes;
  if (path.extension() == ".safetensors" && in.size >= 8) {
    const std::string len = read_prefix(in, 8);
    uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = header << 8 | uint8_t(len[size_t(i)]);
    n = 8 + std::min(header, kMaxSafetensorsHeader);
  }
  f.add(read_prefix(in, n));
  ::close(in.fd);
}

}  // namespace

std::string model_content_hash(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
    if (files.size() > kMaxFiles) fail_input("{}: more than {} files in a model directory", dir, kMaxFiles);
  }
  if (ec) fail_input("{}: cannot list the model directory: {}", dir, ec.message());
  std::sort(files.begin(), files.end());
  Fnv f;
  for (const fs::path& p : files) {
    f.add(fs::relative(p, dir, ec).string());
    f.add(std::string_view("\0", 1));
    hash_file(f, p, "model file");
  }
  return fmt::format("{:016x}", f.h);
}

std::string file_content_hash(const std::string& path) {
  Fnv f;
  hash_file(f, path, "file");
  return fmt::format("{:016x}", f.h);
}

}  // namespace zoomrt
