// A zoom run under several tiling strategies. See workload_compare.h.
#include "runtime/npu/workload_compare.h"

#include <chrono>
#include <map>
#include <string>

#include "scheduler/compare.h"

namespace zoomrt {

namespace {

double hit_rate(uint64_t hits, uint64_t accesses) { return accesses ? double(hits) / double(accesses) : 0.0; }

// One row's cost under one strategy, per execution (lr holds all `repeats` executions).
nlohmann::json layer_result(const AccountedLayer& row, const sim::LayerResult& lr) {
  const double per = 1.0 / double(row.repeats);
  const sim::DramStats& d = row.cost.dram;
  return {{"strategy", row.strategy},
          {"tile", row.tile},
          {"loop_order", row.loop_order},
          {"dram_bytes_read", d.bytes_read},
          {"dram_bytes_written", d.bytes_written},
          {"dram_accesses", d.accesses},
          {"row_hits", d.row_hits},
          {"row_hit_rate", hit_rate(d.row_hits, d.accesses)},
          {"cycles", row.cost.cycles},
          {"dram_energy_j", lr.energy.dram_j * per},
          {"energy_j", lr.energy.total_j() * per},
          {"latency_s", lr.latency_s * per}};
}

// A phase's whole-run sums under one strategy.
struct PhaseSum {
  double latency_s = 0, energy_j = 0, dram_energy_j = 0;
  uint64_t bytes_read = 0, bytes_written = 0, accesses = 0, row_hits = 0;
  nlohmann::json json() const {
    return {{"latency_s", latency_s},
            {"energy_j", energy_j},
            {"dram_energy_j", dram_energy_j},
            {"dram_bytes_read", bytes_read},
            {"dram_bytes_written", bytes_written},
            {"dram_accesses", accesses},
            {"row_hits", row_hits},
            {"row_hit_rate", hit_rate(row_hits, accesses)}};
  }
};

}  // namespace

std::vector<NpuAccountant> compare_workload_strategies(const sim::NpuConfig& npu, const AccountingOptions& base,
                                                       const ZoomWorkload& w,
                                                       const std::vector<sched::Strategy>& strategies,
                                                       const CompareProgress& progress) {
  std::vector<NpuAccountant> runs;
  runs.reserve(strategies.size());
  for (size_t i = 0; i < strategies.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    AccountingOptions o = base;
    o.strategy = strategies[i];
    o.policy = sim::PowerPolicy::fixed;
    o.power_cap_w = 0;
    runs.emplace_back(npu, o);
    account_workload(runs.back(), w);
    if (progress)
      progress(i, strategies[i], std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return runs;
}

double run_objective_value(sched::Objective o, const nlohmann::json& summary) {
  sched::CompareTotals t;
  t.energy_j = summary["energy_j"]["total"].get<double>();
  t.latency_s = summary["sim_latency_s"].get<double>();
  t.accesses = summary["dram"]["accesses"].get<uint64_t>();
  t.bytes_read = summary["dram"]["bytes_read"].get<uint64_t>();
  t.bytes_written = summary["dram"]["bytes_written"].get<uint64_t>();
  return sched::objective_total(o, t);
}

nlohmann::json workload_compare_json(const std::vector<NpuAccountant>& runs) {
  const NpuAccountant& first = runs.at(0);
  const sched::Objective objective = first.options().objective;
  nlohmann::json j{{"npu", first.npu().name},
                   {"dtype", sim_dtype_name(first.options().dtype)},
                   {"objective", sched::objective_name(objective)},
                   {"power_policy", sim::power_policy_name(sim::PowerPolicy::fixed)}};
  nlohmann::json layers = nlohmann::json::array(), phases = nlohmann::json::array();
  for (const AccountedLayer& row : first.layers())
    layers.push_back({{"name", row.name},
                      {"op", row.op},
                      {"phase", row.phase},
                      {"repeats", row.repeats},
                      {"macs", row.cost.macs},
                      {"results", nlohmann::json::object()}});
  std::map<std::string, size_t> phase_index;  // phases in order of first appearance
  for (const AccountedLayer& row : first.layers()) {
    auto [it, fresh] = phase_index.try_emplace(row.phase, phases.size());
    if (fresh)
      phases.push_back({{"name", row.phase}, {"layers", 0}, {"macs", 0.0}, {"results", nlohmann::json::object()}});
    nlohmann::json& ph = phases[it->second];
    ph["layers"] = ph["layers"].get<int>() + 1;
    ph["macs"] = ph["macs"].get<double>() + row.cost.macs * double(row.repeats);
  }
  std::string best;
  double best_value = 0;
  for (const NpuAccountant& acc : runs) {
    const std::string s = sched::strategy_name(acc.options().strategy);
    j["strategies"].push_back(s);
    const sim::RunResult run = acc.run();
    std::vector<PhaseSum> sums(phases.size());
    for (size_t i = 0; i < acc.layers().size(); ++i) {
      const AccountedLayer& row = acc.layers()[i];
      const sim::LayerResult& lr = run.layers[i];
      layers[i]["results"][s] = layer_result(row, lr);
      PhaseSum& p = sums[phase_index.at(row.phase)];
      const uint64_t r = uint64_t(row.repeats);
      p.latency_s += lr.latency_s, p.energy_j += lr.energy.total_j(), p.dram_energy_j += lr.energy.dram_j;
      p.bytes_read += row.cost.dram.bytes_read * r, p.bytes_written += row.cost.dram.bytes_written * r;
      p.accesses += row.cost.dram.accesses * r, p.row_hits += row.cost.dram.row_hits * r;
    }
    for (size_t p = 0; p < phases.size(); ++p) phases[p]["results"][s] = sums[p].json();
    nlohmann::json t = acc.summary(false);
    t.erase("phases");
    t["objective_value"] = run_objective_value(objective, t);
    if (best.empty() || t["objective_value"].get<double>() < best_value)
      best = s, best_value = t["objective_value"].get<double>();
    j["totals"][s] = std::move(t);
  }
  for (auto& [s, t] : j["totals"].items())
    t["objective_vs_best_pct"] = best_value > 0 ? 100 * (t["objective_value"].get<double>() / best_value - 1) : 0.0;
  j["best"] = best;
  j["frames"] = j["totals"][best]["frames"];
  j["phases"] = std::move(phases);
  j["layers"] = std::move(layers);
  return j;
}

}  // namespace zoomrt
