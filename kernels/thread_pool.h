// A small fixed thread pool with one primitive: parallel_for over [0, n) in contiguous chunks.
// Kernels split work so that each output element is computed by exactly one task with a
// fixed summation order, so results never depend on the thread count.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace zoomrt {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: hardware concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n); the calling thread takes part.
  // `grain` is the smallest chunk worth a task. Not reentrant: fn must not call parallel_for.
  void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

  // Busy time per thread: nanoseconds spent inside fn since set_busy_timing(true), index 0 for
  // the thread(s) calling parallel_for, i for the i-th worker (threads() entries). Off by
  // default, and then no clock is read (`zoomrt zoom --trace` turns it on).
  void set_busy_timing(bool on);
  std::vector<int64_t> busy_ns();

 private:
  void worker_loop(int index);
  void add_busy(int thread, std::chrono::steady_clock::time_point since);  // with mu_ held

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_n_ = 0, job_chunk_ = 0, next_chunk_ = 0, chunks_ = 0, finished_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<bool> timing_{false};
  std::vector<int64_t> busy_ns_;
};

// The process-wide pool used by kernels when the caller passes none; sized by set_threads().
ThreadPool& default_pool();
void set_default_threads(int threads);

}  // namespace zoomrt
