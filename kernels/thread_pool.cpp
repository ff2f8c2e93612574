#include "kernels/thread_pool.h"

#include <algorithm>
#include <memory>
#include <system_error>

namespace zoomrt {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  // As many workers as the machine lets us start: a thread limit (ulimit -u, a container's
  // pids.max) gives a smaller pool rather than an exception that would leave started threads
  // unjoined. Results do not depend on the thread count.
  for (int i = 1; i < threads; ++i) {
    try {
      workers_.emplace_back([this, i] { worker_loop(i); });
    } catch (const std::system_error&) {
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::parallel_for(size_t n, size_t grain,
                              const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  size_t max_chunks = (n + grain - 1) / grain;
  size_t chunks = std::min<size_t>(max_chunks, size_t(threads()) * 4);
  if (chunks <= 1 || workers_.empty()) {
    const bool timing = timing_.load(std::memory_order_relaxed);
    const auto t0 = timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    fn(0, n);
    if (timing) {
      std::lock_guard<std::mutex> lock(mu_);
      add_busy(0, t0);
    }
    return;
  }
  size_t chunk = (n + chunks - 1) / chunks;
  chunks = (n + chunk - 1) / chunk;
  std::unique_lock<std::mutex> lock(mu_);
  job_ = &fn;
  job_n_ = n;
  job_chunk_ = chunk;
  next_chunk_ = 0;
  chunks_ = chunks;
  finished_ = 0;
  ++generation_;
  wake_.notify_all();
  while (next_chunk_ < chunks_) {
    size_t c = next_chunk_++;
    const bool timing = timing_.load(std::memory_order_relaxed);
    lock.unlock();
    const auto t0 = timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    fn(c * chunk, std::min(n, (c + 1) * chunk));
    lock.lock();
    if (timing) add_busy(0, t0);
    ++finished_;
  }
  done_.wait(lock, [&] { return finished_ == chunks_; });
  job_ = nullptr;
}

void ThreadPool::set_busy_timing(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  timing_ = on;
  busy_ns_.resize(size_t(threads()), 0);
}

std::vector<int64_t> ThreadPool::busy_ns() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int64_t> out = busy_ns_;
  out.resize(size_t(threads()), 0);
  return out;
}

void ThreadPool::add_busy(int thread, std::chrono::steady_clock::time_point since) {
  busy_ns_[size_t(thread)] +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count();
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (generation_ != seen && job_ && next_chunk_ < chunks_); });
    if (stop_) return;
    while (job_ && next_chunk_ < chunks_) {
      size_t c = next_chunk_++;
      const auto* fn = job_;
      size_t begin = c * job_chunk_, end = std::min(job_n_, (c + 1) * job_chunk_);
      const bool timing = timing_.load(std::memory_order_relaxed);
      lock.unlock();
      const auto t0 = timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
      (*fn)(begin, end);
      lock.lock();
      if (timing) add_busy(index, t0);
      if (++finished_ == chunks_) done_.notify_all();
    }
    seen = generation_;
  }
}

namespace {
std::unique_ptr<ThreadPool>& pool_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
}  // namespace

ThreadPool& default_pool() {
  auto& p = pool_slot();
  if (!p) p = std::make_unique<ThreadPool>(0);
  return *p;
}

void set_default_threads(int threads) { pool_slot() = std::make_unique<ThreadPool>(threads); }

}  // namespace zoomrt
