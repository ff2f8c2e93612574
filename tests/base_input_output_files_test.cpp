// The file mechanisms every reader and writer goes through (issue 16, classes 1-3):
// read_input_file / open_input_file refuse what is not a regular file and check the size cap
// before reading; AtomicFile replaces only regular files (or absent paths), writes through
// character devices and FIFOs, keeps symlinks, refuses the rest; checked_int and friends
// refuse values that do not fit instead of truncating. Device nodes are private copies made
// with mknod in a temporary folder (skipped with a message when not root); no test touches
// the system's /dev/null.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "base/atomic_file.h"
#include "base/checked_number.h"
#include "base/error.h"
#include "base/input_file.h"
#include "base/json_config.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

const std::string& scratch() {
  static const std::string d = [] {
    std::string p = "/tmp/zoomrt_files_" + std::to_string(::getpid());
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
  }();
  return d;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A private character device with the numbers of /dev/null (1, 3) or /dev/zero (1, 5); "" when
// this process may not create one.
std::string private_device(const std::string& name, unsigned minor) {
  const std::string p = scratch() + "/" + name;
  fs::remove(p);
  if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, minor)) != 0) return "";
  return p;
}

}  // namespace

TEST_CASE("read_input_file reads a regular file whole and names the path in every refusal") {
  const std::string p = scratch() + "/plain.txt";
  std::ofstream(p) << "hello\n";
  CHECK(read_input_file(p, 100, "text") == "hello\n");
  CHECK_THROWS_WITH(read_input_file(p, 5, "text"), Catch::Contains(p + ": text is 6 bytes, above the limit of 5"));
  CHECK_THROWS_WITH(read_input_file(scratch() + "/absent", 100, "text"),
                    Catch::StartsWith(scratch() + "/absent: cannot read text: No such file"));
  CHECK_THROWS_WITH(read_input_file(scratch(), 100, "text"), Catch::Contains("a folder, not a regular file"));
}

TEST_CASE("a FIFO is refused at once, not waited on or read") {
  const std::string p = scratch() + "/fifo_in";
  fs::remove(p);
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(read_input_file(p, 1 << 20, "image"), Catch::Contains(p + ": cannot read image: a FIFO"));
  CHECK_THROWS_AS(JsonConfig::load(p), InputError);
}

TEST_CASE("a sparse file above the cap is refused from its size, before any byte is read") {
  const std::string p = scratch() + "/sparse.bin";
  {
    std::ofstream(p).close();
  }
  fs::resize_file(p, uint64_t(3) << 30);  // 3 GiB, no blocks on disk
  CHECK_THROWS_WITH(read_input_file(p, kMaxTextBytes, "prompt file"),
                    Catch::Contains("prompt file is 3221225472 bytes, above the limit of 16777216"));
  CHECK_THROWS_WITH(JsonConfig::load(p), Catch::Contains("above the limit of 268435456"));
  fs::remove(p);
}

TEST_CASE("a device, and a symlink to one, are refused as input (private /dev/zero copy)") {
  const std::string zero = private_device("zero", 5);
  if (zero.empty()) {
    WARN("not root: no private device node, device input not tested (FIFOs are)");
    return;
  }
  CHECK_THROWS_WITH(read_input_file(zero, 1 << 20, "tokenizer file"),
                    Catch::Contains(zero + ": cannot read tokenizer file: a character device, not a regular file"));
  const std::string link = scratch() + "/vocab.json";
  fs::remove(link);
  fs::create_symlink(zero, link);
  CHECK_THROWS_WITH(JsonConfig::load(link), Catch::Contains("a character device, not a regular file"));
}

