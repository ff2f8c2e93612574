// Dispatch (one table from attention_kernels.h, the choice made once) and the portable
// implementation: per (batch, head) K and V packed for the generic GEMM, then per block of 256
// query rows S = Q·Kᵀ (GEMM), a row softmax over the full key range, O = P·V (GEMM). Used where
// no flash kernel is compiled (non-x86, or ZOOMRT_ISA=generic).
#include "kernels/attention/attention_f32.h"
#include "kernels/attention/attention_bf16.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/attention/attention_kernels.h"
#include "kernels/gemm/gemm.h"

namespace zoomrt {
namespace {

constexpr int kQueryBlock = 256;  // rows of scores held at once: 256 × lk floats

}  // namespace

void exp_nonpositive(int n, const float* x, float* y) {
  // exp(x) = 2^k · exp(r), k = round(x·log2(e)), r = x − k·ln2 in [−ln2/2, ln2/2]; ln2 split in
  // two parts (Cody–Waite) so r is exact; a degree-6 Taylor polynomial for exp(r).
  constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693145751953125f, kLn2Lo = 1.428606765330187e-06f;
  for (int i = 0; i < n; ++i) {
    float xi = std::max(x[i], -87.0f);  // below this exp underflows float; 2^k stays normal
    float kf = std::nearbyint(xi * kLog2e);
    float r = (xi - kf * kLn2Hi) - kf * kLn2Lo;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = (int32_t(kf) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, 4);
    y[i] = p * scale;
  }
}

namespace kern {

void attention_gemm__generic(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q,
                             const float* k, const float* v, float* out, ThreadPool& pool) {
  const size_t row = size_t(heads) * size_t(d);
  std::vector<float> kh(size_t(lk) * size_t(d)), vh(size_t(lk) * size_t(d));
  const int block = std::min(kQueryBlock, lq);
  std::vector<float> scores(size_t(block) * size_t(lk));
  for (int bi = 0; bi < b; ++bi) {
    for (int h = 0; h < heads; ++h) {
      for (int j = 0; j < lk; ++j) {
        const size_t src = (size_t(bi) * size_t(lk) + size_t(j)) * row + size_t(h) * size_t(d);
        std::memcpy(&kh[size_t(j) * size_t(d)], k + src, sizeof(float) * size_t(d));
        std::memcpy(&vh[size_t(j) * size_t(d)], v + src, sizeof(float) * size_t(d));
      }
      PackedGemmB kb = pack_b_f32(kh.data(), lk, d, Layout::nk);  // S = Q · Kᵀ: B is K as [n=lk, k=d]
      PackedGemmB vb = pack_b_f32(vh.data(), d, lk, Layout::kn);  // O = P · V: B is V as [k=lk, n=d]
      for (int r0 = 0; r0 < lq; r0 += block) {
        const int rows = std::min(block, lq - r0);
        const float* qa = q + (size_t(bi) * size_t(lq) + size_t(r0)) * row + size_t(h) * size_t(d);
        gemm_f32(rows, qa, row, kb, nullptr, Epilogue{}, scores.data(), size_t(lk), pool);
        pool.parallel_for(size_t(rows), 8, [&](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) {
            float* s = scores.data() + i * size_t(lk);
            const int visible = causal ? std::min(lk, r0 + int(i) + 1) : lk;
            float mx = -INFINITY;
            for (int j = 0; j < visible; ++j) {
              s[j] *= scale;
              mx = std::max(mx, s[j]);
            }
            for (int j = 0; j < visible; ++j) s[j] -= mx;
            exp_nonpositive(visible, s, s);
            float sum = 0.0f;
            for (int j = 0; j < visible; ++j) sum += s[j];
            const float inv = 1.0f / sum;
            for (int j = 0; j < visible; ++j) s[j] *= inv;
            std::fill(s + visible, s + lk, 0.0f);
          }
        });
        float* o = out + (size_t(bi) * size_t(lq) + size_t(r0)) * row + size_t(h) * size_t(d);
        gemm_f32(rows, scores.data(), size_t(lk), vb, nullptr, Epilogue{}, o, row, pool);
      }
    }
  }
}

}  // namespace kern

namespace {

constexpr AttentionKernel kKernels[] = {
#define X(name, isa) {#name, Isa::isa, &kern::name},
    ZOOMRT_ATTENTION_KERNELS(X)
#undef X
};

}  // namespace

std::span<const AttentionKernel> attention_kernels() { return kKernels; }

const AttentionKernel& attention_kernel() {
  static const AttentionKernel& best = [] {
    const AttentionKernel* pick = &kKernels[0];
    for (const AttentionKernel& k : kKernels)
      if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) pick = &k;
    return std::cref(*pick);
  }();
  return best;
}

void attention_f32(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                   const float* v, float* out, ThreadPool& pool) {
  if (b <= 0 || lq <= 0 || heads <= 0 || d <= 0) return;
  if (lk <= 0) {  // no keys: an empty weighted sum
    std::fill(out, out + size_t(b) * size_t(lq) * size_t(heads) * size_t(d), 0.0f);
    return;
  }
  attention_kernel().fn(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
}

namespace {

constexpr AttentionKernel kBf16Kernels[] = {
#define X(name, isa) AttentionKernel{#name, Isa::isa, &kern::name},
    ZOOMRT_ATTENTION_BF16_KERNELS(X)
#undef X
    AttentionKernel{}};  // end mark (the list is empty off x86)
constexpr size_t kBf16KernelCount = sizeof(kBf16Kernels) / sizeof(kBf16Kernels[0]) - 1;

}  // namespace

std::span<const AttentionKernel> attention_bf16_kernels() { return {kBf16Kernels, kBf16KernelCount}; }

const AttentionKernel* attention_bf16_kernel() {
  static const AttentionKernel* best = [] {
    const AttentionKernel* pick = nullptr;
    for (const AttentionKernel& k : attention_bf16_kernels())
      if (cpu_supports(k.isa) && k.isa <= cpu_features().best_isa) pick = &k;
    return pick;
  }();
  return best;
}

void attention_bf16(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q, const float* k,
                    const float* v, float* out, ThreadPool& pool) {
  const AttentionKernel* kernel = attention_bf16_kernel();
  if (!kernel || lk <= 0) return attention_f32(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
  if (b <= 0 || lq <= 0 || heads <= 0 || d <= 0) return;
  kernel->fn(b, lq, lk, heads, d, scale, causal, q, k, v, out, pool);
}

}  // namespace zoomrt
