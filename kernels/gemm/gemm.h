// Fast FP32 GEMM with prepacked weights and a fused epilogue.
//
//   C[m, n] = act(A[m, k] · B[k, n] + bias[n]) + residual[m, n]
//
// A is row-major with leading dimension lda (elements). B is a weight given once, either in
// PyTorch Linear layout [n, k] or as [k, n], and packed by pack_b_f32 into NR-wide column panels
// for one micro-kernel (kernels/kernel_list.h). C and residual are row-major with ldc / ld_residual.
//
// Determinism: every C element is one FMA chain over k in ascending order, started from zero,
// whatever the blocking or thread count; bias, activation and residual are applied after the
// chain. So results are bit-identical for any ThreadPool size (they differ between ISAs).
//
// A PackedGemmB is immutable once packed: share it between threads and calls freely. gemm_f32
// allocates no buffers and reads exactly a[0:m, 0:k] and the packed panels (no over-read).
//
// Compressed weights (BFormat): the panels may also hold f16 values, 4-bit codes with group
// scales, palette indices into a codebook, or 2:4 sparse f16 values (see BFormat for the exact
// storage). The driver expands the kc x nc block of B it is about to use into a per-thread f32
// scratch (vector code per ISA, kernels/gemm/expand.h; bf16 widens by a shift), so the f32 micro-kernels and their
// determinism are unchanged. Contract: gemm_f32 on a compressed B equals, bit for bit, gemm_f32
// on pack_b_f32 (same kernel) of the dense weights that B stands for: the f16 values rounded,
// the int4 codes times their scale, codebook[index], or the kept 2:4 values with zeros between.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/thread_pool.h"

namespace zoomrt {

enum class Activation { none, silu, gelu };  // gelu: exact erf form, as torch's default

struct Epilogue {
  Activation act = Activation::none;
  const float* residual = nullptr;  // [m, n] with ld_residual, added after the activation
  size_t ld_residual = 0;
};

enum class Layout {
  nk,  // B stored [n, k]: PyTorch Linear weight (out_features, in_features)
  kn,  // B stored [k, n]
};

struct F32GemmKernelInfo;  // kernels/gemm/config.h

// Storage of packed B panels. nr (the kernel's NR) is a multiple of 8 for every kernel.
enum class BFormat {
  f32,  // panels[n_panels][k][nr] floats
  f16,  // panels[n_panels][k][nr] IEEE half
  bf16, // panels[n_panels][k][nr] bfloat16 (the upper half of the float's bits)
  q4,   // panels[n_panels][k][nr/2] bytes, column 2j in the low nibble, 2j+1 in the high one;
        // scales[n_panels][ceil(k/group)][nr] floats
  palette,   // b-bit indices (b = bits() = 2..8) into a codebook:
             //   panels[n_panels][k][nr * b / 8] bytes; row kk of a panel holds its nr indices, column j
             //   at bits [j*b, j*b + b) of the row, LSB first (so 8 columns fill exactly b bytes);
             //   codebook per layer: [1 << b] floats; per column: [n_panels][1 << b][nr] floats
             //   (entry-major within a panel so one entry of nr columns is one vector).
             //   Padding columns: index 0 and, per column, a zero codebook.
  sparse24,  // 2:4 structured sparse along k (k % 4 == 0): panels[n_panels][k / 4] groups of
             //   4 k rows, each group 4.5 * nr bytes: values[2][nr] f16 (slot 0 = the kept value
             //   at the lower k, slot 1 the higher), then nr/2 position bytes, column 2j in the low
             //   nibble, 2j+1 in the high one, nibble = pos0 | pos1 << 2 (pos0 < pos1, 0..3).
             //   Padding columns: zero values at positions 0 and 1.
};
// Float storage aligned to 64 bytes (a cache line, one AVX-512 vector).
struct AlignedFree {
  void operator()(float* p) const;
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;
AlignedFloats alloc_aligned_floats(size_t count);

// B packed for one micro-kernel: panels of nr columns in the storage BFormat describes, columns
// past n padded so that they expand to finite values (zero except under a per-layer codebook).
class PackedGemmB {
 public:
  PackedGemmB() = default;
  int n() const { return n_; }
  int k() const { return k_; }
  int nr() const { return nr_; }
  const F32GemmKernelInfo& kernel() const { return *kernel_; }
  BFormat format() const { return format_; }
  int group() const { return group_; }  // q4 only: k per scale
  int bits() const { return bits_; }     // palette only: bits per index (2..8)
  bool per_column() const { return per_column_; }  // palette only: one codebook per column
  // f32 only: panel holding columns [p*nr, p*nr + nr), row kk at panel(p) + kk*nr.
  const float* panel(int p) const { return data_.get() + size_t(p) * size_t(k_) * size_t(nr_); }
  bool empty() const { return !data_ && raw_.empty(); }
  // Bytes of packed weights (panels + scales / codebooks / positions, padding columns included):
  // what the model costs in memory.
  size_t bytes() const;
  // Expands rows [k0, k0+kc) of panels [p0, p1) into dst [p1-p0][kc][nr] floats.
  void expand(int p0, int p1, int k0, int kc, float* dst) const;

