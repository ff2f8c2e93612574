// W4A8 GEMM (w4a8_gemm.h): packing into nibble panels, and the threaded loop that quantises each
// task's activation rows (s8 codes + per-group code sums) and runs the W4A8 micro-kernels.
#include "kernels/gemm/w4a8_gemm.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/gemm/config.h"
#include "kernels/gemm/driver.h"
#include "kernels/gemm/ukernels.h"

namespace zoomrt {

namespace {

constexpr W4A8GemmKernelInfo kW4A8Kernels[] = {
#define X(name, isa, partner, mr, nr, kgroup) \
  {#name, Isa::isa, #partner, mr, nr, kgroup, &kern::name, &kern::w4a8_group_sums__##isa},
    ZOOMRT_W4A8_GEMM_KERNELS(X)
#undef X
};
static_assert(kW4A8Kernels[0].isa == Isa::generic, "the first row is the fallback for every q8 kernel");
constexpr bool tiles_fit_scratch() {  // N-tail tiles go through a stack tile of kMaxTileFloats
  for (const auto& k : kW4A8Kernels)
    if (k.mr * k.nr > kern::kMaxTileFloats) return false;
  return true;
}
static_assert(tiles_fit_scratch(), "a W4A8 micro-tile exceeds the scratch tile");

PackedGemmBW4A8 make_packed(const Q8GemmKernelInfo& kernel, int n, int k, int group) {
  const W4A8GemmKernelInfo& wk = w4a8_kernel_for(kernel);
  assert(group % 32 == 0 && group % wk.kgroup == 0 && wk.nr % 2 == 0);  // group sums step 32 codes
  PackedGemmBW4A8 b;
  b.n = n, b.k = k, b.group = group, b.kernel = &kernel, b.w4a8 = &wk;
  b.k_padded = std::max(1, (k + group - 1) / group) * group;
  const size_t panels = size_t((n + wk.nr - 1) / wk.nr);
  b.codes.assign(panels * size_t(b.k_padded) * size_t(wk.nr / 2), uint8_t(8 | 8 << 4));
  b.scale.assign(panels * size_t(b.k_padded / group) * size_t(wk.nr), 1.0f);
  return b;
}

void put_code(PackedGemmBW4A8& b, int col, int kk, int code) {
  const size_t nr = size_t(b.w4a8->nr), kg = size_t(b.w4a8->kgroup), half = nr / 2;
  const size_t p = size_t(col) / nr, jj = size_t(col) % nr, j = jj % half;
  const size_t step = size_t(kk) / kg, t = size_t(kk) % kg;
  uint8_t& byte = b.codes[p * size_t(b.k_padded) * half + step * half * kg + j * kg + t];
  byte = jj >= half ? uint8_t((byte & 15) | code << 4) : uint8_t((byte & 0xF0) | code);
}

void put_scale(PackedGemmBW4A8& b, int col, int g, float s) {
  const size_t nr = size_t(b.w4a8->nr), groups = size_t(b.k_padded / b.group);
  b.scale[(size_t(col) / nr * groups + size_t(g)) * nr + size_t(col) % nr] = s;
}

// The task split. A task quantises every row of its block, so splitting N (as the int8 plan
// prefers for small M: half of B each) quantises all of A once per column block. For W4A8 that
// is expensive relative to the work: one row's quantisation (+ group sums) costs about 0.75 of
// that row's micro-kernel work against one 32-column panel (measured, Zen 4; both scale with k),
// and B is half the int8 size, so splitting M is cheap. So the cost of the largest task is
//   rows x (panels + kQuantPanels) + kPanelLoad x panels   (in row x panel units)
// with rows split evenly (micro-rows of near-equal height, any count: a 5-row tile costs
// the same per row as a 6-row one), and the plan minimises rounds x largest task x (1 + 1 %
// per task), as plan_gemm does. kPanelLoad: streaming a panel into L2 once per task.
// M = 77, N = 320 on 2 threads: two tasks of 39 / 38 rows instead of two of 77 rows x 160
// columns. Rows per task are capped so a task's codes (rows x k_padded bytes) stay about
// L2-sized; B blocks (nibble bytes) sized to the f32 driver's L2 share.
struct W4A8Plan {
  int mc, nc, nc_l2;  // rows and columns (a multiple of NR) per task; columns per L2 block
  int m_blocks, n_blocks;
};

W4A8Plan plan_w4a8(const PackedGemmBW4A8& b, int m, int threads) {
  constexpr double kQuantPanels = 0.75, kPanelLoad = 2.0;
  auto ceil_div = [](int x, int y) { return (x + y - 1) / y; };
  const W4A8GemmKernelInfo& wk = *b.w4a8;
  const GemmBlocking blk = gemm_blocking(f32_gemm_default());
  const int col_bytes = std::max(1, b.k_padded / 2);  // never split over k: a panel column is whole
  const int mc_max = std::max(wk.mr, std::min(blk.mc_max, (1 << 20) / b.k_padded));
  const int n_units = ceil_div(b.n, wk.nr), mb_min = ceil_div(m, mc_max);
  const int mb_max = std::max(mb_min, std::min(ceil_div(m, wk.mr), mb_min + 4 * threads));
  W4A8Plan p{};
  double best = 1e300;
  for (int nb = 1; nb <= std::min(n_units, 4 * threads); ++nb)
    for (int mb = mb_min; mb <= mb_max; ++mb) {
      const int rows = ceil_div(m, mb), panels = ceil_div(n_units, nb);
      const int tasks = ceil_div(m, rows) * ceil_div(n_units, panels), rounds = ceil_div(tasks, threads);
      const double task = double(rows) * (panels + kQuantPanels) + kPanelLoad * panels;
      const double cost = rounds * task * (1.0 + 0.01 * tasks);
      if (cost < best) best = cost, p.mc = rows, p.nc = panels * wk.nr;
    }
  p.m_blocks = ceil_div(m, p.mc), p.n_blocks = ceil_div(b.n, p.nc);
  p.nc_l2 = std::max(wk.nr, blk.l2_block_bytes / col_bytes / wk.nr * wk.nr);
  return p;
}

struct W4A8Task {
  const PackedGemmBW4A8& b;
  const int8_t* aq;      // rows of the task, row i at aq + i * k_padded
  const int32_t* corr;   // [rows][groups]: -8 * code sum per group
  const float* a_scale;  // [rows]
};

// One micro-tile at task row i, column j (N tail through a scratch tile), then the epilogue.
void w4a8_tile(const W4A8Task& t, int mr, int nr, int i, int j, const float* bias, const Epilogue& e, float* c,
               size_t ldc) {
  const PackedGemmBW4A8& b = t.b;
  const W4A8GemmKernelInfo& wk = *b.w4a8;
  const size_t kp = size_t(b.k_padded), groups = kp / size_t(b.group), p = size_t(j / wk.nr);
  const uint8_t* panel = b.codes.data() + p * kp * size_t(wk.nr / 2);
  const float* sw = b.scale.data() + p * groups * size_t(wk.nr);
  const size_t steps = size_t(b.group / wk.kgroup), kg = size_t(wk.kgroup);
  // Steps of the last group that hold real k (the rest multiply zero activation codes).
  const size_t last = (size_t(b.k) - (groups - 1) * size_t(b.group) + kg - 1) / kg;
  float* ct = c + size_t(i) * ldc + size_t(j);
  const int8_t* a = t.aq + size_t(i) * kp;
  const int32_t* corr = t.corr + size_t(i) * groups;
  if (nr == wk.nr) {
    wk.kernel(size_t(mr), groups, steps, last, a, kp, corr, groups, panel, sw, t.a_scale + i, ct, ldc);
  } else {
    alignas(64) float tile[kern::kMaxTileFloats];
    wk.kernel(size_t(mr), groups, steps, last, a, kp, corr, groups, panel, sw, t.a_scale + i, tile, size_t(wk.nr));
    for (int r = 0; r < mr; ++r) std::memcpy(ct + size_t(r) * ldc, tile + r * wk.nr, sizeof(float) * size_t(nr));
  }
  if (bias || e.act != Activation::none || e.residual)
    b.kernel->epilogue(size_t(mr), size_t(nr), ct, ldc, bias ? bias + j : nullptr, e.act,
                       e.residual ? e.residual + size_t(i) * e.ld_residual + size_t(j) : nullptr, e.ld_residual);
}

}  // namespace

const W4A8GemmKernelInfo& w4a8_kernel_for(const Q8GemmKernelInfo& q8) {
  for (const W4A8GemmKernelInfo& k : kW4A8Kernels)
    if (k.q8_partner == q8.name) return k;
  return kW4A8Kernels[0];
}

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

void kern::run_gemm_w4a8(int m, const W4A8RowSource& src, const PackedGemmBW4A8& b, const float* bias,
                         const Epilogue& epi, float* c, size_t ldc, ThreadPool& pool) {
  if (m <= 0 || b.n <= 0) return;
  assert(b.kernel && b.w4a8 && "B was never packed");
  const Q8GemmKernelInfo& q8 = *b.kernel;
  const int mr = b.w4a8->mr, nr = b.w4a8->nr;
  const size_t kp = size_t(b.k_padded), group = size_t(b.group), groups = kp / group;
  const W4A8Plan plan = plan_w4a8(b, m, int(pool.threads()));
  kern::run_tasks(size_t(plan.m_blocks) * size_t(plan.n_blocks), pool, [&](size_t t) {
    const int m0 = int(t / size_t(plan.n_blocks)) * plan.mc, rows = std::min(m - m0, plan.mc);
    const int n0 = int(t % size_t(plan.n_blocks)) * plan.nc, n1 = std::min(b.n, n0 + plan.nc);
    // The task's codes, scales, group sums and a gathered row (for sources that do not have it
    // in place), in the thread's task scratch (driver.h).
    kern::TaskScratch ts;
    const size_t aq_part = ts.add<int8_t>(size_t(rows) * kp), scale_part = ts.add<float>(size_t(rows));
    const size_t corr_part = ts.add<int32_t>(size_t(rows) * groups), row_part = ts.add<float>(size_t(b.k));
    ts.place();
    int8_t* const aq = ts.at<int8_t>(aq_part);
    float* const a_scale = ts.at<float>(scale_part);
    int32_t* const corr = ts.at<int32_t>(corr_part);
    float* const row = ts.at<float>(row_part);
    for (int i = 0; i < rows; ++i) {
      int8_t* q = aq + size_t(i) * kp;
      q8.quantize_row(size_t(b.k), kp, src.row(src.ctx, m0 + i, row), Q8AFormat::s8, q, &a_scale[size_t(i)]);
      b.w4a8->group_sums(groups, group, q, &corr[size_t(i) * groups]);
    }
    Epilogue e = epi;
    if (e.residual) e.residual += size_t(m0) * e.ld_residual;
    const W4A8Task task{b, aq, corr, a_scale};
    float* cm = c + size_t(m0) * ldc;
    for (int jc = n0; jc < n1; jc += plan.nc_l2) {  // B block in L2, reused by every row tile
      const int j1 = std::min(n1, jc + plan.nc_l2);
      for (int i = 0, h; i < rows; i += h) {
        h = kern::balanced_rows(rows - i, mr);  // 39 rows: 6 6 6 6 5 5 5, not 6 x 6 + 3
        // The next micro-row's C lines, as the int8 driver does: stores that miss stall the
        // kernel's final writes (the rows are ldc apart, which hardware prefetchers follow badly).
        for (int r = i + h; r < std::min(rows, i + h + mr); ++r)
          for (int j = jc; j < j1; j += 16) __builtin_prefetch(cm + size_t(r) * ldc + size_t(j), 1, 2);
        for (int j = jc; j < j1; j += nr) w4a8_tile(task, h, std::min(nr, n1 - j), i, j, bias, e, cm, ldc);
      }
    }
  });
}

void gemm_w4a8(int m, const float* a, size_t lda, const PackedGemmBW4A8& b, const float* bias, const Epilogue& epi,
               float* c, size_t ldc, ThreadPool& pool) {
  struct InPlace {
    const float* a;
    size_t lda;
  } in_place{a, lda};
  const kern::W4A8RowSource src{&in_place, [](const void* ctx, int r, float*) {
                                  const auto* p = static_cast<const InPlace*>(ctx);
                                  return p->a + size_t(r) * p->lda;
                                }};
  kern::run_gemm_w4a8(m, src, b, bias, epi, c, ldc, pool);
}

}  // namespace zoomrt
