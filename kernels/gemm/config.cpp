#include "kernels/gemm/config.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "kernels/gemm/driver.h"

namespace zoomrt {

namespace {

constexpr F32GemmKernelInfo kKernels[] = {
#define X(name, isa, mr, nr) {#name, Isa::isa, mr, nr, &kern::name, &kern::f32_epilogue__##isa},
    ZOOMRT_F32_GEMM_KERNELS(X)
#undef X
};

constexpr Q8GemmKernelInfo kQ8Kernels[] = {
#define X(name, isa, epi_isa, mr, nr, kgroup, a_format)                                                 \
  {#name, Isa::isa, mr, nr, kgroup, Q8AFormat::a_format, &kern::name, &kern::f32_epilogue__##epi_isa, \
   &kern::q8_quantize_row__##epi_isa},
    ZOOMRT_Q8_GEMM_KERNELS(X)
#undef X
};

// The drivers run N-tail tiles through a stack scratch of kern::kMaxTileFloats.
constexpr bool tiles_fit_scratch() {
  for (const auto& k : kKernels)
    if (k.mr * k.nr > kern::kMaxTileFloats) return false;
  for (const auto& k : kQ8Kernels)
    if (k.mr * k.nr > kern::kMaxTileFloats) return false;
  return true;
}
static_assert(tiles_fit_scratch(), "a micro-tile exceeds the drivers' scratch tile");

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  int x = v ? std::atoi(v) : 0;
  return x > 0 ? x : fallback;
}

}  // namespace

std::span<const F32GemmKernelInfo> f32_gemm_kernels() { return kKernels; }

const F32GemmKernelInfo& f32_gemm_default() {
  static const F32GemmKernelInfo* chosen = [] {
    const F32GemmKernelInfo* best = &kKernels[0];
    for (const auto& k : kKernels)
      if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) best = &k;
    return best;
  }();
  return *chosen;
}

std::span<const Q8GemmKernelInfo> q8_gemm_kernels() { return kQ8Kernels; }

const Q8GemmKernelInfo& q8_gemm_default() {
  static const Q8GemmKernelInfo* chosen = [] {
    const Q8GemmKernelInfo* best = &kQ8Kernels[0];
    for (const auto& k : kQ8Kernels)
      if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) best = &k;
    return best;
  }();
  return *chosen;
}

F32PeakFn f32_fma_peak_fn(Isa isa) {
  switch (isa) {
#define X(name) \
  case Isa::name: return &kern::f32_fma_peak__##name;
    ZOOMRT_F32_ISAS(X)
#undef X
    default: return nullptr;
  }
}

GemmBlocking gemm_blocking(const F32GemmKernelInfo& kernel) {
  // Long k blocks: the micro-kernel streams both operands from L2 at full speed, and every
  // extra k block costs a pass over C. Half of L2 holds the B block. Tall A blocks (they live
  // in L3) let each B block serve many micro-rows once it has come from memory. Tuned with
  // zoomrt-bench on Zen 4 (1 MiB L2): kc 512..1024 and L2/4..3L2/4 are within noise; mc 1024
  // beat 512 by 2-3 % where M = 1024 (one task per thread reads B once, not twice).
  static const GemmBlocking tuned = [] {
    GemmBlocking b;
    b.kc_max = env_int("ZOOMRT_GEMM_KC", 1024);
    b.l2_block_bytes = env_int("ZOOMRT_GEMM_L2", cpu_features().l2_bytes / 2);
    b.mc_max = env_int("ZOOMRT_GEMM_MC", 1024);
    return b;
  }();
  GemmBlocking b = tuned;
  b.mc_max = std::max(kernel.mr, b.mc_max / kernel.mr * kernel.mr);
  return b;
}

}  // namespace zoomrt
