// Runs the built zoomrt binary for CLI tests: exit status, stdout and stderr.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

struct CliResult {
  int status = -1;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// `args` is passed to the shell after the binary's path (and `prefix` before it); quote as needed.
inline CliResult run_cli_with_prefix(const std::string& prefix, const std::string& args) {
  static int counter = 0;
  std::string base = "/tmp/zoomrt_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string cmd = prefix + std::string(ZOOMRT_CLI) + " " + args + " >" + base + ".out 2>" + base + ".err";
  int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = read_text(base + ".out");
  r.err = read_text(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

// The same with `env_assignments` ("PATH=/x:/usr/bin") set for the binary only.
inline CliResult run_cli(const std::string& args) { return run_cli_with_prefix("", args); }

inline CliResult run_cli_env(const std::string& env_assignments, const std::string& args) {
  return run_cli_with_prefix("env " + env_assignments + " ", args);
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}
