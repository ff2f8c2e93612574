// Shared by the fast-kernel tests: run a check once per FP32 GEMM micro-kernel of the kernel
// list that this CPU supports; a kernel whose ISA is missing is skipped with a warning, never
// failed (STYLE.md).
#pragma once
#include <catch2/catch.hpp>

#include "kernels/cpu_features.h"
#include "kernels/gemm/config.h"

namespace zoomrt::test {

template <class Fn>
void for_each_kernel(Fn&& fn) {
  for (const F32GemmKernelInfo& kernel : f32_gemm_kernels()) {
    if (!cpu_supports(kernel.isa)) {
      WARN("skipped " << kernel.name << ": this CPU lacks " << isa_name(kernel.isa));
      continue;
    }
    fn(kernel);
  }
}

}  // namespace zoomrt::test
