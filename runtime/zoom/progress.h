// Progress of a zoom run on stderr: on a terminal one self-rewriting bar with the ETA, otherwise
// one plain line per finished unit (scripts and logs stay readable); nothing when quiet.
// The ETA is elapsed / done * remaining, counted in units of work (keyframes), since the
// inpainting of a keyframe dominates everything else.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace zoomrt {

// "1h02m03s", "4m05s", "12s" (whole seconds, rounded up).
std::string format_duration(double seconds);

class Progress {
 public:
  // `total` units; `out` is where to print (stderr in the CLI); tty: auto-detect when -1.
  Progress(int total, bool quiet, std::FILE* out = stderr, int tty = -1);
  ~Progress();

  // Unit `done` (1-based count) finished; `label` describes it ("keyframe 3/8").
  void update(int done, const std::string& label);
  void message(const std::string& line);  // a whole line, not erased by the bar
  void finish();                          // ends the bar's line

 private:
  void clear_bar();

  int total_;
  bool quiet_, tty_, bar_shown_ = false;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace zoomrt