TEST_CASE("AtomicFile writes through a character device and leaves it a device (private /dev/null copy)") {
  const std::string null = private_device("null", 3);
  if (null.empty()) {
    WARN("not root: no private device node, write-through to devices not tested (FIFOs are)");
    return;
  }
  AtomicFile f(null);
  CHECK(f.writes_through());
  f.write("trace line\n");
  f.commit();
  struct stat st {};
  REQUIRE(::lstat(null.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(major(st.st_rdev) == 1);
  CHECK(minor(st.st_rdev) == 3);
  for (const auto& e : fs::directory_iterator(scratch()))
    CHECK(e.path().filename().string().find("null.tmp.") == std::string::npos);
}

TEST_CASE("AtomicFile: a FIFO with a reader is written through, one without a reader is refused") {
  const std::string p = scratch() + "/fifo_out";
  fs::remove(p);
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(AtomicFile(p), Catch::Contains(p + ": is a FIFO that nobody reads"));
  std::string got;
  const int rfd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK);  // a reader that is already there
  REQUIRE(rfd >= 0);
  {
    AtomicFile f(p);
    CHECK(f.writes_through());
    f.write("through the pipe");
    f.commit();
  }
  char buf[64];
  const ssize_t n = ::read(rfd, buf, sizeof buf);
  ::close(rfd);
  REQUIRE(n > 0);
  CHECK(std::string(buf, size_t(n)) == "through the pipe");
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("AtomicFile: a symlink stays a link and its regular target is replaced, dangling links and folders are refused") {
  const std::string target = scratch() + "/real.json", link = scratch() + "/link.json";
  std::ofstream(target) << "old";
  fs::remove(link);
  fs::create_symlink(target, link);
  {
    AtomicFile f(link);
    CHECK_FALSE(f.writes_through());
    f.write("new");
    f.commit();
  }
  CHECK(fs::is_symlink(link));
  CHECK(slurp(target) == "new");
  const std::string dangling = scratch() + "/dangling";
  fs::remove(dangling);
  fs::create_symlink(scratch() + "/nowhere/x", dangling);
  CHECK_THROWS_WITH(AtomicFile(dangling), Catch::Contains("symbolic link whose target does not exist"));
  const std::string dir = scratch() + "/a_folder";
  fs::create_directories(dir);
  CHECK_THROWS_WITH(AtomicFile(dir), Catch::Contains(dir + ": is a folder; refusing to replace it"));
}

TEST_CASE("AtomicFile on an absent or regular path still goes through a temporary and a rename") {
  const std::string p = scratch() + "/plain_out.txt";
  fs::remove(p);
  {
    AtomicFile f(p);
    CHECK_FALSE(f.writes_through());
    f.write("abc");
    CHECK_FALSE(fs::exists(p));  // nothing under the final name before commit
    f.commit();
  }
  CHECK(slurp(p) == "abc");
}

TEST_CASE("checked numbers: out of range or not fitting is refused with the name, never truncated") {
  CHECK(checked_int(7, 0, 10, "k") == 7);
  CHECK_THROWS_WITH(checked_int(4294967297LL, 1, INT64_MAX, "x.cfg: ArrayWidth"),
                    "x.cfg: ArrayWidth is 4294967297, expected 1..2147483647");
  CHECK_THROWS_WITH(checked_int(-1, 0, 5, "--seed"), "--seed is -1, expected 0..5");
  CHECK_THROWS_AS(checked_real(std::nan(""), 0, 1, "k"), InputError);
  CHECK_THROWS_WITH(checked_range(4294967297LL, 1, 65536, "x.cfg: arraywidth"),
                    "x.cfg: arraywidth is 4294967297, expected 1..65536");
  CHECK(checked_real(0.5, 0, 1, "k") == 0.5);
}

TEST_CASE("JsonConfig::get_int_in names the file and key of a value out of range") {
  const std::string p = scratch() + "/sched.json";
  std::ofstream(p) << R"({"steps_offset": 99999, "num_train_timesteps": 1e3, "big": 18446744073709551615})";
  const JsonConfig c = JsonConfig::load(p);
  CHECK_THROWS_WITH(c.get_int_in("steps_offset", 0, 0, 999), p + ": key 'steps_offset' is 99999, expected 0..999");
  CHECK_THROWS_WITH(c.get_int_in("big", 0, 0, 10), Catch::Contains("key 'big' must be an integer"));
  CHECK(c.get_int_in("absent", 5, 0, 10) == 5);
  CHECK_THROWS_WITH(c.get_float_in("steps_offset", 0, 0, 1), Catch::Contains("key 'steps_offset' is 99999"));
}
