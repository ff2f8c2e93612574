// W4A8 GEMM (w4a8_gemm.h): nibble panels unpacked one group at a time into the int8 panel layout
// of the q8 micro-kernels ([group / kgroup][NR][kgroup]), int32 sums per group scaled into f32.
#include "kernels/gemm/w4a8_gemm.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/gemm/config.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt {

namespace {

// code (0..15) of packed element (row kk, column j) of a panel
inline int nibble(const uint8_t* panel, size_t nr, size_t kk, size_t j) {
  const uint8_t byte = panel[kk * (nr / 2) + j / 2];
  return j % 2 ? byte >> 4 : byte & 15;
}

// One group of one panel as int8 codes - 8 in the q8 B layout, and 128 * column sums for u8
// kernels (they add 128 to A).
void unpack_group(const PackedGemmBW4A8& b, int panel, int g, int8_t* dst, int32_t* corr) {
  const Q8GemmKernelInfo& kn = *b.kernel;
  const size_t nr = size_t(kn.nr), kg = size_t(kn.kgroup), group = size_t(b.group);
  const uint8_t* p = b.codes.data() + size_t(panel) * size_t(b.k_padded) * (nr / 2);
  std::fill(corr, corr + nr, 0);
  for (size_t i = 0; i < group; ++i) {
    const size_t kk = size_t(g) * group + i;
    for (size_t j = 0; j < nr; ++j) {
      const int v = nibble(p, nr, kk, j) - 8;
      dst[(i / kg) * nr * kg + j * kg + i % kg] = int8_t(v);
      corr[j] += v;
    }
  }
  for (size_t j = 0; j < nr; ++j) corr[j] = kn.a_format == Q8AFormat::u8 ? 128 * corr[j] : 0;
}

PackedGemmBW4A8 make_packed(const Q8GemmKernelInfo& kernel, int n, int k, int group) {
  assert(group % kernel.kgroup == 0 && kernel.nr % 2 == 0);
  PackedGemmBW4A8 b;
  b.n = n, b.k = k, b.group = group, b.kernel = &kernel;
  b.k_padded = std::max(1, (k + group - 1) / group) * group;
  const size_t panels = size_t((n + kernel.nr - 1) / kernel.nr);
  b.codes.assign(panels * size_t(b.k_padded) * size_t(kernel.nr / 2), uint8_t(8 | 8 << 4));
  b.scale.assign(panels * size_t(b.k_padded / group) * size_t(kernel.nr), 1.0f);
  return b;
}

void put_code(PackedGemmBW4A8& b, int col, int kk, int code) {
  const size_t nr = size_t(b.kernel->nr), p = size_t(col) / nr, j = size_t(col) % nr;
  uint8_t& byte = b.codes[(p * size_t(b.k_padded) + size_t(kk)) * (nr / 2) + j / 2];
  byte = j % 2 ? uint8_t((byte & 15) | code << 4) : uint8_t((byte & 0xF0) | code);
}

void put_scale(PackedGemmBW4A8& b, int col, int g, float s) {
  const size_t nr = size_t(b.kernel->nr), groups = size_t(b.k_padded / b.group);
  b.scale[(size_t(col) / nr * groups + size_t(g)) * nr + size_t(col) % nr] = s;
}

}  // namespace

PackedGemmBW4A8 pack_b_w4a8_codes(const Q8GemmKernelInfo& kernel, const uint8_t* codes, const float* scales, int n,
                                  int k, int group) {
  PackedGemmBW4A8 b = make_packed(kernel, n, k, group);
  const size_t row_bytes = size_t(k + 1) / 2, groups = size_t(k + group - 1) / size_t(group);
  for (int col = 0; col < n; ++col) {
    for (int kk = 0; kk < k; ++kk) {
      const uint8_t byte = codes[size_t(col) * row_bytes + size_t(kk) / 2];
      put_code(b, col, kk, kk % 2 ? byte >> 4 : byte & 15);
    }
    for (size_t g = 0; g < groups; ++g) {
      float s;
      std::memcpy(&s, scales + size_t(col) * groups + g, 4);  // the mapping may be unaligned
      put_scale(b, col, int(g), s);
    }
  }
  return b;
}

