// The thread pool on a machine that cannot start the threads asked for (issue 16, class 1:
// `zoom --threads 40000` aborted on an uncaught std::system_error). A forked child lowers its
// address-space limit so that thread stacks cannot be mapped (root ignores RLIMIT_NPROC, not
// RLIMIT_AS), asks for 1024 threads, and must get a smaller pool that still computes the right
// sum; the parent checks the child's exit status. Sanitizer runtimes and qemu-user (the cross
// check) reserve more address space than the limit allows, so the limited child only runs in
// plain native builds.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>
#include <cstdint>
#include <exception>
#include <mutex>

#include <catch2/catch.hpp>

#include "kernels/thread_pool.h"

using namespace zoomrt;

namespace {

// Sum of 0..n-1 through parallel_for; the reference is n(n-1)/2.
uint64_t pool_sum(ThreadPool& pool, size_t n) {
  std::atomic<uint64_t> sum{0};
  pool.parallel_for(n, 64, [&](size_t begin, size_t end) {
    uint64_t s = 0;
    for (size_t i = begin; i < end; ++i) s += i;
    sum += s;
  });
  return sum.load();
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(ZOOMRT_UNDER_EMULATOR)
// Child exit codes: 0 ok, 10 pool not smaller, 11 wrong sum, 12 setrlimit failed, 13 the
// process would have terminated (an exception escaping the pool), instead of Catch2's handler.
int limited_child(rlim_t address_space_bytes) {
  std::set_terminate([] { _exit(13); });
  rlimit lim{address_space_bytes, address_space_bytes};
  if (setrlimit(RLIMIT_AS, &lim) != 0) return 12;
  ThreadPool pool(1024);  // 1024 default 8 MB stacks need 8 GB of address space
  if (pool.threads() < 1 || pool.threads() >= 1024) return 10;
  const size_t n = 100000;
  if (pool_sum(pool, n) != uint64_t(n) * (n - 1) / 2) return 11;
  return 0;
}
#endif

}  // namespace

TEST_CASE("thread pool: as many threads as asked when the machine allows, the same sum") {
  ThreadPool pool(3);
  CHECK(pool.threads() == 3);
  const size_t n = 12345;
  CHECK(pool_sum(pool, n) == uint64_t(n) * (n - 1) / 2);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(ZOOMRT_UNDER_EMULATOR)
TEST_CASE("thread pool: a machine that cannot start 1024 threads gives a smaller pool, no abort") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(limited_child(rlim_t(512) << 20));
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO("child status " << status << " (exit 10: pool not smaller, 11: wrong sum, 12: setrlimit, "
                                    "13: terminate)");
  REQUIRE(WIFEXITED(status));  // a std::system_error escaping the pool would abort (a signal)
  CHECK(WEXITSTATUS(status) == 0);
}
#endif

// Busy time (zoom --trace's worker lanes): each chunk sleeps a known time, so every thread's
// count is at least the sleeps of the chunks it ran (which thread ran which chunk is recorded
// by the chunks themselves); nothing is counted while timing is off.
TEST_CASE("thread pool: busy time per thread covers the work each thread did, and only while on") {
  ThreadPool pool(2);
  REQUIRE(pool.threads() == 2);
  const auto nap = std::chrono::milliseconds(5);
  const auto run = [&] {
    pool.parallel_for(8, 1, [&](size_t, size_t) { std::this_thread::sleep_for(nap); });
  };
  run();
  for (int64_t b : pool.busy_ns()) CHECK(b == 0);  // timing off: no clock read, nothing counted
  pool.set_busy_timing(true);
  std::mutex mu;
  std::vector<std::thread::id> ran;  // one entry per chunk: the thread that ran it
  pool.parallel_for(8, 1, [&](size_t begin, size_t end) {
    std::this_thread::sleep_for(nap * (end - begin));
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = begin; i < end; ++i) ran.push_back(std::this_thread::get_id());
  });
  REQUIRE(ran.size() == 8);
  const std::vector<int64_t> busy = pool.busy_ns();
  REQUIRE(busy.size() == 2);
  size_t by_caller = 0;
  for (const std::thread::id& id : ran) by_caller += id == std::this_thread::get_id();
  const int64_t nap_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(nap).count();
  CHECK(busy[0] >= int64_t(by_caller) * nap_ns);
  CHECK(busy[1] >= int64_t(8 - by_caller) * nap_ns);
  // A single-chunk job runs on the caller and counts there.
  const int64_t before = busy[0];
  pool.parallel_for(1, 1, [&](size_t, size_t) { std::this_thread::sleep_for(nap); });
  CHECK(pool.busy_ns()[0] >= before + nap_ns);
  CHECK(pool.busy_ns()[1] == busy[1]);
}
