#include "runtime/zoom/out_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

#include "base/error.h"

namespace zoomrt {

class OutDirLock {
 public:
  explicit OutDirLock(int fd) : fd_(fd) {}
  ~OutDirLock() { ::close(fd_); }  // closing the last descriptor releases the flock
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  int fd_;
};

namespace {

using Key = std::pair<dev_t, ino_t>;

std::mutex& held_mutex() {
  static std::mutex m;
  return m;
}
std::map<Key, std::weak_ptr<OutDirLock>>& held() {
  static std::map<Key, std::weak_ptr<OutDirLock>> h;
  return h;
}

}  // namespace

std::shared_ptr<OutDirLock> lock_out_dir(const std::string& dir, const char* option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return nullptr;
  }
  const std::lock_guard<std::mutex> guard(held_mutex());
  const Key key{st.st_dev, st.st_ino};
  if (auto it = held().find(key); it != held().end())
    if (std::shared_ptr<OutDirLock> lock = it->second.lock()) {
      ::close(fd);
      return lock;
    }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      fail_input("{}: '{}' is in use by another zoomrt run; wait for it to finish or choose another directory",
                 option, dir);
    fail_input("{}: cannot lock '{}': {}", option, dir, std::strerror(err));
  }
  auto lock = std::make_shared<OutDirLock>(fd);
  held()[key] = lock;
  return lock;
}

}  // namespace zoomrt
