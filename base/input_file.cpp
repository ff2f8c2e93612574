#include "base/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace zoomrt {

std::string_view file_kind_name(unsigned mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

InputFd open_input_file(const std::string& path, uint64_t max_bytes, std::string_view what) {
  // O_NONBLOCK: opening a FIFO with no writer must not hang; a regular file ignores it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) fail_input("{}: cannot read {}: {}", path, what, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail_input("{}: cannot read {}: {}", path, what, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail_input("{}: cannot read {}: {}, not a regular file", path, what, file_kind_name(st.st_mode));
  }
  if (uint64_t(st.st_size) > max_bytes) {
    ::close(fd);
    fail_input("{}: {} is {} bytes, above the limit of {}", path, what, uint64_t(st.st_size), max_bytes);
  }
  return {fd, uint64_t(st.st_size)};
}

std::string read_input_file(const std::string& path, uint64_t max_bytes, std::string_view what) {
  InputFd in = open_input_file(path, max_bytes, what);
  std::string text(size_t(in.size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(in.fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(in.fd);
      fail_input("{}: cannot read {}: {}", path, what, std::strerror(err));
    }
    if (n == 0) break;  // shrank while we read: keep what is there
    got += size_t(n);
  }
  ::close(in.fd);
  text.resize(got);
  return text;
}

}  // namespace zoomrt
