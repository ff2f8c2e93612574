// Reference scaled dot-product attention, one task per (batch, head, query row).
// Score s_j = (sum over dd ascending of q[dd] * k[j,dd]) * scale; softmax over the visible keys
// (max subtracted, exp, sum over j ascending); out[dd] = sum over j ascending of p_j * v[j,dd]
// with p_j = e_j / sum. K is transposed per (batch, head) to [d, lk] first so the score loop runs
// over independent keys and vectorises without changing any element's summation order.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {
namespace {

struct AttnDims {
  int lq, lk, heads, d;
  float scale;
  bool causal;
  int64_t row() const { return int64_t(heads) * d; }  // elements per token in q/k/v/out
};

// One query row: q_row [d] (stride 1), kt [d, lk] for this (batch, head), v_head points at
// v[b, 0, h*d] (token stride row()); writes out_row [d]. scores is scratch of lk floats.
void attend_row(const AttnDims& a, int i, const float* q_row, const float* kt, const float* v_head,
                float* out_row, float* scores) {
  const int visible = a.causal ? std::min(a.lk, i + 1) : a.lk;
  std::fill(scores, scores + visible, 0.0f);
  for (int dd = 0; dd < a.d; ++dd) {
    const float qv = q_row[dd];
    const float* krow = kt + int64_t(dd) * a.lk;
    for (int j = 0; j < visible; ++j) scores[j] += qv * krow[j];
  }
  float mx = -INFINITY;
  for (int j = 0; j < visible; ++j) {
    scores[j] *= a.scale;
    mx = std::max(mx, scores[j]);
  }
  float sum = 0.0f;
  for (int j = 0; j < visible; ++j) {
    scores[j] = std::exp(scores[j] - mx);
    sum += scores[j];
  }
  std::fill(out_row, out_row + a.d, 0.0f);
  for (int j = 0; j < visible; ++j) {
    const float pj = scores[j] / sum;
    const float* vrow = v_head + j * a.row();
    for (int dd = 0; dd < a.d; ++dd) out_row[dd] += pj * vrow[dd];
  }
}

}  // namespace

void attention(int b, int lq, int lk, int heads, int d, float scale, bool causal, const float* q,
               const float* k, const float* v, float* out, ThreadPool& pool) {
  assert(b >= 0 && lq >= 0 && lk > 0 && heads > 0 && d > 0);
  const AttnDims a{lq, lk, heads, d, scale, causal};
  const int64_t row = a.row();
  // kt [b, heads, d, lk]
  std::vector<float> kt(size_t(b) * heads * d * lk);
  pool.parallel_for(size_t(b) * heads, 1, [&](size_t begin, size_t end) {
    for (size_t bh = begin; bh < end; ++bh) {
      const int64_t bi = int64_t(bh) / heads, h = int64_t(bh) % heads;
      float* dst = kt.data() + bh * d * lk;
      for (int j = 0; j < lk; ++j)
        for (int dd = 0; dd < d; ++dd) dst[int64_t(dd) * lk + j] = k[(bi * lk + j) * row + h * d + dd];
    }
  });
  const size_t rows = size_t(b) * heads * lq;
  const size_t grain = std::max<size_t>(1, (size_t(1) << 16) / (size_t(2) * lk * d));
  pool.parallel_for(rows, grain, [&](size_t begin, size_t end) {
    std::vector<float> scores(lk);
    for (size_t r = begin; r < end; ++r) {  // r enumerates (batch, head, query)
      const int i = int(r % lq);
      const int64_t h = int64_t(r / lq) % heads, bi = int64_t(r / lq) / heads;
      const int64_t qoff = (bi * lq + i) * row + h * d;
      attend_row(a, i, q + qoff, kt.data() + (bi * heads + h) * d * lk, v + bi * lk * row + h * d,
                 out + qoff, scores.data());
    }
  });
}

}  // namespace zoomrt::ref
