// Simulating one sweep point (see sweep_point.h).
#include "tools/zoomrt/sweep_point.h"

#include <fmt/format.h>

#include "scheduler/topology.h"
#include "sim/npu_config.h"
#include "sim/power.h"
#include "base/error.h"

namespace zoomrt::cli {

namespace {
using nlohmann::json;

// The key of what zoom_workload builds from a run (the dtype enters as activation bits).
std::string workload_key(const PointRun& r) {
  const RunOptions& o = r.run;
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", o.model, o.scheduler, o.zoom,
                     o.size, o.width, o.height, o.steps, o.keyframes, o.frames_between,
                     o.keyframe_every, o.border, o.prompts, o.start_image,
                     sim_operand_bits(r.accounting.dtype).input);
}
}  // namespace

json sweep_run_defaults() {
  const RunOptions o;
  const AccountingOptions a;
  return json{{"model", o.model},
              {"scheduler", o.scheduler},
              {"zoom", o.zoom},
              {"size", o.size},
              {"width", o.width},
              {"height", o.height},
              {"steps", o.steps},
              {"keyframes", o.keyframes},
              {"frames_between", o.frames_between},
              {"keyframe_every", o.keyframe_every},
              {"border", o.border},
              {"prompts", o.prompts},
              {"start_image", o.start_image},
              {"dtype", sim_dtype_name(a.dtype)},
              {"strategy", sched::strategy_name(a.strategy)},
              {"objective", sched::objective_name(a.objective)},
              {"power_policy", sim::power_policy_name(a.policy)},
              {"power_cap", double(a.power_cap_w)},
              {"dram_ranges", a.max_ranges_per_layer}};
}

PointRun point_run(const json& j, const std::string& origin) {
  try {
    PointRun r;
    RunOptions& o = r.run;
    o.model = j.at("model").get<std::string>();
    o.scheduler = j.at("scheduler").get<std::string>();
    o.zoom = j.at("zoom").get<double>();
    o.size = j.at("size").get<int>();
    o.width = j.at("width").get<int>();
    o.height = j.at("height").get<int>();
    o.steps = j.at("steps").get<int>();
    o.keyframes = j.at("keyframes").get<int>();
    o.frames_between = j.at("frames_between").get<int>();
    o.keyframe_every = j.at("keyframe_every").get<int>();
    o.border = j.at("border").get<int>();
    o.prompts = j.at("prompts").get<int>();
    o.start_image = j.at("start_image").get<bool>();
    AccountingOptions& a = r.accounting;
    a.dtype = kSimDtypes.parse(j.at("dtype").get<std::string>(), "run.dtype");
    a.strategy = sched::kStrategies.parse(j.at("strategy").get<std::string>(), "run.strategy");
    a.objective = sched::kObjectives.parse(j.at("objective").get<std::string>(), "run.objective");
    a.policy = sim::kPowerPolicies.parse(j.at("power_policy").get<std::string>(), "run.power_policy");
    a.power_cap_w = j.at("power_cap").get<double>();
    a.max_ranges_per_layer = j.at("dram_ranges").get<uint64_t>();
    if (a.power_cap_w < 0) fail_input("run.power_cap: {} W must be positive", a.power_cap_w);
    if (a.policy != sim::PowerPolicy::fixed && !(a.power_cap_w > 0))
      fail_input("run.power_cap: required (> 0 W) by run.power_policy {}",
                 sim::power_policy_name(a.policy));
    if (o.border < 0) fail_input("run.border: {} must not be negative", o.border);
    if (!is_topology(o.model)) validate_run_options(o);
    return r;
  } catch (const InputError& e) {
    fail_input("{}: {}", origin, e.what());
  } catch (const json::exception& e) {
    fail_input("{}: run: {}", origin, e.what());
  }
}

std::shared_ptr<const ZoomWorkload> PointEvaluator::workload(const PointRun& r) {
  const std::string key = workload_key(r);
  {
    std::lock_guard lock(mu_);
    if (auto it = workloads_.find(key); it != workloads_.end()) return it->second;
  }
  // Built outside the lock; a second thread building the same run keeps the first one's.
  auto w = std::make_shared<const ZoomWorkload>(
      run_workload(r.run, sim_operand_bits(r.accounting.dtype).input));
  std::lock_guard lock(mu_);
  return workloads_.emplace(key, std::move(w)).first->second;
}

void PointEvaluator::prepare(const PointRun& r, const std::string& origin) {
  try {
    if (is_topology(r.run.model))
      sched::load_topology(r.run.model, sim_operand_bits(r.accounting.dtype));
    else
      workload(r);
  } catch (const InputError& e) {
    fail_input("{}: {}", origin, e.what());
  }
}

json PointEvaluator::figures(const json& config, const std::string& origin) {
  const PointRun r = point_run(config.at("run"), origin);
  try {
    NpuAccountant acc(sim::parse_npu_json(config.at("npu").dump(), origin), r.accounting);
    int unet_calls = 0;
    if (is_topology(r.run.model)) {
      acc.account_layers(sched::load_topology(r.run.model, sim_operand_bits(r.accounting.dtype)), 1,
                         "topology");
    } else {
      const auto w = workload(r);
      account_workload(acc, *w);
      unet_calls = w->unet_calls_per_keyframe;
    }
    json s = acc.summary(false);
    if (!is_topology(r.run.model)) s["unet_calls_per_keyframe"] = unet_calls;
    s["model"] = r.run.model;
    return s;
  } catch (const InputError& e) {
    if (std::string(e.what()).rfind(origin, 0) == 0) throw;
    fail_input("{}: {}", origin, e.what());
  }
}

}  // namespace zoomrt::cli
