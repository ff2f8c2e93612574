// The schedule is executable: every strategy's plan, run tile by tile through the instrumented
// SRAM buffer, moves exactly the scheduler's analytic DRAM bytes and computes the same result as
// the untiled reference kernels (kernels/ref), on odd shapes and tight SRAM budgets.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "exec_compare.h"
#include "kernels/ref/ops.h"
#include "scheduler/tiled_exec.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

using exec_test::check_close;
using exec_test::random_vec;

struct Case {
  Layer layer;
  std::vector<std::vector<float>> inputs;
  std::vector<float> expected;
};

Case conv_case(const char* name, const ConvShape& s) {
  Case c{make_conv(name, s), {}, {}};
  c.inputs.push_back(random_vec(size_t(s.n * s.c * s.h * s.w), 1));
  c.inputs.push_back(random_vec(size_t(s.k * (s.c / s.groups) * s.r * s.s), 2));
  c.expected.resize(size_t(s.n * s.k * s.p() * s.q()));
  ref::Conv2dShape r{int(s.n), int(s.c), int(s.h), int(s.w), int(s.k), int(s.r), int(s.s),
                     int(s.stride), int(s.pad), int(s.groups)};
  ref::conv2d(r, c.inputs[0].data(), c.inputs[1].data(), nullptr, c.expected.data(), default_pool());
  return c;
}

Case gemm_case(int64_t m, int64_t n, int64_t k) {
  Case c{make_gemm("gemm", m, n, k), {random_vec(size_t(m * k), 3), random_vec(size_t(n * k), 4)}, {}};
  c.expected.resize(size_t(m * n));
  ref::linear(int(m), int(n), int(k), c.inputs[0].data(), c.inputs[1].data(), nullptr,
              c.expected.data(), default_pool());
  return c;
}

Case attention_case(const AttentionShape& s) {
  const size_t q = size_t(s.b * s.lq * s.heads * s.d), kv = size_t(s.b * s.lk * s.heads * s.d);
  Case c{make_attention("attn", s), {random_vec(q, 5), random_vec(kv, 6), random_vec(kv, 7)}, {}};
  c.expected.resize(q);
  ref::attention(int(s.b), int(s.lq), int(s.lk), int(s.heads), int(s.d),
                 1.0f / std::sqrt(float(s.d)), false, c.inputs[0].data(), c.inputs[1].data(),
                 c.inputs[2].data(), c.expected.data(), default_pool());
  return c;
}

std::vector<Case> cases() {
  std::vector<Case> cs;
  ConvShape s;
  s.n = 2, s.c = 5, s.h = 25, s.w = 27, s.k = 37, s.r = 3, s.s = 3, s.stride = 2, s.pad = 1;
  cs.push_back(conv_case("odd conv K37 P13 s2 p1", s));  // P = 13, Q = 14
  ConvShape g = s;
  g.c = 12, g.k = 8, g.groups = 4, g.stride = 1, g.r = 1, g.s = 5, g.pad = 2, g.h = 9, g.w = 7;
  cs.push_back(conv_case("grouped conv", g));
  cs.push_back(gemm_case(29, 37, 53));
  cs.push_back(attention_case({2, 3, 19, 11, 8}));  // cross attention, Lq != Lk
  return cs;
}

void run_case(const Case& c, const SramBudget& b) {
  for (Strategy strat : all_strategies()) {
    const Plan p = plan_layer(c.layer, strat, b);
    INFO(c.layer.name << " " << strategy_name(strat) << " " << b.describe() << " tile " << p.tile
                      << " order " << p.loop_order);
    std::vector<const float*> in;
    for (const auto& v : c.inputs) in.push_back(v.data());
    std::vector<float> out(c.expected.size(), std::nanf(""));
    const TiledExecStats st = run_tiled(c.layer, p, b, in, out.data());
    CHECK(st.read_bytes == p.dram_read_bytes());
    CHECK(st.write_bytes == p.dram_write_bytes());
    CHECK(st.transfers == p.traffic.transfers);
    check_close(out, c.expected);
  }
}

}  // namespace

TEST_CASE("tiled execution: counted traffic == analytic, output == reference", "[tiled_exec]") {
  for (const Case& c : cases()) {
    run_case(c, unified_budget(1500));
    run_case(c, partitioned_budget(700, 600, 900));
  }
}

TEST_CASE("tiled execution with 4-bit activations and 4.5-bit weights counts packed bytes",
          "[tiled_exec]") {
  Case c = gemm_case(13, 21, 31);
  c.layer.bits = {4, 4.5, 4, 32};
  run_case(c, unified_budget(500));
}

TEST_CASE("the SRAM buffer refuses a plan made for a larger SRAM", "[tiled_exec]") {
  const Case c = gemm_case(29, 37, 53);
  const Plan p = plan_layer(c.layer, Strategy::output_stationary, unified_budget(4000));
  std::vector<const float*> in{c.inputs[0].data(), c.inputs[1].data()};
  std::vector<float> out(c.expected.size());
  CHECK_THROWS_AS(run_tiled(c.layer, p, unified_budget(400), in, out.data()), std::logic_error);
}
