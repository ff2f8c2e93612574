// NpuAccountant against independent calculations on small graphs: the graph -> layer mapping
// (MACs counted by hand from the shapes), DRAM bytes equal to the scheduler's own plan for a
// hand-built layer, vector-op bytes and cycles from the documented rule, repeats multiplying,
// and the summary's internal consistency (fps, FPS/W, energy breakdown, DRAM totals).
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "runtime/npu/accounting.h"
#include "runtime/npu/dram_plan.h"
#include "runtime/npu/lowering.h"
#include "scheduler/dram_emit.h"
#include "sim/area.h"
#include "sim/npu_config.h"
#include "base/error.h"

using namespace zoomrt;

namespace {

// x [1, 8, 16, 16] -> conv 3x3 pad 1 -> [1, 16, 16, 16] -> silu.
Graph conv_graph() {
  Graph g;
  TensorId x = g.add_input("x", {1, 8, 16, 16});
  TensorId w = g.add_weight("conv.weight", {16, 8, 3, 3});
  Attrs a;
  a.pad = 1;
  TensorId y = g.add_node(Op::conv2d, "conv", {x, w}, a);
  TensorId z = g.add_node(Op::silu, "act", {y});
  g.mark_output(z, "out");
  return g;
}

AccountingOptions options(sched::Strategy s = sched::Strategy::weight_stationary) {
  AccountingOptions o;
  o.dtype = SimDtype::int8;
  o.strategy = s;
  o.policy = sim::PowerPolicy::fixed;
  return o;
}

}  // namespace

TEST_CASE("a conv node costs what the scheduler plans for the same layer") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  AccountingOptions packed = options();
  packed.place_tensors = false;  // operands from address 0, as the plan search emits them
  NpuAccountant acc(npu, packed);
  acc.account_graph(conv_graph(), 1, "p");
  REQUIRE(acc.layers().size() == 1);  // the silu runs in the conv's output stage (npu_lowering.h)
  const AccountedLayer& row = acc.layers()[0];
  CHECK(row.op == "conv2d+silu");
  CHECK(row.strategy == "weight-stationary");
  // The layer written by hand from the shapes, planned by the scheduler directly.
  sched::ConvShape s;
  s.n = 1, s.c = 8, s.h = 16, s.w = 16, s.k = 16, s.r = 3, s.s = 3, s.pad = 1;
  const sched::Layer l = sched::make_conv("conv", s, {8, 8, 8, 32});
  const sched::Plan p = sched::plan_layer(
      l, sched::Strategy::weight_stationary, sched::cost_context(npu, sim::MacDtype::int8, sched::Objective::energy));
  CHECK(row.cost.dram.bytes_read == p.dram_read_bytes());
  CHECK(row.cost.dram.bytes_written == p.dram_write_bytes());
  CHECK(row.tile == p.tile);
  CHECK(row.loop_order == p.loop_order);
  // Everything fits on chip: input, weights read once; output written once (int8 = 1 byte).
  CHECK(p.dram_read_bytes() == 8 * 16 * 16 + 16 * 8 * 3 * 3);
  CHECK(p.dram_write_bytes() == 16 * 16 * 16);
  CHECK(row.cost.macs == Approx(16.0 * 16 * 16 * 8 * 3 * 3));
  CHECK(acc.run().total_macs == Approx(16.0 * 16 * 16 * 8 * 3 * 3));
  // The row's DRAM stats are those of the plan emitted on a DRAM model with closed rows.
  sim::DramModel dram(npu.dram);
  const sim::DramStats d = sched::emit_plan(l, p, dram).dram;
  CHECK(row.cost.dram.accesses == d.accesses);
  CHECK(row.cost.dram.row_hits == d.row_hits);
  CHECK(row.cost.dram.activations == d.activations);
  // Placed (the default): the same plan emitted at the model's DRAM allocation. Input and output
  // are live together and the weights sit after the arena: three distinct row-aligned regions.
  NpuAccountant placed(npu, options());
  placed.account_graph(conv_graph(), 1, "p");
  const Graph g = npu_graph(conv_graph());
  const std::vector<NpuNode> low = lower_for_npu(g);
  std::vector<int> layer_of_node(g.nodes().size(), -1);
  int conv = -1;
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (g.nodes()[i].op == Op::conv2d) layer_of_node[i] = 0, conv = int(i);
  REQUIRE(conv >= 0);
  const NpuDramPlan plan = plan_npu_dram(g, low, {l}, layer_of_node, 8, dram_row_align(npu.dram));
  const sched::OperandPlacement& at = plan.operands[size_t(conv)];
  REQUIRE(at.base.size() == 3);
  CHECK(at.base[0] != at.base[2]);
  CHECK(at.base[1] >= plan.arena_bytes);
  sched::EmitOptions eo;
  eo.placement = at;
  sim::DramModel fresh(npu.dram);
  const sim::DramStats e = sched::emit_plan(l, p, fresh, eo).dram;
  const sim::LayerCost& c = placed.layers()[0].cost;
  CHECK(c.dram.bytes_read == p.dram_read_bytes());
  CHECK(c.dram.bytes_written == p.dram_write_bytes());
  CHECK(c.dram.accesses == e.accesses);
  CHECK(c.dram.row_hits == e.row_hits);
  CHECK(c.dram.activations == e.activations);
  // Each region starts at column 0 of a row: one activation per region and bank it touches,
  // no conflicts (the packed layout, 1 MiB apart, put regions in the same banks: conflicts).
  CHECK(e.row_conflicts == 0);
  CHECK(e.activations <= d.activations);
}

