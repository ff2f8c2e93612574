// points.jsonl reading, appending and final rewrite (see points_file.h).
#include "sweep/points_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"

namespace zoomrt::sweep {

namespace {
bool is_hash(const std::string& h) {
  if (h.size() != 16) return false;
  for (char c : h)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

std::string line_hash(const std::string& line) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("hash") || !j["hash"].is_string())
    return "";
  const std::string h = j["hash"].get<std::string>();
  return is_hash(h) ? h : "";
}

std::map<std::string, std::string> read_points(const std::string& path, bool repair) {
  std::map<std::string, std::string> out;
  std::ifstream f(path, std::ios::binary);
  if (!f) return out;
  std::ostringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size() && repair) {
    if (::truncate(path.c_str(), off_t(complete)) != 0)
      fail_input("{}: cannot cut its torn last line: {}", path, std::strerror(errno));
  }
  size_t pos = 0, line_no = 0;
  while (pos < complete) {
    const size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (line.empty()) continue;
    const std::string h = line_hash(line);
    if (h.empty())
      fail_input("{}: line {}: not a sweep point line (a JSON object with a \"hash\")", path,
                 line_no);
    out.emplace(h, line);
  }
  return out;
}

PointsAppender::PointsAppender(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_input("{}: cannot open for appending: {}", path, std::strerror(errno));
}

PointsAppender::~PointsAppender() {
  if (fd_ >= 0) ::close(fd_);
}

void PointsAppender::append(const std::string& line) {
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_input("{}: write failed: {}", path_, std::strerror(errno));
    done += size_t(n);
  }
  if (::fsync(fd_) != 0) fail_input("{}: fsync failed: {}", path_, std::strerror(errno));
}

void rewrite_points(const std::string& path, const std::vector<std::string>& lines) {
  AtomicFile f(path);
  for (const auto& l : lines) {
    f.write(l);
    f.write("\n");
  }
  f.commit();
}

}  // namespace zoomrt::sweep
