// Fused attention of the SD2 UNet at 512x512 (64x64 latents, 4096 tokens at level 0, 5 heads of
// 64, batch 2 as classifier-free guidance runs it): self-attention 4096x4096 and cross-attention
// 4096x77 against the text context. FLOPs count the two GEMMs only (Q·Kᵀ and P·V):
// 2 · 2·b·heads·lq·lk·d; softmax and scaling are extra work the figure does not credit. dtype
// bf16: attention_bf16 (AMX tiles where the CPU has them, else the f32 kernel).
#include <fmt/core.h>

#include <cmath>
#include <memory>

#include "kernels/attention/attention_bf16.h"
#include "kernels/attention/attention_f32.h"
#include "tools/bench/bench.h"

namespace zoomrt::bench {
namespace {

struct AttentionShape {
  int b, lq, lk, heads, d;
  const char* what;
};

constexpr AttentionShape kAttentionShapes[] = {
    {2, 4096, 4096, 5, 64, "self-attention, level 0"},
    {2, 4096, 77, 5, 64, "cross-attention to the text context, level 0"},
};

struct AttentionData {
  std::vector<float> q, k, v, out;
  explicit AttentionData(const AttentionShape& s)
      : q(random_floats(size_t(s.b) * s.lq * s.heads * s.d, 1)),
        k(random_floats(size_t(s.b) * s.lk * s.heads * s.d, 2)),
        v(random_floats(size_t(s.b) * s.lk * s.heads * s.d, 3)),
        out(q.size()) {}
};

}  // namespace

void add_attention_cases(std::vector<Case>& cases, int /*threads*/) {
  for (const AttentionShape& s : kAttentionShapes) {
    const double flops = 2.0 * 2.0 * s.b * s.heads * double(s.lq) * s.lk * s.d;
    const std::string shape = fmt::format("b{}_lq{}_lk{}_h{}_d{}", s.b, s.lq, s.lk, s.heads, s.d);
    for (const bool bf16 : {false, true})
      cases.push_back({"attention", bf16 ? "bf16" : "f32", shape, "zoomrt", flops, [s, bf16](ThreadPool& pool) -> Runner {
                         auto d = std::make_shared<AttentionData>(s);
                         const float scale = 1.0f / std::sqrt(float(s.d));
                         return [d, s, scale, bf16, &pool] {
                           (bf16 ? attention_bf16 : attention_f32)(s.b, s.lq, s.lk, s.heads, s.d, scale, false,
                                                                   d->q.data(), d->k.data(), d->v.data(),
                                                                   d->out.data(), pool);
                         };
                       }});
  }
}

}  // namespace zoomrt::bench
