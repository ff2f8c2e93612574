// points.jsonl (sweep/points_file.h, issue 13 item 3): a torn last line is cut off on resume, a
// hash is kept once, a malformed complete line is an error naming the line, appends land whole.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "sweep/points_file.h"
#include "base/error.h"

using namespace zoomrt::sweep;

namespace {
std::string tmp_path(const char* name) {
  return "/tmp/zoomrt_sweep_" + std::to_string(::getpid()) + "_" + name;
}
void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}
std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
const std::string kA = R"({"hash":"00000000000000aa","figures":{"fps":1}})";
const std::string kB = R"({"hash":"00000000000000bb","figures":{"fps":2}})";
}  // namespace

TEST_CASE("sweep points file: a killed run's torn last line is cut off, finished lines kept") {
  const std::string p = tmp_path("torn.jsonl");
  write(p, kA + "\n" + kB + "\n" + R"({"hash":"00000000000000cc","fig)");
  const auto without_repair = read_points(p, false);
  CHECK(without_repair.size() == 2);
  CHECK(read(p).size() == kA.size() + kB.size() + 2 + 31);  // untouched
  const auto lines = read_points(p, true);
  REQUIRE(lines.size() == 2);
  CHECK(lines.at("00000000000000aa") == kA);
  CHECK(lines.at("00000000000000bb") == kB);
  CHECK(read(p) == kA + "\n" + kB + "\n");
  {
    PointsAppender out(p);
    out.append(R"({"hash":"00000000000000cc"})");
  }
  CHECK(read(p) == kA + "\n" + kB + "\n" + R"({"hash":"00000000000000cc"})" + "\n");
  CHECK(read_points(p, true).size() == 3);
  std::remove(p.c_str());
  CHECK(read_points(p, true).empty());  // a missing file: nothing done yet
}

TEST_CASE("sweep points file: a hash is kept once, a malformed line is an error naming it") {
  const std::string p = tmp_path("dup.jsonl");
  write(p, kA + "\n" + kA + "\n" + kB + "\n");
  CHECK(read_points(p, false).size() == 2);
  write(p, kA + "\nnot json\n");
  CHECK_THROWS_WITH(read_points(p, false),
                    p + ": line 2: not a sweep point line (a JSON object with a \"hash\")");
  write(p, kA + "\n" + R"({"hash":"xyz"})" + "\n");
  CHECK_THROWS_AS(read_points(p, false), zoomrt::InputError);
  rewrite_points(p, {kB, kA});
  CHECK(read(p) == kB + "\n" + kA + "\n");
  CHECK(line_hash(kB) == "00000000000000bb");
  std::remove(p.c_str());
}
