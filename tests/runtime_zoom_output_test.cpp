// Outputs beside the frames: the MP4 through ffmpeg (skipped where ffmpeg is absent), the
// clear message without it, and the progress display on a terminal, in a log and quiet.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "runtime/media/image_io.h"
#include "runtime/zoom/progress.h"
#include "runtime/media/video.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

std::string frames_dir() {
  static std::string d = [] {
    std::string p = "/tmp/zoomrt_zoom_output_" + std::to_string(::getpid());
    fs::remove_all(p);
    fs::create_directories(p + "/frames");
    for (int i = 0; i < 6; ++i) {
      Image img{32, 24, std::vector<float>(3 * 32 * 24, float(i) / 6)};
      save_png(img, fmt::format("{}/frames/{:06}.png", p, i));
    }
    return p;
  }();
  return d;
}

std::string captured(std::FILE* f) {
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += char(c);
  return s;
}

}  // namespace

TEST_CASE("zoom.mp4 through ffmpeg when it is on PATH") {
  if (find_on_path("ffmpeg").empty()) {
    WARN("ffmpeg not on PATH: video encoding not tested");
    return;
  }
  const std::string out = frames_dir() + "/zoom.mp4";
  const VideoResult r = encode_video(frames_dir() + "/frames/%06d.png", 30, out);
  INFO(r.message);
  REQUIRE(r.written);
  CHECK(fs::file_size(out) > 0);
  std::ifstream f(out, std::ios::binary);
  char head[12] = {};
  f.read(head, 12);
  CHECK(std::string(head + 4, 4) == "ftyp");  // an MP4 container
}

TEST_CASE("without ffmpeg: no video, a message that says so, frames untouched") {
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", "/nonexistent-zoomrt-path", 1);
  const VideoResult r = encode_video(frames_dir() + "/frames/%06d.png", 30, frames_dir() + "/none.mp4");
  ::setenv("PATH", old_path.c_str(), 1);
  CHECK_FALSE(r.written);
  CHECK_THAT(r.message, Catch::Contains("ffmpeg not found"));
  CHECK_FALSE(fs::exists(frames_dir() + "/none.mp4"));
}

TEST_CASE("progress: plain lines off a terminal, a bar with ETA on one, nothing when quiet") {
  CHECK(format_duration(5.2) == "6s");
  CHECK(format_duration(125) == "2m05s");
  CHECK(format_duration(3723) == "1h02m03s");

  std::FILE* plain = std::tmpfile();
  {
    Progress p(4, false, plain, 0);
    p.update(1, "keyframe 1/4");
    p.update(4, "keyframe 4/4");
  }
  const std::string lines = captured(plain);
  CHECK_THAT(lines, Catch::Contains("keyframe 1/4 done (1/4), ETA"));
  CHECK_THAT(lines, Catch::Contains("(4/4), elapsed"));
  CHECK(lines.find('\r') == std::string::npos);

  std::FILE* tty = std::tmpfile();
  {
    Progress p(4, false, tty, 1);
    p.update(2, "keyframe 2/4");
  }
  const std::string bar = captured(tty);
  CHECK_THAT(bar, Catch::Contains("[###############...............] 2/4"));
  CHECK_THAT(bar, Catch::Contains("ETA"));

  std::FILE* quiet = std::tmpfile();
  {
    Progress p(4, true, quiet, 1);
    p.update(2, "keyframe 2/4");
    p.message("hello");
  }
  CHECK(captured(quiet).empty());
}
