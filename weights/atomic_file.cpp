#include "weights/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "weights/error.h"

namespace zoomrt {

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) fail_input("{}: cannot create '{}': {}", path_, tmp_path_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_path_.c_str());
}

void AtomicFile::fail_io(const char* what) {
  int err = errno;
  if (file_) std::fclose(file_);
  file_ = nullptr;
  std::remove(tmp_path_.c_str());
  fail_input("{}: cannot {}: {}", path_, what, std::strerror(err));
}

void AtomicFile::write(const void* data, size_t bytes) {
  if (!file_) throw std::logic_error("AtomicFile::write after commit");
  if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) fail_io("write");
}

void AtomicFile::commit() {
  if (!file_) throw std::logic_error("AtomicFile::commit twice");
  if (std::fflush(file_) != 0) fail_io("write");
  std::FILE* f = std::exchange(file_, nullptr);
  if (std::fclose(f) != 0) fail_io("write");
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) fail_io("rename the temporary file");
  committed_ = true;
}

}  // namespace zoomrt
