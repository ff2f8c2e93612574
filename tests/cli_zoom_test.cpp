// `zoomrt zoom` on bad input: one line on stderr naming the option or file, exit status 2,
// checked before any model is loaded, and an existing run's files left as they were.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "cli_util.h"

namespace fs = std::filesystem;

namespace {

std::string work_dir() {
  static std::string d = [] {
    std::string p = "/tmp/zoomrt_cli_zoom_" + std::to_string(::getpid());
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
  }();
  return d;
}

void expect_bad(const std::string& args, const std::string& must_mention) {
  const CliResult r = run_cli("zoom --prompt 'a lighthouse' --quiet " + args);
  INFO("args: " << args << "\nstderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(must_mention));
}

}  // namespace

TEST_CASE("zoom refuses bad options with one line and exit status 2") {
  const std::string out = "--out " + work_dir() + "/out";
  expect_bad(out + " --width 500", "multiples of 8");
  expect_bad(out + " --height 12", "multiples of 8");
  expect_bad(out + " --keyframes 0", "--keyframes");
  expect_bad(out + " --frames-between -1", "--frames-between");
  expect_bad(out + " --zoom 0.5", "--zoom");
  expect_bad(out + " --border 300", "--border");
  expect_bad(out + " --zoom 2 --border 64", "excludes");
  expect_bad(out + " --fps 0", "--fps");
  expect_bad(out + " --steps 0", "--steps");
  expect_bad(out + " --dtype f8", "--dtype");
  expect_bad(out + " --prompt-at 'x:a storm'", "--prompt-at");
  expect_bad(out + " --prompt-at '3 a storm'", "missing ':'");
  expect_bad(out + " --prompt-file " + work_dir() + "/no-such-prompts.txt", "no-such-prompts.txt");
  expect_bad(out + " --image " + work_dir() + "/no-such.png", "no-such.png");
  std::ofstream(work_dir() + "/corrupt.jpg") << "\xff\xd8\xff garbage";
  expect_bad(out + " --image " + work_dir() + "/corrupt.jpg", "corrupt.jpg");
  std::ofstream(work_dir() + "/file") << "x";
  expect_bad("--out " + work_dir() + "/file/sub", "--out");
  const CliResult no_out = run_cli("zoom --prompt p");
  CHECK(no_out.status == 2);
}

TEST_CASE("zoom leaves an existing run alone unless --resume is given") {
  const std::string dir = work_dir() + "/previous";
  fs::create_directories(dir + "/frames");
  std::ofstream(dir + "/frames/000000.png") << "earlier frame";
  std::ofstream(dir + "/state.json") << "{}";
  expect_bad("--out " + dir, "previous run");
  CHECK(read_text(dir + "/frames/000000.png") == "earlier frame");
  CHECK(read_text(dir + "/state.json") == "{}");
  expect_bad("--out " + dir + " --resume", "state.json");  // not a zoomrt state: refused, kept
  CHECK(read_text(dir + "/state.json") == "{}");
}
