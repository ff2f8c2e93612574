// The FP32 GEMM kernel table (built from kernels/kernel_list.h) and the choice made once at
// start-up: the most preferred kernel the CPU supports (capped by ZOOMRT_ISA, see
// kernels/cpu_features.h). Blocking sizes come from the cache sizes detected there.
#pragma once
#include <span>
#include <string_view>

#include "kernels/cpu_features.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt {

struct F32GemmKernelInfo {
  std::string_view name;
  Isa isa;
  int mr, nr;
  kern::F32GemmKernelFn kernel;
  kern::F32EpilogueFn epilogue;  // the same ISA's epilogue
};

// Every compiled kernel, in list order (supported by this CPU or not: check cpu_supports(isa)).
std::span<const F32GemmKernelInfo> f32_gemm_kernels();
// The kernel used by pack_b_f32 / conv packing: last supported row of the list under the cap.
const F32GemmKernelInfo& f32_gemm_default();

struct Q8GemmKernelInfo {
  std::string_view name;
  Isa isa;
  int mr, nr, kgroup;
  Q8AFormat a_format;
  kern::Q8GemmKernelFn kernel;
  kern::F32EpilogueFn epilogue;  // bias / activation / residual after the dequant
  void (*quantize_row)(size_t k, size_t k_padded, const float* a, Q8AFormat format, void* out, float* scale);
};
std::span<const Q8GemmKernelInfo> q8_gemm_kernels();
const Q8GemmKernelInfo& q8_gemm_default();

// FMA peak loop of an ISA (see ukernels.h); nullptr when not compiled.
using F32PeakFn = double (*)(size_t iters, float* sink);
F32PeakFn f32_fma_peak_fn(Isa isa);

// Cache blocking limits of the driver (kernels/gemm/driver.h): at most kc_max columns of A per
// pass over C, mc_max rows of A per block, B blocks of l2_block_bytes.
struct GemmBlocking {
  int kc_max, mc_max;
  int l2_block_bytes;
};
// From the L2 size; ZOOMRT_GEMM_KC / _MC / _L2 (bytes) override: tuning knobs for zoomrt-bench.
GemmBlocking gemm_blocking(const F32GemmKernelInfo& kernel);

}  // namespace zoomrt
