// Internal to kernels/conv/: the implicit im2col matrix of an NHWC convolution, shared by the
// FP32 and int8 paths. Row m = output pixel (n, p, q); column kk = (r, s, c), c fastest.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv/conv.h"

namespace zoomrt::kern {

// Weights [k, c, r, s] reordered to [k, r, s, c] so the reduction index matches NHWC runs.
inline std::vector<float> weights_krsc(const float* w, int k, int c, int r, int s) {
  const int rsc = r * s * c;
  std::vector<float> krsc(size_t(k) * size_t(rsc));
  for (int o = 0; o < k; ++o)
    for (int ci = 0; ci < c; ++ci)
      for (int rs = 0; rs < r * s; ++rs)
        krsc[size_t(o) * rsc + size_t(rs) * c + ci] = w[(size_t(o) * c + ci) * size_t(r * s) + rs];
  return krsc;
}

// Rows of the implicit im2col matrix: row m = (n, p, q), column kk = (r, s, c).
struct Im2colA {
  const ConvShape& sh;
  const float* x;
  size_t scratch_floats(int mc, int kc) const { return size_t(mc) * size_t(kc); }

  // Rows [m0, m0 + rows), columns [k0, k0 + kc) gathered into scratch [rows, kc].
  const float* block(int m0, int rows, int k0, int kc, float* scratch, size_t* lda) const {
    const int p_out = sh.p(), q_out = sh.q(), c = sh.c;
    for (int i = 0; i < rows; ++i) {
      const int m = m0 + i, q = m % q_out, np = m / q_out, p = np % p_out, n = np / p_out;
      float* dst = scratch + size_t(i) * size_t(kc);
      for (int kk = k0, end = k0 + kc; kk < end;) {
        const int rs = kk / c, c0 = kk - rs * c, s = rs % sh.s;
        const int hh = p * sh.stride - sh.pad + rs / sh.s, ww = q * sh.stride - sh.pad + s;
        int run = c - c0;
        if (hh >= 0 && hh < sh.h && ww >= 0 && ww < sh.w) {
          // Taps s, s+1, ... of one kernel row are neighbouring pixels, contiguous in NHWC: one
          // copy for all of them that lie inside the image (3 copies per row for 3x3, not 9;
          // it matters when c is small, like the 9-channel conv_in).
          for (int t = 1; s + t < sh.s && ww + t < sh.w; ++t) run += c;
          run = std::min(run, end - kk);
          std::memcpy(dst, x + ((size_t(n) * sh.h + hh) * sh.w + ww) * c + c0, sizeof(float) * size_t(run));
        } else {
          run = std::min(run, end - kk);
          std::memset(dst, 0, sizeof(float) * size_t(run));
        }
        dst += run;
        kk += run;
      }
    }
    *lda = size_t(kc);
    return scratch;
  }
};

}  // namespace zoomrt::kern
