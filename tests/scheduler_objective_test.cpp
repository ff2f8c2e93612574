// The search objective: every strategy minimises the cost it reports. exhaustive is the optimum
// of the objective layer by layer (it contains every other strategy's space), adaptive is never
// worse in a model's total than the best fixed strategy, the lower bound that prunes the search
// never exceeds a full cost, tiles aligned to the array are always candidates, and ROMANet's
// tile-contiguous DRAM layout needs fewer row activations and bursts than row-major for the
// same tiles.
#include <catch2/catch.hpp>

#include <algorithm>

#include "scheduler/compare.h"
#include "scheduler/plan_cost.h"
#include "scheduler/search.h"
#include "scheduler/strategy.h"
#include "scheduler/topology.h"
#include "sim/npu_config.h"
#include "base/error.h"

using namespace zoomrt;
using namespace zoomrt::sched;

namespace {

const std::vector<std::string> kModels = {"alexnet", "vgg16", "mobilenet"};
const std::vector<Strategy> kFixed = {Strategy::naive, Strategy::weight_stationary, Strategy::output_stationary,
                                      Strategy::input_stationary, Strategy::romanet};

double total(Objective o, const std::vector<Plan>& plans) {
  double e = 0, t = 0, v = 0;
  for (const Plan& p : plans) e += p.cost.energy_j(), t += p.cost.latency_s(), v += objective_value(o, p.cost);
  return o == Objective::edp ? e * t : v;
}

}  // namespace

TEST_CASE("objective list: names round-trip, unknown names fail with the list", "[objective]") {
  for (Objective o : all_objectives()) CHECK(objective_from_name(objective_name(o)) == o);
  CHECK_THROWS_WITH(objective_from_name("power"), Catch::Contains("power") && Catch::Contains("edp"));
}

TEST_CASE("tile candidates hold the whole dim, 1, array multiples and their halvings", "[objective]") {
  sim::MacArray a;
  a.rows = 48, a.cols = 24;
  const auto c = tile_candidates(197, false, &a);
  for (int64_t v : {1, 3, 6, 12, 24, 48, 72, 96, 144, 192, 197}) {
    INFO(v);
    CHECK(std::count(c.begin(), c.end(), v) == 1);
  }
  CHECK(std::is_sorted(c.begin(), c.end()));
  const auto all = tile_candidates(150, true, &a);
  CHECK(std::count(all.begin(), all.end(), 24) == 1);
  CHECK(std::count(all.begin(), all.end(), 75) == 1);  // ceil(150 / 2)
}

TEST_CASE("the pruning bound never exceeds a full cost, in either layout", "[objective]") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  const auto layers = load_topology("alexnet", operand_bits_for(sim::MacDtype::int8));
  for (Objective o : all_objectives()) {
    const CostContext c = cost_context(npu, sim::MacDtype::int8, o);
    for (const Layer& l : layers) {
      const LoopNest n = make_loop_nest(l);
      int visited = 0;
      for_each_fitting_tiling(n, c.budget, SearchSpace{false, &npu.array}, [&](const Tiling& tiles) {
        if (visited++ % 17) return;  // a spread sample of the grid
        Tiling t = tiles;
        t.order = all_loop_orders(n).back();
        const Traffic tr = analytic_traffic(n, t);
        const double lb = objective_lower_bound(l, tiling_facts(l, n, t, c), tr.read_bytes, tr.write_bytes, c);
        for (DramLayout layout : {DramLayout::row_major, DramLayout::tiled}) {
          Plan p = make_plan(l, Strategy::adaptive, t, layout);
          const double v = objective_value(o, cost_plan(l, p, c));
          INFO(objective_name(o) << " " << l.name << " " << p.tile << " " << dram_layout_name(layout));
          CHECK(lb <= v * (1 + 1e-12));
        }
      });
    }
  }
}