PackedGemmBW4A8 pack_b_w4a8(const Q8GemmKernelInfo& kernel, const float* w, int n, int k, int group) {
  PackedGemmBW4A8 b = make_packed(kernel, n, k, group);
  std::vector<uint8_t> one(static_cast<size_t>(group));
  for (int col = 0; col < n; ++col)
    for (int g = 0; g * group < k; ++g) {
      const int k0 = g * group, cnt = std::min(group, k - k0);
      put_scale(b, col, g, quantize_q4_group(w + size_t(col) * size_t(k) + size_t(k0), size_t(cnt), 1, one.data()));
      for (int i = 0; i < cnt; ++i) put_code(b, col, k0 + i, one[size_t(i)]);
    }
  return b;
}

void gemm_w4a8(int m, const float* a, size_t lda, const PackedGemmBW4A8& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool) {
  if (m <= 0 || b.n <= 0) return;
  const Q8GemmKernelInfo& kn = *b.kernel;
  const int mr = kn.mr, nr = kn.nr, groups = b.k_padded / b.group;
  const int panels = (b.n + nr - 1) / nr;
  const int mc = std::max(mr, std::min(m, 256) / mr * mr);  // rows per task: amortise the unpack
  const int m_blocks = (m + mc - 1) / mc;
  // Enough column chunks to keep every thread busy when m is small (one time-embedding row).
  const int n_chunks = std::min(panels, std::max(1, 2 * int(pool.threads()) / m_blocks));
  const int chunk = (panels + n_chunks - 1) / n_chunks;
  const size_t kp = size_t(b.k_padded);
  pool.parallel_for(size_t(m_blocks) * size_t(n_chunks), 1, [&](size_t t0, size_t t1) {
    thread_local std::vector<int8_t> aq, bq;
    thread_local std::vector<float> a_scale, acc, tile;
    thread_local std::vector<int32_t> corr;
    for (size_t t = t0; t < t1; ++t) {
      const int m0 = int(t / size_t(n_chunks)) * mc, rows = std::min(mc, m - m0);
      const int p0 = int(t % size_t(n_chunks)) * chunk, p1 = std::min(panels, p0 + chunk);
      aq.resize(size_t(rows) * kp), a_scale.resize(size_t(rows));
      for (int i = 0; i < rows; ++i)
        kn.quantize_row(size_t(b.k), kp, a + size_t(m0 + i) * lda, kn.a_format, aq.data() + size_t(i) * kp,
                        &a_scale[size_t(i)]);
      bq.resize(size_t(b.group) * size_t(nr)), corr.resize(size_t(nr));
      acc.resize(size_t(rows) * size_t(nr)), tile.resize(size_t(mr) * size_t(nr));
      for (int p = p0; p < p1; ++p) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int g = 0; g < groups; ++g) {
          unpack_group(b, p, g, bq.data(), corr.data());
          const float* sw = b.scale.data() + (size_t(p) * size_t(groups) + size_t(g)) * size_t(nr);
          for (int i = 0; i < rows; i += mr) {
            const int r = std::min(mr, rows - i);
            kn.kernel(size_t(r), size_t(b.group / kn.kgroup), aq.data() + size_t(i) * kp + size_t(g) * size_t(b.group),
                      kp, bq.data(), tile.data(), size_t(nr), &a_scale[size_t(i)], sw, corr.data());
            for (int ii = 0; ii < r; ++ii)
              for (int j = 0; j < nr; ++j) acc[size_t(i + ii) * nr + j] += tile[size_t(ii) * nr + j];
          }
        }
        const int j0 = p * nr, cols = std::min(nr, b.n - j0);
        for (int i = 0; i < rows; ++i)
          std::memcpy(c + size_t(m0 + i) * ldc + size_t(j0), &acc[size_t(i) * nr], sizeof(float) * size_t(cols));
        if (!bias && epi.act == Activation::none && !epi.residual) continue;
        const float* res = epi.residual ? epi.residual + size_t(m0) * epi.ld_residual + size_t(j0) : nullptr;
        kn.epilogue(size_t(rows), size_t(cols), c + size_t(m0) * ldc + size_t(j0), ldc, bias ? bias + j0 : nullptr,
                    epi.act, res, epi.ld_residual);
      }
    }
  });
}

}  // namespace zoomrt