TEST_CASE("a vector op streams its inputs and output once, lanes = array columns") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  NpuAccountant acc(npu, options());
  Graph g;
  TensorId a = g.add_input("a", {2, 4, 10, 10});
  TensorId b = g.add_input("b", {2, 4, 10, 10});
  TensorId r = g.add_node(Op::reshape, "view", {a}, [] { Attrs t; t.shape = {2, 400}; return t; }());
  TensorId rb = g.add_node(Op::reshape, "view_b", {b}, [] { Attrs t; t.shape = {2, 400}; return t; }());
  TensorId c = g.add_node(Op::add, "sum", {r, rb});
  g.mark_output(c, "out");
  acc.account_graph(g, 1, "p");
  REQUIRE(acc.layers().size() == 1);  // reshapes are views: no row, no cost
  const AccountedLayer& row = acc.layers()[0];
  CHECK(row.op == "add");
  CHECK(row.strategy == "vector");
  CHECK(row.cost.dram.bytes_read == 2 * 800);  // two int8 inputs of 800 elements
  CHECK(row.cost.dram.bytes_written == 800);
  CHECK(row.cost.cycles == (800 + npu.array.cols - 1) / npu.array.cols);  // 1 op per element
  CHECK(row.cost.macs == 0);
}

TEST_CASE("linear and attention nodes map to GEMM and attention layers") {
  Graph g;
  TensorId x = g.add_input("x", {2, 77, 64});
  TensorId w = g.add_weight("proj.weight", {32, 64});
  TensorId y = g.add_node(Op::linear, "proj", {x, w});
  Attrs at;
  at.heads = 4;
  at.scale = 0.25f;
  TensorId o = g.add_node(Op::attention, "attn", {y, y, y}, at);
  g.mark_output(o, "out");
  sched::Layer l;
  REQUIRE(matrix_layer_for_node(g, g.nodes()[0], {}, l));
  CHECK(l.kind == sched::LayerKind::gemm);
  CHECK(l.gemm.m == 154);
  CHECK(l.gemm.n == 32);
  CHECK(l.gemm.k == 64);
  REQUIRE(matrix_layer_for_node(g, g.nodes()[1], {}, l));
  CHECK(l.kind == sched::LayerKind::attention);
  CHECK(l.attn.b == 2);
  CHECK(l.attn.heads == 4);
  CHECK(l.attn.lq == 77);
  CHECK(l.attn.lk == 77);
  CHECK(l.attn.d == 8);
  // QK^T and PV per head: 2 x B x heads x Lq x Lk x D.
  CHECK(l.macs() == 2 * 2 * 4 * 77 * 77 * 8);
  NpuAccountant acc(sim::load_npu("phone-npu"), options(sched::Strategy::adaptive));
  acc.account_graph(g, 1, "p");
  CHECK(acc.run().total_macs == Approx(154.0 * 32 * 64 + 2.0 * 2 * 4 * 77 * 77 * 8));
}