TEST_CASE("exhaustive is the optimum layer by layer, adaptive beats every fixed strategy in total",
          "[objective]") {
  for (const std::string& preset : sim::npu_preset_names()) {
    const sim::NpuConfig npu = sim::load_npu(preset);
    for (Objective o : {Objective::energy, Objective::latency}) {
      const CostContext c = cost_context(npu, sim::MacDtype::int8, o);
      for (const std::string& model : kModels) {
        const auto layers = load_topology(model, operand_bits_for(sim::MacDtype::int8));
        for (const Layer& l : layers) {
          const double best = objective_value(o, plan_layer(l, Strategy::exhaustive, c).cost);
          for (Strategy s : all_strategies()) {
            INFO(preset << " " << objective_name(o) << " " << model << " " << l.name << " " << strategy_name(s));
            CHECK(best <= objective_value(o, plan_layer(l, s, c).cost));
          }
        }
        double best_fixed = -1;
        for (Strategy s : kFixed) {
          const double v = total(o, plan_layers(layers, s, c));
          if (best_fixed < 0 || v < best_fixed) best_fixed = v;
        }
        const double adaptive = total(o, plan_layers(layers, Strategy::adaptive, c));
        const double exhaustive = total(o, plan_layers(layers, Strategy::exhaustive, c));
        INFO(preset << " " << objective_name(o) << " " << model);
        CHECK(adaptive <= best_fixed);
        CHECK(exhaustive <= adaptive);
      }
    }
  }
}

TEST_CASE("layout rule: a tiled input that differs from its producer's layout pays a re-layout",
          "[objective]") {
  const sim::NpuConfig npu = sim::load_npu("phone-npu");
  const CostContext c = cost_context(npu, sim::MacDtype::int8, Objective::energy);
  const auto layers = load_topology("vgg16", operand_bits_for(sim::MacDtype::int8));
  const auto romanet = plan_layers(layers, Strategy::romanet, c);
  const auto ws = plan_layers(layers, Strategy::weight_stationary, c);
  int charged = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    CHECK(ws[i].relayout_read_bytes == 0);  // row-major everywhere: nothing to re-lay
    const Plan alone = plan_layer(layers[i], Strategy::romanet, c);
    if (romanet[i].relayout_read_bytes == 0) continue;
    ++charged;
    // The charge: the whole input tensor read and written once more, and never free.
    CHECK(romanet[i].relayout_read_bytes == romanet[i].relayout_write_bytes);
    CHECK(romanet[i].dram_bytes() == alone.dram_bytes() + 2 * romanet[i].relayout_read_bytes);
    CHECK(romanet[i].cost.energy_j() > alone.cost.energy_j());
  }
  CHECK(charged > 0);  // ROMANet's tile blocks rarely match the previous layer's
}

TEST_CASE("ROMANet's DRAM mapping: fewer activations and bursts than row-major for the same tiles",
          "[objective]") {
  for (const std::string& preset : sim::npu_preset_names()) {
    const sim::NpuConfig npu = sim::load_npu(preset);
    const CostContext c = cost_context(npu, sim::MacDtype::int8, Objective::energy);
    for (const std::string& model : kModels) {
      for (const Layer& l : load_topology(model, operand_bits_for(sim::MacDtype::int8))) {
        const Plan tiled = plan_layer(l, Strategy::romanet, c);
        const Plan row_major = make_plan(l, Strategy::romanet, tiled.tiling, DramLayout::row_major);
        const sim::DramStats a = tiled.cost.layer.dram, b = cost_plan(l, row_major, c).layer.dram;
        INFO(preset << " " << model << " " << l.name << " tile " << tiled.tile);
        CHECK(a.bytes_read + a.bytes_written == b.bytes_read + b.bytes_written);
        CHECK(a.activations <= b.activations);
        CHECK(a.accesses <= b.accesses);
      }
    }
  }
}

TEST_CASE("plan_sram_bytes by hand: one-tile 4x4x4 GEMM", "[sram]") {
  const Layer l = make_gemm("g", 4, 4, 4);  // 8-bit x, w, y
  const Plan p = plan_layer(l, Strategy::romanet, unified_budget(1 << 20));
  REQUIRE(p.tile == "M4 N4 K4");
  const SramBytes s = plan_sram_bytes(l, p);
  // DRAM -> SRAM: x 16 B + w 16 B written; SRAM -> DRAM: y 16 B read out, plus the array reading
  // x and w once (one step): 16 + 32.
  CHECK(s.write == 32.0);
  CHECK(s.read == 48.0);
}
