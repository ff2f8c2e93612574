#include "runtime/media/video.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
// status, or -1 when it could not start or died of a signal. The child is killed when this
// process dies (PR_SET_PDEATHSIG): a killed run leaves no ffmpeg behind.
static int run_program(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(127);
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Removes "<out>.tmp.*" left by a run that was killed while ffmpeg wrote.
static void remove_stale_temporaries(const std::string& out_path) {
  namespace fs = std::filesystem;
  const fs::path out(out_path);
  const std::string prefix = out.filename().string() + ".tmp.";
  std::error_code ec;
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(prefix, 0) == 0) fs::remove(it->path(), ec);
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
  remove_stale_temporaries(out_path);
  const std::string tmp = fmt::format("{}.tmp.{}.mp4", out_path, ::getpid());
  const std::string again = fmt::format(
      "; the frames are kept: encode them again with --resume, or ffmpeg -framerate {} -start_number 0 -i {} -c:v "
      "libx264 -pix_fmt yuv420p {}",
      fps, frames_pattern, out_path);
  const std::string log = out_path + ".ffmpeg.log";
  const int rc = run_program({ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-framerate", fmt::format("{}", fps),
                              "-start_number", "0", "-i", frames_pattern, "-c:v", "libx264", "-pix_fmt", "yuv420p",
                              "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-movflags", "+faststart", tmp},
                             log);
  if (rc != 0) {
    std::remove(tmp.c_str());
    const std::string why = last_line(log);
    return {false, fmt::format("{}: ffmpeg failed (status {}{}{}; see {}){}", out_path, rc, why.empty() ? "" : ": ",
                               why, log, again),
            true};
  }
  std::remove(log.c_str());
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return {false, fmt::format("{}: cannot rename the encoded video into place: {}{}", out_path, std::strerror(err), again),
            true};
  }
  return {true, fmt::format("wrote {}", out_path)};
}

}  // namespace zoomrt
