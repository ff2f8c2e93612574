// zoomrt-bench [--json] [--threads N] [--filter SUBSTR] [--min-seconds S] [--min-runs N] [--cpu-clock]
//              [--unet-step]   (only the full UNet step per weight format, see bench.h)
// Measures the FP32 FMA peak, then every case (ours and the baselines on the same shapes) and
// prints a table, or with --json one object: {peak_gflops, threads, isa, f32_kernel, cases: [...]}.
// --unet-step prints {unet_step: [...]} (one object per format, see run_unet_steps).
#include <unistd.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>
#include <cblas.h>
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "kernels/cpu_features.h"
#include "kernels/gemm/config.h"
#include "tools/bench/bench.h"

namespace zoomrt::bench {
namespace {

struct Timing {
  double seconds;  // best single run
  int runs;
};

// Seconds on the wall clock, or (--cpu-clock) CPU seconds of this process divided by the
// thread count: on a loaded shared machine the latter shows what the kernel would do given the
// cores, but it also counts the baselines' spin-waiting, so wall time is the figure of record.
double now_seconds(bool cpu_clock, int threads) {
  if (!cpu_clock) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec)) / threads;
}

// The implementations of one op on one shape, timed in interleaved rounds (ours, OpenBLAS,
// oneDNN, ours, ...) so that load from other processes on a shared machine hits them alike;
// each keeps its best run (the least disturbed figure). One warm-up run each first: first-touch
// pages, caches, lazy initialisation in the baselines.
std::vector<Timing> time_group(const std::vector<Runner>& runs, double min_seconds, int min_runs, bool cpu_clock,
                               int threads) {
  for (const Runner& run : runs) run();
  std::vector<Timing> t(runs.size(), Timing{1e30, 0});
  double total = 0;
  for (int round = 0; round < 1000 && (round < min_runs || total < min_seconds * double(runs.size())); ++round)
    for (size_t i = 0; i < runs.size(); ++i) {
      const double t0 = now_seconds(cpu_clock, threads);
      runs[i]();
      const double sec = now_seconds(cpu_clock, threads) - t0;
      t[i].seconds = std::min(t[i].seconds, sec);
      ++t[i].runs;
      total += sec;
    }
  return t;
}

}  // namespace
}  // namespace zoomrt::bench

// oneDNN's OpenMP threads keep spinning for a while after each call (libgomp's default wait
// policy) and steal a core from the implementation timed right after them in the interleaved
// rounds. Side by side (2026-11-21, --threads 2 --filter linear_f32): zoomrt f32 at 109-187
// GF/s under libgomp's default policy against 208-222 passive (the 0.24 ms m77 case unaffected),
// 110-221 with OMP_WAIT_POLICY=active. libgomp reads the policy when it is loaded, before main,
// so the bench re-executes itself once with a passive policy (and OpenBLAS threads told to sleep
// soon) unless the caller chose one.
static void use_passive_thread_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  if (!std::getenv("OPENBLAS_THREAD_TIMEOUT")) setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
}

int main(int argc, char** argv) {
  using namespace zoomrt;
  use_passive_thread_waits(argv);
  CLI::App app{"zoomrt-bench: zoomrt kernels vs. the machine's FMA peak, OpenBLAS and oneDNN"};
  bool json = false;
  int threads = 0;
  std::string filter;
  double min_seconds = 0.3;
  int min_runs = 3;
  bool cpu_clock = false;
  bool unet_step = false;
  app.add_flag("--json", json, "print one JSON object instead of a table");
  app.add_option("--threads", threads, "threads for every implementation (default: all cores)");
  app.add_option("--filter", filter, "only cases whose op_dtype_shape_impl contains this substring");
  app.add_option("--min-seconds", min_seconds, "time each case at least this long in total (best run counts)");
  app.add_option("--min-runs", min_runs, "and at least this many runs, interleaved with the other impls");
  app.add_flag("--cpu-clock", cpu_clock, "time by process CPU seconds / threads (tuning on a loaded machine)");
  app.add_flag("--unet-step", unet_step,
               fmt::format("instead of the kernel cases: one full SD2-inpainting UNet step at 512x512, batch 2, "
                           "random weights, per format {} (seconds, peak RSS; --filter picks formats); takes minutes",
                           fmt::join(bench::kUnetStepDtypes, "/")));
  CLI11_PARSE(app, argc, argv);
  if (unet_step) {  // before any pool or OpenMP thread exists: run_unet_steps forks per format
    const auto lines = bench::run_unet_steps(threads, filter);
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& l : lines) steps.push_back(nlohmann::json::parse(l));
    std::cout << nlohmann::json{{"unet_step", steps}}.dump(2) << "\n";
    return 0;
  }

  ThreadPool pool(threads);
  threads = pool.threads();
  openblas_set_num_threads(threads);
  omp_set_num_threads(threads);

  double peak = bench::measure_peak_gflops(pool, cpu_clock);
  const std::string isa(isa_name(cpu_features().best_isa));
  const std::string kernel(f32_gemm_default().name);
  if (!json)
    fmt::print("threads {}  isa {}  f32 kernel {}  measured FMA peak {:.1f} GFLOP/s\n", threads, isa, kernel,
               peak);

  std::vector<bench::Case> cases;
#define X(fn) bench::fn(cases, threads);
  ZOOMRT_BENCH_FAMILIES(X)
#undef X

  nlohmann::json out = {{"peak_gflops", peak}, {"threads", threads}, {"isa", isa}, {"f32_kernel", kernel}};
  out["cases"] = nlohmann::json::array();
  std::vector<const bench::Case*> selected;
  for (const bench::Case& c : cases)
    if (filter.empty() || (c.op + "_" + c.dtype + "_" + c.shape + "_" + c.impl).find(filter) != std::string::npos)
      selected.push_back(&c);
  for (size_t g0 = 0; g0 < selected.size();) {  // groups: consecutive cases of one op and shape
    size_t g1 = g0 + 1;
    while (g1 < selected.size() && selected[g1]->op == selected[g0]->op && selected[g1]->shape == selected[g0]->shape)
      ++g1;
    std::vector<bench::Runner> runs;
    for (size_t i = g0; i < g1; ++i) runs.push_back(selected[i]->prepare(pool));
    const auto timings = bench::time_group(runs, min_seconds, min_runs, cpu_clock, threads);
    for (size_t i = g0; i < g1; ++i) {
      const bench::Case& c = *selected[i];
      const bench::Timing& t = timings[i - g0];
      const double gflops = c.flops / t.seconds * 1e-9;
      out["cases"].push_back({{"op", c.op}, {"dtype", c.dtype}, {"shape", c.shape}, {"impl", c.impl},
                              {"gflops", gflops}, {"seconds", t.seconds}});
      if (!json)
        fmt::print("{:<8} {:<11} {:<28} {:<9} {:8.1f} GFLOP/s {:6.1f}% peak  {:9.6f} s  ({} runs)\n", c.op, c.dtype,
                   c.shape, c.impl, gflops, 100.0 * gflops / peak, t.seconds, t.runs);
    }
    std::fflush(stdout);
    g0 = g1;
  }
  // Measured again at the end, the better figure kept: a peak taken while the shared machine was
  // busy would flatter every case's percentage.
  peak = std::max(peak, bench::measure_peak_gflops(pool, cpu_clock));
  out["peak_gflops"] = peak;
  if (!json) fmt::print("measured FMA peak at the end: {:.1f} GFLOP/s (the higher one counts)\n", peak);
  if (json) std::cout << out.dump(2) << "\n";
  return 0;
}