TEST_CASE("repeats multiply a graph's cost") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  NpuAccountant one(npu, options()), three(npu, options());
  one.account_graph(conv_graph(), 1, "p");
  three.account_graph(conv_graph(), 3, "p");
  CHECK(three.dram_total().bytes_read == 3 * one.dram_total().bytes_read);
  CHECK(three.dram_total().accesses == 3 * one.dram_total().accesses);
  const sim::RunResult r1 = one.run(), r3 = three.run();
  CHECK(r3.latency_s == Approx(3 * r1.latency_s));
  CHECK(r3.energy.total_j() == Approx(3 * r1.energy.total_j()));
  CHECK(r3.total_macs == Approx(3 * r1.total_macs));
  // Rows hold one execution: the same values, with repeats = 3.
  CHECK(three.layers()[0].repeats == 3);
  CHECK(three.layers()[0].cost.dram.bytes_read == one.layers()[0].cost.dram.bytes_read);
}

TEST_CASE("summary fields are present and consistent") {
  NpuAccountant acc(sim::load_npu("edgetpu-like"), options(sched::Strategy::romanet));
  acc.account_graph(conv_graph(), 2, "unet");
  acc.account_graph(conv_graph(), 1, "vae_decoder");
  acc.set_frames(5);
  const nlohmann::json s = acc.summary();
  for (const char* k : {"sim_latency_s", "fps", "avg_power_w", "fps_per_watt", "tops_per_watt", "energy_j", "dram",
                        "layers", "phases", "area_mm2", "fps_per_mm2", "area"})
    CHECK(s.contains(k));
  for (const char* k : {"mac", "sram", "dram", "static"}) CHECK(s["energy_j"].contains(k));
  for (const char* k : {"bytes_read", "bytes_written", "accesses", "row_hits", "row_misses", "row_conflicts",
                        "activations"})
    CHECK(s["dram"].contains(k));
  const double lat = s["sim_latency_s"], fps = s["fps"], power = s["avg_power_w"];
  REQUIRE(lat > 0);
  CHECK(fps == Approx(5 / lat));
  CHECK(double(s["fps_per_watt"]) == Approx(fps / power));
  CHECK(double(s["area_mm2"]) == Approx(sim::area_breakdown(acc.npu()).total_mm2()));
  CHECK(double(s["fps_per_mm2"]) == Approx(fps / double(s["area_mm2"])));
  const auto& e = s["energy_j"];
  const double parts = double(e["mac"]) + double(e["sram"]) + double(e["dram"]) + double(e["static"]);
  CHECK(parts == Approx(double(e["total"])));
  CHECK(power == Approx(parts / lat));
  // Row x repeats adds up to the totals; the hits, misses and conflicts partition the accesses.
  uint64_t read = 0, accesses = 0;
  double energy = 0;
  REQUIRE(s["layers"].size() == 2);  // one conv2d+silu row per graph
  for (const auto& row : s["layers"]) {
    for (const char* k : {"name", "op", "dtype", "strategy", "tile", "loop_order", "dram_bytes_read",
                          "dram_bytes_written", "dram_accesses", "row_hits", "cycles", "freq_mhz", "energy_j"})
      CHECK(row.contains(k));
    const uint64_t rep = row["repeats"];
    read += uint64_t(row["dram_bytes_read"]) * rep;
    accesses += uint64_t(row["dram_accesses"]) * rep;
    energy += double(row["energy_j"]) * double(rep);
  }
  CHECK(read == uint64_t(s["dram"]["bytes_read"]));
  CHECK(accesses == uint64_t(s["dram"]["accesses"]));
  CHECK(energy == Approx(double(e["total"])));
  const auto& d = s["dram"];
  CHECK(uint64_t(d["row_hits"]) + uint64_t(d["row_misses"]) + uint64_t(d["row_conflicts"]) ==
        uint64_t(d["accesses"]));
  REQUIRE(s["phases"].size() == 2);
  CHECK(s["phases"][0]["name"] == "unet");
  CHECK(double(s["phases"][0]["latency_s"]) + double(s["phases"][1]["latency_s"]) == Approx(lat));
}

