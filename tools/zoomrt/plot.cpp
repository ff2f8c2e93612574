// Runs the embedded tools/plot/ scripts with python3 (see plot.h).
#include "tools/zoomrt/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "base/atomic_file.h"
#include "base/embedded_text.h"
#include "base/error.h"

extern char** environ;

namespace zoomrt {
const EmbeddedTexts& embedded_plot_scripts();  // generated from tools/plot/*.py: {module name, source}
}

namespace zoomrt::cli {

namespace {

constexpr const char* kInstall = "scripts/setup.sh (or: apt-get install python3-matplotlib)";

// A Python bytes literal holding `s` exactly (every byte outside printable ASCII escaped).
std::string bytes_literal(std::string_view s) {
  std::string out = "b\"";
  static const char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += char(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "\"";
}

// The program given to `python3 -c`: an import hook serving the embedded modules, then plot.main.
std::string bootstrap_program() {
  std::string p =
      "import importlib.abc, importlib.util, sys\n"
      "_src = {\n";
  for (const auto& [name, text] : embedded_plot_scripts())
    p += "    \"" + std::string(name) + "\": " + bytes_literal(text) + ",\n";
  p +=
      "}\n"
      "class _Embedded(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
      "    def find_spec(self, name, path=None, target=None):\n"
      "        return importlib.util.spec_from_loader(name, self) if name in _src else None\n"
      "    def create_module(self, spec):\n"
      "        return None\n"
      "    def exec_module(self, module):\n"
      "        code = compile(_src[module.__name__].decode('utf-8'), 'tools/plot/' + module.__name__ + '.py', 'exec')\n"
      "        exec(code, module.__dict__)\n"
      "sys.meta_path.insert(0, _Embedded())\n"
      "import plot\n"
      "sys.exit(plot.main(sys.argv[1:]))\n";
  return p;
}

struct Outcome {
  int status = -1;     // exit status, or -1 when python3 could not be started
  int spawn_errno = 0;  // why it could not
  std::string err;     // the end of its stderr
};

Outcome run_python(const std::vector<std::string>& args) {
  Outcome r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.spawn_errno = errno;
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    r.spawn_errno = rc;
    return r;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.err.append(buf, size_t(n));
    if (r.err.size() > 16384) r.err.erase(0, r.err.size() - 8192);  // keep the end
  }
  ::close(fds[0]);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return r;
}

// $ZOOMRT_PYTHON; else Debian's /usr/bin/python3 (the one python3-matplotlib installs into, even
// when a pyenv or venv python3 comes first on PATH); else python3 on PATH.
std::string chart_python() {
  if (const char* e = std::getenv("ZOOMRT_PYTHON"); e && *e) return e;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

std::string last_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

std::string chart_data_path(const std::string& png) {
  const std::string ext = ".png";
  if (png.size() > ext.size() && png.compare(png.size() - ext.size(), ext.size(), ext) == 0)
    return png.substr(0, png.size() - ext.size()) + ".json";
  return png + ".json";
}

void draw_chart(const std::string& option, const std::string& kind, const std::string& input,
                const std::string& png) {
  const Outcome r = run_python({chart_python(), "-c", bootstrap_program(), kind, input, png});
  if (r.status == -1)
    fail_input("{}: cannot run {} ({}) to draw {}: install it with {}; the data is in {}", option,
               chart_python(), std::strerror(r.spawn_errno), png, kInstall, input);
  if (r.status == 3)
    fail_input("{}: {} has no matplotlib to draw {}: install it with {}; the data is in {}", option,
               chart_python(), png, kInstall, input);
  if (r.status != 0)
    fail_input("{}: drawing {} from {} failed (python3 exit {}): {}", option, png, input, r.status,
               last_line(r.err));
}

void draw_chart_from(const std::string& option, const std::string& kind, const nlohmann::json& data,
                     const std::string& png) {
  const std::string path = chart_data_path(png);
  AtomicFile f(path);
  f.write(data.dump(1) + "\n");
  f.commit();
  draw_chart(option, kind, path, png);
}

}  // namespace zoomrt::cli
