// The FP32 GEMM micro-kernel and FMA-peak loop written once with xsimd and instantiated per ISA
// in that ISA's translation unit (f32_gemm_sse41.cpp, f32_gemm_neon.cpp). Never include this
// from a file compiled without the matching flags.
//
// Contract: the micro-kernel contract of ukernels.h, for a tile of MR rows by NR = NV * W
// columns, W = the ISA's float lanes (4 for SSE4.1 and NEON). Per k step it loads NV batches of
// the packed B row (aligned: panel rows are NR * 4 bytes apart from a 64-byte aligned start, a
// multiple of 16 bytes), broadcasts one float of each A row and accumulates with xsimd::fma:
// a fused multiply-add where the ISA has one (NEON), a multiply then an add where not (SSE4.1).
// Either way each C element is one chain in ascending k, so results are deterministic.
//
// Internal linkage on purpose: the linker would otherwise merge the per-ISA copies of these
// templates into one, possibly compiled for an ISA this CPU lacks.
#pragma once
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "kernels/gemm/row_table.h"

namespace zoomrt::kern {
namespace {  // NOLINT: see above

template <class Arch, int NV>
struct SimdGemm {
  using B = xsimd::batch<float, Arch>;
  static constexpr size_t W = B::size;
  static constexpr size_t NR = NV * W;

  // ROWS x NR tile, instantiated per row count so an M tail costs only its own rows.
  template <int ROWS>
  static void rows(size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc, bool accumulate) {
    const float* ar[ROWS];
    B v[ROWS][NV];
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; ++i) {
      ar[i] = a + size_t(i) * lda;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j)
        v[i][j] = accumulate ? B::load_unaligned(c + size_t(i) * ldc + size_t(j) * W) : B(0.0f);
    }
    for (size_t k = 0; k < kc; ++k) {
      B bk[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bk[j] = B::load_aligned(b + size_t(j) * W);
      b += NR;
#pragma GCC unroll 8
      for (int i = 0; i < ROWS; ++i) {
        const B x(ar[i][k]);
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) v[i][j] = xsimd::fma(x, bk[j], v[i][j]);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) v[i][j].store_unaligned(c + size_t(i) * ldc + size_t(j) * W);
  }

  // The micro-kernel of ukernels.h for MR rows: dispatches mr (1..MR) to its instantiation.
  template <int MR>
  static void kernel(size_t mr, size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                     bool accumulate) {
    static constexpr auto table = row_table<MR>([](auto r) { return &rows<r>; });
    table[mr - 1](kc, a, lda, b, c, ldc, accumulate);
  }

  // FMA-peak loop of ukernels.h: ACC independent chains cover the add (or FMA) latency.
  template <int ACC>
  static double fma_peak(size_t iters, float* sink) {
    B acc[ACC];
    for (int i = 0; i < ACC; ++i) acc[i] = B(float(i) * 1e-3f);
    const B x(0.999f), y(1e-4f);
    for (size_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
      for (int i = 0; i < ACC; ++i) acc[i] = xsimd::fma(acc[i], x, y);
    }
    B s = acc[0];
    for (int i = 1; i < ACC; ++i) s += acc[i];
    *sink = xsimd::hadd(s);
    return 2.0 * double(W) * ACC * double(iters);
  }
};

}  // namespace
}  // namespace zoomrt::kern
