// DIR/points.jsonl: one JSON line per finished point {"hash", "config", "figures"}. Appends are
// written whole and fsync'd, so a run killed at any moment loses no finished point; a torn last
// line (a kill mid-write) is cut off when the file is opened again, and a hash already present is
// never written twice. When a sweep completes, the file is rewritten atomically in point order,
// so every engine and every resume order ends with the same bytes.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace zoomrt::sweep {

// The complete lines of `path` by hash (first occurrence kept; a missing file is empty). With
// `repair`, a torn last line (no final newline) is truncated away in the file. A complete line
// that is not a JSON object with a 16-hex-digit "hash" is an InputError naming the file and line.
std::map<std::string, std::string> read_points(const std::string& path, bool repair);

// Appends lines (each without its newline) to `path`, fsync'ing after each.
class PointsAppender {
 public:
  explicit PointsAppender(const std::string& path);  // InputError when it cannot be opened
  ~PointsAppender();
  PointsAppender(const PointsAppender&) = delete;
  PointsAppender& operator=(const PointsAppender&) = delete;
  void append(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
};

// Rewrites `path` atomically with `lines` in the given order (each line + '\n').
void rewrite_points(const std::string& path, const std::vector<std::string>& lines);

// The hash field of a line (the first 16 hex digits after "hash":"); empty if absent.
std::string line_hash(const std::string& line);

}  // namespace zoomrt::sweep