 private:
  friend PackedGemmB pack_b_f32_for(const F32GemmKernelInfo&, const float*, int, int, Layout);
  friend PackedGemmB pack_b_for(const F32GemmKernelInfo&, const float*, int, int, Layout, BFormat, int);
  friend PackedGemmB pack_b_q4_codes(const F32GemmKernelInfo&, const uint8_t*, const float*, int, int, int);
  friend PackedGemmB pack_b_palette_codes(const F32GemmKernelInfo&, const uint8_t*, const float*, int, bool, int,
                                          int);
  friend PackedGemmB pack_b_sparse24_codes(const F32GemmKernelInfo&, const uint16_t*, const uint8_t*, int, int);
  int n_ = 0, k_ = 0, nr_ = 0;
  const F32GemmKernelInfo* kernel_ = nullptr;
  BFormat format_ = BFormat::f32;
  int group_ = 0, bits_ = 0;
  bool per_column_ = false;
  AlignedFloats data_;        // f32 panels
  std::vector<uint8_t> raw_;  // f16 / q4 / palette / sparse24 panels
  std::vector<float> scales_; // q4 group scales, palette codebook
};

// Packs w (n, k as `layout` says) for the default kernel of this CPU (f32_gemm_default()).
PackedGemmB pack_b_f32(const float* w, int n, int k, Layout layout);
// Same for a chosen kernel (tests and benchmarks sweep the kernel list with this).
PackedGemmB pack_b_f32_for(const F32GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout);

// Packs w in a compressed format (group: k per scale for q4, ignored otherwise; any k >= 1).
// f32, f16, bf16 and q4 only: palette and sparse24 weights come coded (the packers below).
PackedGemmB pack_b(const float* w, int n, int k, Layout layout, BFormat format, int group = 64);
PackedGemmB pack_b_for(const F32GemmKernelInfo& kernel, const float* w, int n, int k, Layout layout, BFormat format,
                       int group);
// Packs 4-bit codes already quantised (weights/quantized.h): codes [n, ceil(k/2)] bytes, kk
// even in the low nibble, value = (code - 8) * scales[col * ceil(k/group) + kk/group].
PackedGemmB pack_b_q4_codes(const F32GemmKernelInfo& kernel, const uint8_t* codes, const float* scales, int n, int k,
                            int group);
// Packs palette-coded weights without re-quantising (bits = 2..8). index: one byte per weight,
// [n, k] row-major in the packer's k order (each < 1 << bits); codebook: [1 << bits] floats when
// !per_column, else [n][1 << bits]. Weight (col, kk) = codebook[(per_column ? col << bits : 0) +
// index[col * k + kk]]. Any k >= 0.
PackedGemmB pack_b_palette_codes(const F32GemmKernelInfo& kernel, const uint8_t* index, const float* codebook,
                                 int bits, bool per_column, int n, int k);
// Packs 2:4 sparse weights (k % 4 == 0). values: f16 bits [n, k/2], the two kept values of each
// group of 4 consecutive k in ascending k; positions: one byte per group [n, k/4]: pos0 | pos1 << 2
// with pos0 < pos1 (0..3). Weight (col, kk) = the kept value whose position is kk % 4 in group
// kk / 4, else 0.
PackedGemmB pack_b_sparse24_codes(const F32GemmKernelInfo& kernel, const uint16_t* values, const uint8_t* positions,
                                  int n, int k);
// Quantises one group of values to 4-bit codes as BFormat::q4 defines; returns the scale.
float quantize_q4_group(const float* w, size_t count, size_t stride, uint8_t* codes);

// c[m, n] = epilogue(a[m, k] · B + bias). bias is [n] or nullptr. c must not alias a, B or
// epi.residual (C is written before the epilogue reads the residual).
void gemm_f32(int m, const float* a, size_t lda, const PackedGemmB& b, const float* bias,
              const Epilogue& epi, float* c, size_t ldc, ThreadPool& pool);

}  // namespace zoomrt
