// zoomrt-bench internals: a benchmark case is one op on one shape by one implementation.
// Case families (one file each: cases_gemm.cpp, cases_conv.cpp, ...) append their cases in the
// order of ZOOMRT_BENCH_FAMILIES; main.cpp times them and prints a table or the JSON object the
// issue specifies: {peak_gflops, cases: [{op, dtype, shape, impl, gflops, seconds}]}.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "kernels/gemm/gemm.h"
#include "kernels/thread_pool.h"

namespace zoomrt::bench {

// The one list of case families: X(function that appends the family's cases).
#define ZOOMRT_BENCH_FAMILIES(X) \
  X(add_gemm_cases)              \
  X(add_conv_cases)              \
  X(add_attention_cases)

// A runner does the measured work once; what it needs (inputs, packed weights, baseline
// primitives) is made by the case's `prepare` and freed after timing, so only one case's
// buffers are alive at a time.
using Runner = std::function<void()>;

struct Case {
  std::string op;     // "linear", "conv3x3", "conv1x1", ...
  std::string dtype;  // "f32", ...
  std::string shape;  // human-readable and stable, e.g. "m4096_n2560_k320"
  std::string impl;   // "zoomrt", "openblas" or "onednn"
  double flops;       // useful work: 2*M*N*K for GEMM-like ops
  std::function<Runner(ThreadPool&)> prepare;
};

#define X(fn) void fn(std::vector<Case>& cases, int threads);
ZOOMRT_BENCH_FAMILIES(X)
#undef X

// Deterministic pseudo-random fill in [-1, 1) (benchmarks do not check values, only need
// realistic non-denormal data).
std::vector<float> random_floats(size_t n, uint32_t seed);

// Weight formats the f32 GEMM expands per B block (BFormat f16, palette, sparse24), benchmarked as
// extra zoomrt rows of every linear and convolution shape: f16 values, 4-bit palette indices
// with one 16-entry codebook per layer (palette4) or per output column (palette4-ch), 2:4 sparse
// f16 values (sparse24, only where K % 4 == 0; its GFLOP/s count the dense 2*M*N*K, so it
// compares with f32 directly).
inline constexpr const char* kExpandedDtypes[] = {"f16", "palette4", "palette4-ch", "sparse24"};
// B [n, k] for f32_gemm_default() in one of kExpandedDtypes, from random codes (coded_weights.cpp).
PackedGemmB random_expanded_b(const std::string& dtype, int n, int k);

// FP32 FMA peak of this machine in GFLOP/s with `pool.threads()` threads, best of several runs
// (cpu_clock: each thread's FLOPs over its own CPU time, summed).
double measure_peak_gflops(ThreadPool& pool, bool cpu_clock);

// The --unet-step formats (--dtype names): the plain formats, W4A8, and the mixed presets that
// meet the accuracy targets (runtime/exec/precision.h).
inline constexpr const char* kUnetStepDtypes[] = {"f32",      "f16",      "bf16",       "int8",        "int4",
                                                  "int4a8",   "int8-mix", "int4-mix",   "int4a8-mix", "palette4-mix"};

// --unet-step: one full UNet step at 512x512, batch 2, on the full-size SD2-inpainting
// architecture with random weights, once per kUnetStepDtypes entry. The weights are written once
// to an fp16 safetensors file (1.7 GB) in a temporary directory under $TMPDIR (else /tmp),
// removed at the end; each format runs in a child process that maps it, so its peak RSS is its
// own and that of a run from a file.
// Returns one JSON object per format: {dtype, seconds, peak_rss_bytes, peak_rss_build_bytes,
// rss_before_step_bytes, weight_bytes_packed, threads}, or {dtype, error} (unet_step.cpp).
// filter: only formats whose name contains it (empty: all).
std::vector<std::string> run_unet_steps(int threads, const std::string& filter);

}  // namespace zoomrt::bench
