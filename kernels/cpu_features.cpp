#include "kernels/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdlib>
#include <fstream>
#include <string>

namespace zoomrt {

std::string_view isa_name(Isa isa) {
  switch (isa) {
#define X(name) \
  case Isa::name: return #name;
    ZOOMRT_ISAS(X)
#undef X
  }
  return "?";
}

namespace {

#if defined(__x86_64__) || defined(__i386__)
// Asks Linux for the AMX tile data state (XCR0 bits 17-18 must be on, then the per-process
// permission, Linux >= 5.16). Once granted, every thread of the process may use the tiles.
bool request_amx_tiles() {
#if defined(__linux__) && defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & (3u << 17)) != (3u << 17)) return false;
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}
#endif

// Linux exposes cache sizes in sysfs as e.g. "32K"; -1 when absent.
int sysfs_cache_bytes(int index) {
  std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
  std::string s;
  if (!(f >> s) || s.empty()) return -1;
  int v = std::atoi(s.c_str());
  if (s.back() == 'K') v *= 1024;
  if (s.back() == 'M') v *= 1024 * 1024;
  return v > 0 ? v : -1;
}

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.sse41 = __builtin_cpu_supports("sse4.1");
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  // clang before 16 rejects __builtin_cpu_supports("f16c"): read CPUID leaf 1 directly.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  f.f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#if defined(__GNUC__) && __GNUC__ >= 11
  f.avxvnni = __builtin_cpu_supports("avxvnni");
#endif
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    f.amx_bf16 = edx & (1u << 22);
    f.amx_tile = edx & (1u << 24);
  }
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) f.avx512bf16 = eax & (1u << 5);
  f.amx_granted = f.amx_tile && f.amx_bf16 && request_amx_tiles();
#endif
#if defined(__aarch64__)
  f.neon = true;  // Advanced SIMD is mandatory in ARMv8-A
#endif
  // index0 is L1d, index2 the unified L2 on the Linux machines we target.
  if (int l1 = sysfs_cache_bytes(0); l1 > 0) f.l1d_bytes = l1;
  if (int l2 = sysfs_cache_bytes(2); l2 > 0) f.l2_bytes = l2;
  Isa best = Isa::generic;
  if (f.neon) best = Isa::neon;
  if (f.sse41) best = Isa::sse41;
  if (best == Isa::sse41 && f.avx2 && f.fma && f.f16c) best = Isa::avx2;
  if (best == Isa::avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq) best = Isa::avx512;
  if (best == Isa::avx512 && f.avx512vnni) best = Isa::avx512vnni;
  if (best == Isa::avx512vnni && f.avx512bf16 && f.amx_granted) best = Isa::amx;
  if (const char* cap = std::getenv("ZOOMRT_ISA")) {
#define X(name) \
  if (isa_name(Isa::name) == cap && Isa::name < best) best = Isa::name;
    ZOOMRT_ISAS(X)
#undef X
  }
  f.best_isa = best;
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool cpu_supports(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::generic: return true;
    case Isa::neon: return f.neon;
    case Isa::sse41: return f.sse41;
    case Isa::avx2: return f.sse41 && f.avx2 && f.fma && f.f16c;
    case Isa::avx512:
      return cpu_supports(Isa::avx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    case Isa::avx512vnni: return cpu_supports(Isa::avx512) && f.avx512vnni;
    case Isa::amx: return cpu_supports(Isa::avx512vnni) && f.avx512bf16 && f.amx_granted;
  }
  return false;
}

}  // namespace zoomrt
