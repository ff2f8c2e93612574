#include "runtime/zoom/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace zoomrt {

std::string format_duration(double seconds) {
  long s = long(std::ceil(std::max(0.0, seconds)));
  const long h = s / 3600, m = (s / 60) % 60;
  s %= 60;
  if (h) return fmt::format("{}h{:02}m{:02}s", h, m, s);
  if (m) return fmt::format("{}m{:02}s", m, s);
  return fmt::format("{}s", s);
}

Progress::Progress(int total, bool quiet, std::FILE* out, int tty)
    : total_(total), quiet_(quiet), out_(out), start_(std::chrono::steady_clock::now()) {
  tty_ = tty >= 0 ? tty != 0 : ::isatty(::fileno(out)) != 0;
}

Progress::~Progress() { finish(); }

void Progress::clear_bar() {
  if (bar_shown_) std::fputs("\r\033[K", out_);
  bar_shown_ = false;
}

void Progress::update(int done, const std::string& label) {
  if (quiet_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string eta = done > 0 && done < total_
                              ? "ETA " + format_duration(elapsed / done * (total_ - done))
                              : "elapsed " + format_duration(elapsed);
  if (!tty_) {
    fmt::print(out_, "{} done ({}/{}), {}\n", label, done, total_, eta);
    std::fflush(out_);
    return;
  }
  constexpr int kBarWidth = 30;
  const int filled = total_ > 0 ? done * kBarWidth / total_ : kBarWidth;
  clear_bar();
  fmt::print(out_, "[{}{}] {}/{} {}  {}", std::string(size_t(filled), '#'), std::string(size_t(kBarWidth - filled), '.'),
             done, total_, label, eta);
  std::fflush(out_);
  bar_shown_ = true;
}

void Progress::message(const std::string& line) {
  if (quiet_) return;
  clear_bar();
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

void Progress::finish() {
  if (bar_shown_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  bar_shown_ = false;
}

}  // namespace zoomrt