TEST_CASE("dtype policies set operand widths, unknown names are input errors") {
  CHECK(sim_operand_bits(SimDtype::f16).weight == 16);
  CHECK(sim_operand_bits(SimDtype::f16).input == 16);
  CHECK(sim_operand_bits(SimDtype::int8).weight == 8);
  CHECK(sim_operand_bits(SimDtype::int4).weight == Approx(4 + 16.0 / 32));  // f16 scale per 32
  CHECK(sim_operand_bits(SimDtype::int4).input == 8);
  CHECK(sim_mac_dtype(SimDtype::int4) == sim::MacDtype::int4);
  CHECK(sim_dtype_from_name("int4") == SimDtype::int4);
  CHECK_THROWS_AS(sim_dtype_from_name("fp8"), InputError);
  // int4 weights move fewer bytes than int8 on the same conv.
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  AccountingOptions o4 = options();
  o4.dtype = SimDtype::int4;
  NpuAccountant a8(npu, options()), a4(npu, o4);
  a8.account_graph(conv_graph(), 1, "p");
  a4.account_graph(conv_graph(), 1, "p");
  const uint64_t w8 = 16 * 8 * 9, w4 = (16 * 8 * 9 * 9 + 15) / 16;  // 4.5 bits, rounded up
  CHECK(a8.layers()[0].cost.dram.bytes_read - a4.layers()[0].cost.dram.bytes_read == w8 - w4);
}

TEST_CASE("compressed weight formats: palette indices + codebook, 2:4 values + metadata") {
  // Bits per dense weight, worked out by hand for a layer of 16 x 8 x 3 x 3 = 1152 weights.
  CHECK(sim_weight_bits(SimDtype::palette4, 1152) == Approx(4.112));  // 4 + 16 x 8 / 1152 = 4.1111, rounded up
  CHECK(sim_weight_bits(SimDtype::palette6, 1152) == Approx(6.445));  // 6 + 64 x 8 / 1152 = 6.4444
  CHECK(sim_weight_bits(SimDtype::sparse24, 1152) == Approx(5));      // (8 + 2) / 2
  CHECK(sim_weight_bits(SimDtype::sparse24_int4, 1152) == Approx(3.5));  // (4 + 2) / 2 + 16 / 32
  CHECK(sim_weight_bits(SimDtype::int4, 1152) == Approx(4.5));
  // The Deep Compression 4x4 example: 16 weights, 4 clusters would be 2 + 4 x 8 / 16 bits; with
  // our 4-bit palette of 16 int8 entries: 4 + 16 x 8 / 16 = 12 bits per weight.
  CHECK(sim_weight_bits(SimDtype::palette4, 16) == Approx(12));
  CHECK(sim_mac_dtype(SimDtype::palette4) == sim::MacDtype::int8);
  CHECK(sim_mac_dtype(SimDtype::sparse24_int4) == sim::MacDtype::int4);
  CHECK(sim_dtype_from_name("sparse24-int4") == SimDtype::sparse24_int4);

  // DRAM bytes of the conv's weights (read once: everything fits on chip, and the bytes
  // objective keeps the weights in one tile).
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  auto weight_read = [&](SimDtype d) {
    AccountingOptions o = options();
    o.dtype = d;
    o.objective = sched::Objective::bytes;
    NpuAccountant a(npu, o);
    a.account_graph(conv_graph(), 1, "p");
    return a.layers()[0].cost.dram.bytes_read - 8 * 16 * 16;  // minus the 8-bit input
  };
  CHECK(weight_read(SimDtype::int8) == 1152);
  const uint64_t pal4 = weight_read(SimDtype::palette4);
  CHECK(pal4 >= 1152 / 2 + 16);  // 576 B of indices + 16 B codebook, never less
  CHECK(pal4 <= 1152 / 2 + 16 + 1);  // at most one byte of rounding
  CHECK(weight_read(SimDtype::sparse24) == 1152 * 5 / 8);  // 576 values + 144 B of 2-bit positions
}

TEST_CASE("2:4 sparse weights halve MACs and cycles only on an array that skips zeros") {
  sim::NpuConfig dense = sim::load_npu("phone-npu");
  REQUIRE_FALSE(dense.array.skips_zeros);
  sim::NpuConfig skipping = dense;
  skipping.array.skips_zeros = true;
  AccountingOptions o8 = options(), o24 = options();
  o24.dtype = SimDtype::sparse24;
  NpuAccountant ref(dense, o8), plain(dense, o24), skip(skipping, o24);
  for (NpuAccountant* a : {&ref, &plain, &skip}) a->account_graph(conv_graph(), 1, "p");
  const sim::LayerCost &r = ref.layers()[0].cost, &p = plain.layers()[0].cost, &s = skip.layers()[0].cost;
  CHECK(p.macs == r.macs);  // stored sparse, computed dense
  CHECK(p.cycles == r.cycles);
  CHECK(s.macs == Approx(r.macs / 2));
  CHECK(s.cycles == (r.cycles + 1) / 2);
  CHECK(s.dram.bytes_read == p.dram.bytes_read);  // same bytes either way
  CHECK(skip.run().energy.mac_j < plain.run().energy.mac_j);
}

