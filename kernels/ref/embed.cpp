// Reference embeddings: diffusers' sinusoidal timestep embedding and a plain row gather.
#include <cassert>
#include <cmath>
#include <cstring>

#include "kernels/ref/ops.h"

namespace zoomrt::ref {

void timestep_embedding(int n, int dim, bool flip_sin_to_cos, float downscale_freq_shift,
                        const float* t, float* y) {
  assert(n >= 0 && dim >= 0);
  const int half = dim / 2;
  // diffusers: exponent = -log(max_period) * arange(half) / (half - shift), all float32 tensors.
  // The phase t * freq reaches ~1000 rad, where one ulp of freq moves sin/cos by ~6e-5, so the
  // float roundings are reproduced step by step; exp and sin/cos are evaluated in double and
  // rounded once (torch's own float versions are within an ulp of that).
  const float neg_log_period = float(-std::log(10000.0));
  const float denom = float(half) - downscale_freq_shift;
  for (int i = 0; i < n; ++i) {
    float* yr = y + int64_t(i) * dim;
    float* sin_part = yr + (flip_sin_to_cos ? half : 0);
    float* cos_part = yr + (flip_sin_to_cos ? 0 : half);
    for (int j = 0; j < half; ++j) {
      const float exponent = (neg_log_period * float(j)) / denom;
      const float freq = float(std::exp(double(exponent)));
      const float phase = t[i] * freq;
      sin_part[j] = float(std::sin(double(phase)));
      cos_part[j] = float(std::cos(double(phase)));
    }
    if (dim % 2 == 1) yr[dim - 1] = 0.0f;  // diffusers zero-pads an odd dimension at the end
  }
}

void embedding(int64_t n, int dim, const int64_t* ids, const float* table, float* y) {
  assert(n >= 0 && dim >= 0);
  for (int64_t i = 0; i < n; ++i) {
    assert(ids[i] >= 0 && "embedding id out of range: callers validate ids");
    std::memcpy(y + i * dim, table + ids[i] * dim, sizeof(float) * size_t(dim));
  }
}

}  // namespace zoomrt::ref
