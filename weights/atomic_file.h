// AtomicFile: writes "<path>.tmp.<pid>" and renames it to <path> on commit(), so no file is
// ever left half-written under its final name. Destroying an uncommitted AtomicFile (an
// exception while writing) removes the temporary file. I/O failures throw InputError naming
// the final path. Not thread-safe; one writer per object.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace zoomrt {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates the temporary file
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view s) { write(s.data(), s.size()); }
  void commit();  // flush, close, rename over <path>

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail_io(const char* what);

  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

}  // namespace zoomrt
