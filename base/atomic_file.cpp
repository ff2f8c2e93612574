#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt {

OutputTarget resolve_output(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {path, false};  // absent (or unreachable: fopen says why)
  std::string target = path;
  if (S_ISLNK(st.st_mode)) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf) || ::stat(buf, &st) != 0)
      fail_input("{}: is a symbolic link whose target does not exist; refusing to write through it", path);
    target = buf;
  }
  if (S_ISREG(st.st_mode)) return {target, false};
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return {target, true};
  fail_input("{}: is {}; refusing to replace it with a file", path, file_kind_name(st.st_mode));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const OutputTarget out = resolve_output(path_);
  if (out.write_through) {
    // O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of blocking the run; then blocking
    // writes as usual. No O_CREAT, no O_TRUNC: the node stays what it is.
    int fd = ::open(out.target.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENXIO) fail_input("{}: is a FIFO that nobody reads; refusing to wait for a reader", path_);
    if (fd < 0) fail_input("{}: cannot write: {}", path_, std::strerror(errno));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    file_ = ::fdopen(fd, "wb");
    if (!file_) {
      ::close(fd);
      fail_input("{}: cannot write: {}", path_, std::strerror(errno));
    }
    return;
  }
  tmp_path_ = out.target + ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) fail_input("{}: cannot create '{}': {}", path_, tmp_path_, std::strerror(errno));
  rename_to_ = out.target;
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !tmp_path_.empty()) std::remove(tmp_path_.c_str());
}

void AtomicFile::fail_io(const char* what) {
  int err = errno;
  if (file_) std::fclose(file_);
  file_ = nullptr;
  if (!tmp_path_.empty()) std::remove(tmp_path_.c_str());
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
  if (!tmp_path_.empty() && std::rename(tmp_path_.c_str(), rename_to_.c_str()) != 0)
    fail_io("rename the temporary file");
  committed_ = true;
}

}  // namespace zoomrt
