// The machine's FP32 FMA peak, measured in the same run as the cases it is compared with.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <random>
#include <vector>

#include "kernels/gemm/config.h"
#include "tools/bench/bench.h"

namespace zoomrt::bench {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

namespace {
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
}  // namespace

double measure_peak_gflops(ThreadPool& pool, bool cpu_clock) {
  // The widest FMA loop the CPU runs; on cores that split 512-bit ops in two (Zen 4) this
  // matches AVX2, elsewhere it is the true peak the AVX-512 kernels can reach.
  F32PeakFn peak = nullptr;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (cpu_supports(isa) && isa <= cpu_features().best_isa && f32_fma_peak_fn(isa)) peak = f32_fma_peak_fn(isa);
  const size_t threads = size_t(pool.threads());
  const size_t iters = 5'000'000;  // ~20 ms per thread at a few GHz
  double best = 0;
  for (int rep = 0; rep < 10; ++rep) {
    std::vector<double> flops(threads, 0.0), cpu_gflops(threads, 0.0);
    std::vector<float> sink(threads);
    auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(threads, 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        const double c0 = thread_cpu_seconds();
        flops[t] = peak(iters, &sink[t]);
        cpu_gflops[t] = flops[t] / (thread_cpu_seconds() - c0) * 1e-9;
      }
    });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double total = 0, total_cpu = 0;
    for (size_t t = 0; t < threads; ++t) total += flops[t], total_cpu += cpu_gflops[t];
    best = std::max(best, cpu_clock ? total_cpu : total / s * 1e-9);
  }
  return best;
}

}  // namespace zoomrt::bench
