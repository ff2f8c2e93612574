// The strategies on the workload this product exists for: every distinct conv / GEMM / attention
// layer of the SD2-inpainting UNet and VAE at 512x512, on every NPU preset. exhaustive must be
// the optimum of the objective layer by layer, and over the UNet's layer sequence adaptive must
// be no worse in total than the best fixed strategy (the layout rule charged to all alike).
#include <catch2/catch.hpp>

#include <set>

#include "kernels/thread_pool.h"
#include "runtime/model/model.h"
#include "runtime/npu/accounting.h"
#include "scheduler/plan_cost.h"

using namespace zoomrt;

namespace {

// The matrix layers of one component graph, in node order, at int8.
std::vector<sched::Layer> matrix_layers(const ModelConfigs& m, Component c) {
  const Graph g = build_component_for_image(m, c, 512, 512);
  std::vector<sched::Layer> out;
  for (const Node& n : g.nodes()) {
    sched::Layer l;
    if (!matrix_layer_for_node(g, n, sim_operand_bits(SimDtype::int8), l)) continue;
    apply_weight_format(l, SimDtype::int8);
    l.name = n.name;
    out.push_back(l);
  }
  return out;
}

double total(sched::Objective o, const std::vector<sched::Plan>& plans) {
  double e = 0, t = 0, v = 0;
  for (const auto& p : plans) e += p.cost.energy_j(), t += p.cost.latency_s(), v += sched::objective_value(o, p.cost);
  return o == sched::Objective::edp ? e * t : v;
}

}  // namespace

TEST_CASE("SD2 UNet and VAE at 512: exhaustive is the optimum layer by layer on every preset", "[sd2]") {
  const ModelConfigs m = load_model_configs("sd2-inpainting");
  std::vector<sched::Layer> distinct;
  std::set<std::string> seen;
  for (Component c : {Component::unet, Component::vae_encoder, Component::vae_decoder})
    for (const sched::Layer& l : matrix_layers(m, c))
      if (seen.insert(l.shape_key()).second) distinct.push_back(l);
  REQUIRE(distinct.size() > 60);
  for (const std::string& preset : sim::npu_preset_names()) {
    const sim::NpuConfig npu = sim::load_npu(preset);
    const sched::CostContext c = sched::cost_context(npu, sim::MacDtype::int8, sched::Objective::energy);
    // Plans land in the scheduler's cache: planning in parallel first only saves time.
    default_pool().parallel_for(distinct.size(), 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) sched::plan_layer(distinct[i], sched::Strategy::exhaustive, c);
    });
    for (const sched::Layer& l : distinct) {
      const double best = sched::objective_value(c.objective, sched::plan_layer(l, sched::Strategy::exhaustive, c).cost);
      for (sched::Strategy s : sched::all_strategies()) {
        INFO(preset << " " << l.name << " " << l.shape_string() << " " << sched::strategy_name(s));
        CHECK(best <= sched::objective_value(c.objective, sched::plan_layer(l, s, c).cost));
      }
    }
  }
}

TEST_CASE("SD2 UNet sequence: adaptive <= the best fixed strategy in total, exhaustive <= adaptive", "[sd2]") {
  const ModelConfigs m = load_model_configs("sd2-inpainting");
  const std::vector<sched::Layer> unet = matrix_layers(m, Component::unet);
  const std::pair<const char*, sched::Objective> cases[] = {{"phone-npu", sched::Objective::energy},
                                                             {"phone-npu", sched::Objective::latency},
                                                             {"eyeriss-like", sched::Objective::edp}};
  for (const auto& [preset, o] : cases) {
    {
      const sched::CostContext c = sched::cost_context(sim::load_npu(preset), sim::MacDtype::int8, o);
      double best_fixed = -1;
      for (sched::Strategy s : {sched::Strategy::naive, sched::Strategy::weight_stationary,
                                sched::Strategy::output_stationary, sched::Strategy::input_stationary,
                                sched::Strategy::romanet}) {
        const double v = total(o, sched::plan_layers(unet, s, c));
        if (best_fixed < 0 || v < best_fixed) best_fixed = v;
      }
      const double adaptive = total(o, sched::plan_layers(unet, sched::Strategy::adaptive, c));
      INFO(preset << " " << sched::objective_name(o));
      CHECK(adaptive <= best_fixed);
      CHECK(total(o, sched::plan_layers(unet, sched::Strategy::exhaustive, c)) <= adaptive);
    }
  }
}
