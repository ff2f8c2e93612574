// For CLI tests that edit copies of the tiny model: a scratch folder per test process, the tiny
// model made once in it, copies to edit, and the bad-input check (exit 2, one line, naming ...).
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "cli_util.h"

namespace cli_test {

class TinyModelScratch {
 public:
  // /tmp/zoomrt_<tag>_<pid>, emptied when made.
  explicit TinyModelScratch(const std::string& tag)
      : dir_("/tmp/zoomrt_" + tag + "_" + std::to_string(::getpid())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  // Removed with the test process (each test case runs in its own process under ctest): a
  // scratch folder holds model copies of a few hundred MB, which /tmp must not collect.
  ~TinyModelScratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TinyModelScratch(const TinyModelScratch&) = delete;
  TinyModelScratch& operator=(const TinyModelScratch&) = delete;
  const std::string& dir() const { return dir_; }
  // The tiny model (f32), made on first use.
  const std::string& tiny_model() {
    if (tiny_.empty()) {
      const std::string p = dir_ + "/tiny";
      REQUIRE(run_cli("make-model --config tiny --dtype f32 --out " + p).status == 0);
      tiny_ = p;
    }
    return tiny_;
  }
  // A fresh copy of the tiny model under `name`, to edit.
  std::string copy_model(const std::string& name) {
    const std::string d = dir_ + "/" + name;
    std::filesystem::remove_all(d);
    std::filesystem::copy(tiny_model(), d, std::filesystem::copy_options::recursive);
    return d;
  }

 private:
  std::string dir_, tiny_;
};

// Bad input: exit status 2, one line on stderr, mentioning every string of `must_mention`.
inline void expect_bad(const CliResult& r, const std::vector<std::string>& must_mention) {
  INFO("status " << r.status << ", stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  for (const auto& m : must_mention) CHECK_THAT(r.err, Catch::Contains(m));
}

}  // namespace cli_test
