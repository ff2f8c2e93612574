#include "runtime/video.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <vector>

extern char** environ;

namespace zoomrt {

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string full = dir + "/" + program;
    if (::access(full.c_str(), X_OK) == 0) return full;
    start = end + 1;
  }
  return {};
}

// Runs argv with stdin from /dev/null and stdout+stderr into `log_path`; returns the exit
// status, or -1 when it could not start or died of a signal.
static int run_program(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static std::string last_line(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  std::string last;
  char buf[1024];
  while (std::fgets(buf, sizeof buf, f)) {
    std::string line = buf;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) last = line;
  }
  std::fclose(f);
  return last;
}

VideoResult encode_video(const std::string& frames_pattern, double fps, const std::string& out_path) {
  const std::string ffmpeg = find_on_path("ffmpeg");
  if (ffmpeg.empty()) return {false, "ffmpeg not found on PATH: frames written, no video (install ffmpeg for zoom.mp4)"};
  const std::string tmp = fmt::format("{}.tmp.{}.mp4", out_path, ::getpid());
  const std::string log = out_path + ".ffmpeg.log";
  const int rc = run_program({ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-framerate", fmt::format("{}", fps),
                              "-start_number", "0", "-i", frames_pattern, "-c:v", "libx264", "-pix_fmt", "yuv420p",
                              "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-movflags", "+faststart", tmp},
                             log);
  if (rc != 0) {
    std::remove(tmp.c_str());
    const std::string why = last_line(log);
    return {false, fmt::format("ffmpeg failed (status {}{}{}); frames written, no video; see {}", rc,
                               why.empty() ? "" : ": ", why, log)};
  }
  std::remove(log.c_str());
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return {false, fmt::format("{}: cannot rename the encoded video into place", out_path)};
  }
  return {true, fmt::format("wrote {}", out_path)};
}

}  // namespace zoomrt