TEST_CASE("policy comparison: every policy on the same rows, gains against each other") {
  AccountingOptions o = options();
  o.power_cap_w = 0.6;
  NpuAccountant acc(sim::load_npu("phone-npu"), o);
  acc.account_graph(conv_graph(), 50, "p");
  acc.set_frames(2);
  const nlohmann::json c = acc.policy_comparison();
  REQUIRE(c["policies"].size() == 3);
  REQUIRE(c["pairs"].size() == 6);
  std::map<std::string, nlohmann::json> by;
  for (const auto& p : c["policies"]) by[p["policy"]] = p;
  // The fixed entry equals the accountant's own (fixed-policy) summary.
  const nlohmann::json s = acc.summary(false);
  CHECK(double(by["fixed"]["fps"]) == Approx(double(s["fps"])));
  CHECK(double(by["fixed"]["energy_j"]) == Approx(double(s["energy_j"]["total"])));
  for (const auto& pr : c["pairs"]) {
    const auto &a = by[pr["policy"]], &b = by[pr["baseline"]];
    CHECK(double(pr["fps_gain_pct"]) == Approx((double(a["fps"]) / double(b["fps"]) - 1) * 100));
    CHECK(double(pr["energy_saving_pct"]) ==
          Approx((1 - double(a["energy_j"]) / double(b["energy_j"])) * 100));
  }
  // A cap below the uncapped peak slows the capped policies down.
  CHECK(double(by["dvfs"]["fps"]) <= double(by["fixed"]["fps"]));
  CHECK(double(by["dfs-layer"]["fps"]) >= double(by["dvfs"]["fps"]));
}

TEST_CASE("the DRAM trace is one non-decreasing issue order with each layer spread over its latency") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  AccountingOptions o = options();
  o.max_ranges_per_layer = 0;  // every burst emitted: the trace holds each layer whole
  NpuAccountant acc(npu, o);
  std::ostringstream trace;
  acc.set_dram_trace(&trace, 1u << 22);
  sched::ConvShape a, b;
  a.n = 1, a.c = 32, a.h = 56, a.w = 56, a.k = 64, a.r = 3, a.s = 3, a.pad = 1;  // compute-bound
  b.n = 1, b.c = 256, b.h = 14, b.w = 14, b.k = 512, b.r = 1, b.s = 1;            // weight-heavy
  acc.account_layers({sched::make_conv("a", a, {8, 8, 8, 32}), sched::make_conv("b", b, {8, 8, 8, 32})}, 1, "t");
  REQUIRE(acc.layers().size() == 2);
  std::vector<uint64_t> cycles;
  std::istringstream in(trace.str());
  std::string addr, op;
  uint64_t c = 0;
  while (in >> addr >> op >> c) cycles.push_back(c);
  const sim::LayerCost& l0 = acc.layers()[0].cost;
  const sim::LayerCost& l1 = acc.layers()[1].cost;
  REQUIRE(cycles.size() == l0.dram.accesses + l1.dram.accesses);
  CHECK(std::is_sorted(cycles.begin(), cycles.end()));
  // Layer spans, computed here from the rows: latency at the top V-F point in DRAM clocks.
  const auto& top = npu.power.vf.back();
  const auto span = [&](const sim::LayerCost& l) {
    return sim::evaluate_layer(npu, l, top.freq_mhz, top.volt).latency_s * 1e9 / npu.dram.tck_ns;
  };
  const double s0 = span(l0), s1 = span(l1);
  CHECK(cycles.front() == 0);
  const size_t n0 = l0.dram.accesses;
  CHECK(cycles[n0 - 1] == uint64_t((n0 - 1) * (s0 / n0)));  // the last burst of layer a
  CHECK(cycles[n0] == uint64_t(std::llround(s0)));           // layer b starts where a ends
  CHECK(double(cycles.back()) < s0 + s1 + 1);
  CHECK(double(cycles.back()) > s0 + s1 * 0.99);
}
