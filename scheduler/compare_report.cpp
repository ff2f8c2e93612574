#include "scheduler/compare_report.h"

#include <algorithm>

#include <fmt/format.h>

namespace zoomrt::sched {

namespace {

double mib(uint64_t b) { return double(b) / (1024.0 * 1024.0); }

}  // namespace

std::string compare_table(const CompareResult& r) {
  std::string out = fmt::format("NPU {} ({}), {} layers, objective {}\n", r.npu_name, r.sram_budget,
                                r.layers.size(), objective_name(r.objective));
  const char* hdr = "  {:<18} {:>9} {:>9} {:>11} {:>6} {:>10} {:>10}  {:<9} {:<24} {}\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    out += fmt::format("{}  [{}]\n", r.layers[i].name, r.layers[i].shape_string());
    out += fmt::format(fmt::runtime(hdr), "strategy", "read MiB", "write MiB", "accesses", "hit%",
                       "DRAM mJ", "lat ms", "layout", "tile", "order");
    for (size_t s = 0; s < r.strategies.size(); ++s) {
      const CompareCell& c = r.cells[s][i];
      out += fmt::format("  {:<18} {:>9.3f} {:>9.3f} {:>11} {:>6.1f} {:>10.4f} {:>10.4f}  {:<9} {:<24} {}{}\n",
                         strategy_name(r.strategies[s]), mib(c.dram.bytes_read),
                         mib(c.dram.bytes_written), c.dram.accesses, 100 * c.row_hit_rate(),
                         1e3 * c.dram_energy_j, 1e3 * c.latency_s, c.plan.layout_name(),
                         c.plan.tile, c.plan.loop_order, c.plan.relayout_read_bytes ? " +relayout" : "");
    }
  }
  out += "\nTOTAL\n";
  out += fmt::format("  {:<18} {:>10} {:>10} {:>12} {:>6} {:>10} {:>10} {:>10} {:>12}\n", "strategy",
                     "read MiB", "write MiB", "accesses", "hit%", "DRAM mJ", "energy mJ", "lat ms",
                     fmt::format("{} vs best", objective_name(r.objective)));
  double best = 0;
  for (size_t s = 0; s < r.totals.size(); ++s)
    if (s == 0 || r.totals[s].objective < best) best = r.totals[s].objective;
  for (size_t s = 0; s < r.strategies.size(); ++s) {
    const CompareTotals& t = r.totals[s];
    out += fmt::format("  {:<18} {:>10.2f} {:>10.2f} {:>12} {:>6.1f} {:>10.3f} {:>10.3f} {:>10.3f} {:>+11.1f}%\n",
                       strategy_name(r.strategies[s]), mib(t.bytes_read), mib(t.bytes_written),
                       t.accesses, 100 * t.row_hit_rate(), 1e3 * t.dram_energy_j, 1e3 * t.energy_j,
                       1e3 * t.latency_s, best > 0 ? 100 * (t.objective / best - 1) : 0.0);
  }
  return out;
}

namespace {

nlohmann::json cell_json(const CompareCell& c) {
  nlohmann::json j = {{"tile", c.plan.tile},
          {"loop_order", c.plan.loop_order},
          {"layout", c.plan.layout_name()},
          {"dram_bytes_read", c.dram.bytes_read},
          {"dram_bytes_written", c.dram.bytes_written},
          {"relayout_bytes", c.plan.relayout_read_bytes + c.plan.relayout_write_bytes},
          {"dram_accesses", c.dram.accesses},
          {"row_hits", c.dram.row_hits},
          {"row_misses", c.dram.row_misses},
          {"row_conflicts", c.dram.row_conflicts},
          {"activations", c.dram.activations},
          {"row_hit_rate", c.row_hit_rate()},
          {"cycles", c.compute_cycles},
          {"dram_energy_j", c.dram_energy_j},
          {"energy_j", c.energy_j},
          {"latency_s", c.latency_s},
          {"objective", c.objective}};
  if (c.has_row_major_tiles)
    j["row_major_same_tiles"] = {{"dram_accesses", c.row_major_tiles.accesses},
                                 {"activations", c.row_major_tiles.activations},
                                 {"row_hits", c.row_major_tiles.row_hits},
                                 {"dram_energy_pj", c.row_major_tiles.energy_pj}};
  return j;
}

}  // namespace

nlohmann::json compare_json(const CompareResult& r) {
  nlohmann::json j;
  j["npu"] = r.npu_name;
  j["sram"] = r.sram_budget;
  j["objective"] = objective_name(r.objective);
  for (Strategy s : r.strategies) j["strategies"].push_back(strategy_name(s));
  for (size_t i = 0; i < r.layers.size(); ++i) {
    nlohmann::json l{{"name", r.layers[i].name}, {"op", layer_kind_name(r.layers[i].kind)},
                     {"shape", r.layers[i].shape_string()}, {"macs", r.layers[i].macs()}};
    for (size_t s = 0; s < r.strategies.size(); ++s)
      l["results"][strategy_name(r.strategies[s])] = cell_json(r.cells[s][i]);
    j["layers"].push_back(std::move(l));
  }
  for (size_t s = 0; s < r.strategies.size(); ++s) {
    const CompareTotals& t = r.totals[s];
    j["totals"][strategy_name(r.strategies[s])] = {
        {"dram_bytes_read", t.bytes_read}, {"dram_bytes_written", t.bytes_written},
        {"dram_accesses", t.accesses},     {"row_hits", t.row_hits},
        {"activations", t.activations},    {"row_hit_rate", t.row_hit_rate()},
        {"dram_energy_j", t.dram_energy_j}, {"energy_j", t.energy_j},
        {"latency_s", t.latency_s},        {"objective", t.objective}};
  }
  return j;
}

std::string compare_csv(const CompareResult& r) {
  std::string out =
      "layer,strategy,tile,loop_order,dram_bytes_read,dram_bytes_written,dram_accesses,row_hits,"
      "row_hit_rate,dram_energy_j,energy_j,latency_s\n";
  for (size_t i = 0; i < r.layers.size(); ++i)
    for (size_t s = 0; s < r.strategies.size(); ++s) {
      const CompareCell& c = r.cells[s][i];
      out += fmt::format("{},{},{},{},{},{},{},{},{:.6f},{:.9g},{:.9g},{:.9g}\n", r.layers[i].name,
                         strategy_name(r.strategies[s]), c.plan.tile, c.plan.loop_order,
                         c.dram.bytes_read, c.dram.bytes_written, c.dram.accesses, c.dram.row_hits,
                         c.row_hit_rate(), c.dram_energy_j, c.energy_j, c.latency_s);
    }
  for (size_t s = 0; s < r.strategies.size(); ++s) {
    const CompareTotals& t = r.totals[s];
    out += fmt::format("TOTAL,{},,,{},{},{},{},{:.6f},{:.9g},{:.9g},{:.9g}\n",
                       strategy_name(r.strategies[s]), t.bytes_read, t.bytes_written, t.accesses,
                       t.row_hits, t.row_hit_rate(), t.dram_energy_j, t.energy_j, t.latency_s);
  }
  return out;
}

}  // namespace zoomrt::sched
