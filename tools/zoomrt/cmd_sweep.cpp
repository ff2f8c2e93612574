// zoomrt sweep: every point of a design space simulated as `zoomrt sim` would, one JSON line per
// point in DIR/points.jsonl (resumable), then the Pareto front over (FPS, power, area) and the
// points that meet the space's targets. Engines: threads in this process (default; they share
// the workload graphs and the plan caches), or Ray (--ray: tools/sweep/ray_sweep.py runs batches
// of points through this binary's batch mode, --points A:B --lines -). docs/sweep.md.
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kernels/thread_pool.h"
#include "sweep/pareto.h"
#include "sweep/points.h"
#include "sweep/points_file.h"
#include "tools/zoomrt/commands.h"
#include "tools/zoomrt/sweep_point.h"
#include "tools/zoomrt/sweep_report.h"
#include "base/error.h"

namespace zoomrt::cli {
namespace {
using nlohmann::json;

struct SweepOptions {
  std::string space, out, ray, points, lines;
  int jobs = 0;   // 0: every core
  int batch = 0;  // points per batch; 0: chosen from the point count
  bool dry_run = false, list_pending = false;
};

// The line of point i: {"hash", "config", "figures"} (canonical: keys sorted, compact).
std::string point_line(sweep::PointSet& ps, PointEvaluator& ev, size_t i) {
  const json config = ps.config(i);
  const std::string origin = fmt::format("{}: point {} ({})", ps.space().origin, i, ps.label(i));
  json line = {{"hash", sweep::config_hash(config)},
               {"config", config},
               {"figures", ev.figures(config, origin)}};
  return line.dump();
}

// "A:B" -> [A, B) within [0, n).
std::pair<size_t, size_t> parse_range(const std::string& s, size_t n) {
  const auto colon = s.find(':');
  size_t a = 0, b = 0;
  try {
    if (colon == std::string::npos) throw std::invalid_argument(s);
    size_t used = 0;
    a = std::stoul(s.substr(0, colon), &used);
    if (used != colon) throw std::invalid_argument(s);
    b = std::stoul(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    fail_input("--points: \"{}\": expected A:B (point indices, B exclusive)", s);
  }
  if (a >= b || b > n)
    fail_input("--points: {}:{}: must satisfy A < B <= {} (the space's points)", a, b, n);
  return {a, b};
}

int batch_size(const SweepOptions& o, size_t pending, int jobs) {
  if (o.batch > 0) return o.batch;
  return int(std::clamp<size_t>(pending / (size_t(jobs) * 4), 1, 32));
}

// Checks every point to run before anything is written: run options, the workload they need
// (built now and kept), and the NPU description (PointSet::config).
void check_points(sweep::PointSet& ps, PointEvaluator& ev, const std::vector<size_t>& idx) {
  std::set<std::string> prepared;
  for (size_t i : idx) {
    const json c = ps.config(i);
    const std::string origin = fmt::format("{}: point {} ({})", ps.space().origin, i, ps.label(i));
    const PointRun r = point_run(c["run"], origin);
    if (prepared.insert(c["run"].dump()).second) ev.prepare(r, origin);
  }
}

// Runs `pending` on `jobs` threads in contiguous batches; each line is appended as it finishes.
void run_local(sweep::PointSet& ps, PointEvaluator& ev, const std::vector<size_t>& pending,
               int jobs, int batch, sweep::PointsAppender& out) {
  std::mutex mu;
  std::exception_ptr error;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  const size_t batches = (pending.size() + size_t(batch) - 1) / size_t(batch);
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t)
    threads.emplace_back([&] {
      for (size_t b = next++; b < batches && !stop; b = next++)
        for (size_t k = b * size_t(batch);
             k < std::min(pending.size(), (b + 1) * size_t(batch)) && !stop; ++k) {
          try {
            const std::string line = point_line(ps, ev, pending[k]);
            std::lock_guard lock(mu);
            out.append(line);
          } catch (...) {
            std::lock_guard lock(mu);
            if (!error) error = std::current_exception();
            stop = true;
          }
        }
    });
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

// --ray HOST:PORT must accept a TCP connection within 5 s (Ray itself would retry for minutes).
void check_ray_address(const std::string& address) {
  if (address == "auto") return;
  const auto colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    fail_input("--ray {}: expected auto or HOST:PORT of a Ray head", address);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
    fail_input("--ray {}: cannot resolve {}", address, host);
  const int fd =
      ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, res->ai_protocol);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      socklen_t len = sizeof(err);
      err = ::poll(&p, 1, 5000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
                ? err
                : ETIMEDOUT;
    }
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(res);
  if (err) fail_input("--ray {}: cannot connect: {}", address, std::strerror(err));
}

[[noreturn]] void exec_ray(const SweepOptions& o) {
  const std::string python = sweep_env() + "/bin/python";
  if (::access(python.c_str(), X_OK) != 0)
    fail_input("--ray: the Ray environment {} is missing: run {}/tools/sweep/setup_venv.sh",
               sweep_env(), ZOOMRT_SOURCE_DIR);
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  const std::string space = std::filesystem::absolute(o.space).string();
  const std::string out = std::filesystem::absolute(o.out).string();
  const std::string driver = std::string(ZOOMRT_SOURCE_DIR) + "/tools/sweep/ray_sweep.py";
  std::vector<std::string> args = {python, driver,  "--zoomrt", self,        "--space",
                                   space,  "--out", out,        "--address", o.ray};
  if (o.batch > 0) args.insert(args.end(), {"--batch", std::to_string(o.batch)});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execv(python.c_str(), argv.data());
  fail_input("--ray: cannot run {}: {}", python, std::strerror(errno));
}

void run_sweep(const SweepOptions& o) {
  const sweep::Space space = sweep::load_space(o.space, sweep_run_defaults());
  sweep::PointSet ps(space);
  PointEvaluator ev;
  if (o.dry_run) {
    std::printf("%zu points (%zu combinations before the constraints)\n", ps.size(),
                ps.combinations());
    for (size_t i = 0; i < ps.size(); ++i)
      std::printf("%zu %s %s\n", i, sweep::config_hash(ps.config(i)).c_str(), ps.label(i).c_str());
    return;
  }
  if (!o.points.empty()) {  // batch mode: lines of [A, B) on stdout, in order
    if (o.lines != "-") fail_input("--points: needs --lines - (the batch mode prints its lines)");
    const auto [a, b] = parse_range(o.points, ps.size());
    std::vector<size_t> idx;
    for (size_t i = a; i < b; ++i) idx.push_back(i);
    set_default_threads(1);
    check_points(ps, ev, idx);
    for (size_t i : idx) {
      const std::string line = point_line(ps, ev, i);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
    return;
  }
  if (o.out.empty())
    fail_input("--out: required (the sweep's directory), unless --dry-run or --points");
  if (!o.ray.empty()) {
    check_ray_address(o.ray);
    std::vector<size_t> all(ps.size());
    for (size_t i = 0; i < ps.size(); ++i) all[i] = i;
    check_points(ps, ev, all);  // bad input ends here, before the driver starts
    exec_ray(o);
  }
  // Every point's configuration and hash; finished points are skipped.
  std::vector<std::string> hashes(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) hashes[i] = sweep::config_hash(ps.config(i));
  const std::string points_path = o.out + "/points.jsonl";
  const auto done = sweep::read_points(points_path, false);
  std::vector<size_t> pending;
  for (size_t i = 0; i < ps.size(); ++i)
    if (!done.count(hashes[i])) pending.push_back(i);
  const int jobs = o.jobs > 0 ? o.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  const int batch = batch_size(o, pending.size(), jobs);
  set_default_threads(1);  // parallel over points; the pool is not reentrant across threads
  check_points(ps, ev, pending);
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) fail_input("--out: {}: cannot create: {}", o.out, ec.message());
  sweep::read_points(points_path, true);  // cut a torn last line before appending
  if (o.list_pending) {  // for the Ray driver: the pending points in batches, "A:B" per line
    for (size_t k = 0; k < pending.size();) {
      size_t e = k + 1;
      while (e < pending.size() && e - k < size_t(batch) && pending[e] == pending[e - 1] + 1) ++e;
      std::printf("%zu:%zu\n", pending[k], pending[e - 1] + 1);
      k = e;
    }
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  {
    sweep::PointsAppender out(points_path);
    run_local(ps, ev, pending, jobs, batch, out);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(
      stderr,
      "zoomrt sweep: %zu points run (%zu already done) in %.2f s on %d thread(s): %.3f points/s\n",
      pending.size(), ps.size() - pending.size(), secs, jobs,
      secs > 0 ? double(pending.size()) / secs : 0.0);
  finish_sweep(ps, hashes, o.out);
}

}  // namespace

void setup_sweep(CLI::App& sub) {
  auto o = std::make_shared<SweepOptions>();
  sub.add_option("space", o->space,
                 "the space file (JSON: base, axes, constraints, targets; docs/sweep.md)")
      ->required();
  sub.add_option("--out", o->out,
                 "directory of points.jsonl, pareto.json, pareto.csv and pareto.png");
  sub.add_option("--jobs", o->jobs, "threads of the local engine (default: every core)")
      ->check(CLI::Range(1, 1024));
  sub.add_option("--ray", o->ray,
                 "run on Ray: auto | ADDRESS (host:port of the head; tools/sweep/setup_venv.sh)");
  sub.add_option("--batch", o->batch,
                 "points per batch (a thread's or Ray task's unit; default from the count)")
      ->check(CLI::Range(1, 100000));
  sub.add_flag("--dry-run", o->dry_run,
               "count and list the points (index, hash, axis values); run nothing");
  sub.add_option("--points", o->points,
                 "batch mode: run points A:B (B exclusive) and print their lines");
  sub.add_option("--lines", o->lines, "with --points: - (stdout)");
  sub.add_flag("--list-pending", o->list_pending,
               "with --out: print the unfinished points as A:B batches");
  sub.callback([o] { run_sweep(*o); });
}

}  // namespace zoomrt::cli
