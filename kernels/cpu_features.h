// CPU features and cache sizes, detected once per process (cpuid on x86; on aarch64 NEON is
// baseline, nothing to detect). Kernel configs (kernels/gemm/config.h) read this once at start-up
// to pick micro-kernels; hot loops never test features. ZOOMRT_ISA=<isa name> in the environment
// (generic|neon|sse41|avx2|avx512|avx512vnni|amx) caps the ISA the dispatcher may choose, for testing
// the fallbacks on a machine that has more; a name above what the CPU has changes nothing.
#pragma once
#include <string_view>

namespace zoomrt {

// Instruction-set levels our kernels are compiled for, lowest first. Two chains share the
// order: generic < neon (aarch64) and generic < sse41 < avx2 < avx512 < avx512vnni < amx (x86-64).
// Within a chain a level implies the ones below it on every CPU we dispatch to: avx2 means
// AVX2+FMA+F16C, avx512 means F+BW+VL+DQ, avx512vnni adds VNNI (vpdpbusd: u8 x s8 dot products
// into int32, no saturation), amx adds AVX512-BF16, AMX-TILE and AMX-BF16 with the tile state
// granted to this process by the kernel (Linux: arch_prctl ARCH_REQ_XCOMP_PERM). Across chains the order means nothing: cpu_supports() is false for
// the other architecture's levels, and their kernels are not even compiled there. neon sits
// below sse41 so that capping an x86 machine at neon leaves it the generic kernels.
#define ZOOMRT_ISAS(X) \
  X(generic)           \
  X(neon)              \
  X(sse41)             \
  X(avx2)              \
  X(avx512)            \
  X(avx512vnni)        \
  X(amx)

enum class Isa {
#define X(name) name,
  ZOOMRT_ISAS(X)
#undef X
};

std::string_view isa_name(Isa isa);

struct CpuFeatures {
  bool neon = false;  // AArch64 Advanced SIMD (always true there)
  bool sse41 = false;
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avxvnni = false;
  bool avx512bf16 = false;                   // VCVTNEPS2BF16 and friends
  bool amx_tile = false, amx_bf16 = false;  // CPUID
  bool amx_granted = false;                 // the OS enabled and granted the tile data state
  int l1d_bytes = 32 * 1024;   // per core; defaults when the OS does not say
  int l2_bytes = 512 * 1024;   // per core
  Isa best_isa = Isa::generic; // highest level fully supported, capped by ZOOMRT_ISA
};

// Detected on first call (thread-safe static), then constant.
const CpuFeatures& cpu_features();

// True when kernels compiled for `isa` may run on this CPU (ignores the ZOOMRT_ISA cap, so tests
// can still exercise every kernel the hardware supports).
bool cpu_supports(Isa isa);

}  // namespace zoomrt
