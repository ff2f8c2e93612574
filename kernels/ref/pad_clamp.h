// Two small FP32 reference ops the graph needs beside ops.h (same contract as ops.h):
// zero padding of the last two dims (the VAE encoder's asymmetric Downsample2D pad) and clamp
// (the VAE's log-variance).
#pragma once
#include <cstdint>

namespace zoomrt::ref {

// x [outer, h, w] -> y [outer, h + top + bottom, w + left + right], zeros outside x.
void pad2d(int64_t outer, int h, int w, int top, int bottom, int left, int right, const float* x, float* y);

// y = min(max(x, lo), hi); y may equal x.
void clamp(int64_t n, float lo, float hi, const float* x, float* y);

}  // namespace zoomrt::ref
