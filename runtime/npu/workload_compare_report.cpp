// Table and CSV of a workload comparison. See workload_compare_report.h.
#include "runtime/npu/workload_compare_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

namespace zoomrt {

namespace {

double mib(const nlohmann::json& bytes) { return bytes.get<double>() / (1024.0 * 1024.0); }
double gib(const nlohmann::json& bytes) { return bytes.get<double>() / (1024.0 * 1024.0 * 1024.0); }
double num(const nlohmann::json& v) { return v.get<double>(); }

// A CSV field, quoted when it holds a separator or a quote.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string totals_table(const nlohmann::json& j) {
  std::string out = "\nTOTAL (whole run)\n";
  out += fmt::format("  {:<18} {:>11} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11} {:>13} {:>6} {:>10}\n",
                     "strategy", "latency s", "energy J", "mac J", "sram J", "dram J", "static J", "read GiB",
                     "write GiB", "accesses", "hit%", fmt::format("{} vs best", j["objective"].get<std::string>()));
  for (const auto& s : j["strategies"]) {
    const auto& t = j["totals"][s.get<std::string>()];
    const auto& e = t["energy_j"];
    const auto& d = t["dram"];
    out += fmt::format(
        "  {:<18} {:>11.5g} {:>10.5g} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g} {:>11.5g} {:>11.5g} {:>13} "
        "{:>6.1f} {:>+9.2f}%\n",
        s.get<std::string>(), num(t["sim_latency_s"]), num(e["total"]), num(e["mac"]), num(e["sram"]), num(e["dram"]),
        num(e["static"]), gib(d["bytes_read"]), gib(d["bytes_written"]), d["accesses"].get<uint64_t>(),
        100 * num(d["row_hit_rate"]), num(t["objective_vs_best_pct"]));
  }
  return out;
}

std::string phases_table(const nlohmann::json& j) {
  std::string out = "\nPER PHASE (whole run)\n";
  for (const auto& ph : j["phases"]) {
    out += fmt::format("{}  ({} rows)\n", ph["name"].get<std::string>(), ph["layers"].get<int>());
    out += fmt::format("  {:<18} {:>11} {:>10} {:>10} {:>11} {:>11} {:>13} {:>6}\n", "strategy", "latency s",
                       "energy J", "dram J", "read GiB", "write GiB", "accesses", "hit%");
    for (const auto& s : j["strategies"]) {
      const auto& r = ph["results"][s.get<std::string>()];
      out += fmt::format("  {:<18} {:>11.5g} {:>10.5g} {:>10.4g} {:>11.5g} {:>11.5g} {:>13} {:>6.1f}\n",
                         s.get<std::string>(), num(r["latency_s"]), num(r["energy_j"]), num(r["dram_energy_j"]),
                         gib(r["dram_bytes_read"]), gib(r["dram_bytes_written"]), r["dram_accesses"].get<uint64_t>(),
                         100 * num(r["row_hit_rate"]));
    }
  }
  return out;
}

// A matrix row (planned, not a vector-unit op) of the table, or a group of identical ones.
struct Shown {
  size_t row = 0;       // the first row of the group
  size_t count = 1;     // rows with the same op, repeats and results under every strategy
  double energy_j = 0;  // the group's whole-run energy under its most costly strategy
};

// The matrix rows, grouped (identical layers: same op, repeats and every strategy's result)
// and the top `n` groups by energy; or, for n < 0, every matrix row in pipeline order.
std::vector<Shown> shown_layers(const nlohmann::json& j, int n) {
  std::vector<Shown> shown;
  std::map<std::string, size_t> group_of;
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    const auto& l = j["layers"][i];
    bool matrix = false;
    double energy = 0;
    for (const auto& [s, r] : l["results"].items()) {
      matrix |= r["strategy"].get<std::string>() != "vector";
      energy = std::max(energy, num(r["energy_j"]) * num(l["repeats"]));
    }
    if (!matrix) continue;
    const std::string key = n < 0 ? std::to_string(i) : l["op"].dump() + l["repeats"].dump() + l["results"].dump();
    auto [it, fresh] = group_of.try_emplace(key, shown.size());
    if (fresh)
      shown.push_back({i, 1, energy});
    else
      ++shown[it->second].count, shown[it->second].energy_j += energy;
  }
  if (n < 0) return shown;
  std::stable_sort(shown.begin(), shown.end(), [](const Shown& a, const Shown& b) { return a.energy_j > b.energy_j; });
  shown.resize(std::min(shown.size(), size_t(n)));
  return shown;
}

std::string layers_table(const nlohmann::json& j, int top_layers) {
  const std::vector<Shown> shown = shown_layers(j, top_layers);
  if (shown.empty()) return "";
  std::string out = top_layers < 0 ? "\nMATRIX LAYERS (per execution; all, in pipeline order)\n"
                                   : fmt::format(
                                         "\nTOP {} MATRIX LAYERS by whole-run energy, identical layers together "
                                         "(per execution; --layers N|all for more)\n",
                                         shown.size());
  for (const Shown& g : shown) {
    const auto& l = j["layers"][g.row];
    out += fmt::format("{}: {}  [{} x {}]{}\n", l["phase"].get<std::string>(), l["name"].get<std::string>(),
                       l["op"].get<std::string>(), l["repeats"].get<int64_t>(),
                       g.count > 1 ? fmt::format(" and {} identical layers", g.count - 1) : "");
    out += fmt::format("  {:<18} {:>10} {:>10} {:>11} {:>6} {:>10} {:>10} {:>10}  {:<24} {}\n", "strategy", "read MiB",
                       "write MiB", "accesses", "hit%", "DRAM mJ", "energy mJ", "lat ms", "tile", "order");
    for (const auto& s : j["strategies"]) {
      const auto& r = l["results"][s.get<std::string>()];
      out += fmt::format("  {:<18} {:>10.3f} {:>10.3f} {:>11} {:>6.1f} {:>10.4f} {:>10.4f} {:>10.4f}  {:<24} {}\n",
                         s.get<std::string>(), mib(r["dram_bytes_read"]), mib(r["dram_bytes_written"]),
                         r["dram_accesses"].get<uint64_t>(), 100 * num(r["row_hit_rate"]),
                         1e3 * num(r["dram_energy_j"]), 1e3 * num(r["energy_j"]), 1e3 * num(r["latency_s"]),
                         r["tile"].get<std::string>(), r["loop_order"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

std::string workload_compare_table(const nlohmann::json& j, int top_layers) {
  const size_t matrix = shown_layers(j, -1).size();
  std::string out = fmt::format(
      "NPU {}, power policy {}, {} frame(s), {} rows per strategy ({} matrix layers), best "
      "{}: {}\n",
      j["npu"].get<std::string>(), j["power_policy"].get<std::string>(), num(j["frames"]), j["layers"].size(), matrix,
      j["objective"].get<std::string>(), j["best"].get<std::string>());
  return out + totals_table(j) + phases_table(j) + layers_table(j, top_layers);
}

std::string workload_compare_csv(const nlohmann::json& j) {
  std::string out =
      "kind,phase,layer,op,repeats,strategy,plan_strategy,tile,loop_order,dram_bytes_read,dram_bytes_written,"
      "dram_accesses,row_hits,row_hit_rate,cycles,dram_energy_j,energy_j,latency_s\n";
  for (const auto& l : j["layers"])
    for (const auto& s : j["strategies"]) {
      const auto& r = l["results"][s.get<std::string>()];
      out += fmt::format("layer,{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},{},{:.9g},{:.9g},{:.9g}\n",
                         csv_field(l["phase"].get<std::string>()), csv_field(l["name"].get<std::string>()),
                         csv_field(l["op"].get<std::string>()), l["repeats"].get<int64_t>(), s.get<std::string>(),
                         r["strategy"].get<std::string>(), csv_field(r["tile"].get<std::string>()),
                         csv_field(r["loop_order"].get<std::string>()), r["dram_bytes_read"].get<uint64_t>(),
                         r["dram_bytes_written"].get<uint64_t>(), r["dram_accesses"].get<uint64_t>(),
                         r["row_hits"].get<uint64_t>(), num(r["row_hit_rate"]), r["cycles"].get<int64_t>(),
                         num(r["dram_energy_j"]), num(r["energy_j"]), num(r["latency_s"]));
    }
  for (const auto& ph : j["phases"])
    for (const auto& s : j["strategies"]) {
      const auto& r = ph["results"][s.get<std::string>()];
      out += fmt::format("phase,{},,,1,{},,,,{},{},{},{},{:.6f},,{:.9g},{:.9g},{:.9g}\n",
                         csv_field(ph["name"].get<std::string>()), s.get<std::string>(),
                         r["dram_bytes_read"].get<uint64_t>(), r["dram_bytes_written"].get<uint64_t>(),
                         r["dram_accesses"].get<uint64_t>(), r["row_hits"].get<uint64_t>(), num(r["row_hit_rate"]),
                         num(r["dram_energy_j"]), num(r["energy_j"]), num(r["latency_s"]));
    }
  for (const auto& s : j["strategies"]) {
    const auto& t = j["totals"][s.get<std::string>()];
    const auto& d = t["dram"];
    out += fmt::format("total,,,,1,{},,,,{},{},{},{},{:.6f},,{:.9g},{:.9g},{:.9g}\n", s.get<std::string>(),
                       d["bytes_read"].get<uint64_t>(), d["bytes_written"].get<uint64_t>(),
                       d["accesses"].get<uint64_t>(), d["row_hits"].get<uint64_t>(), num(d["row_hit_rate"]),
                       num(t["energy_j"]["dram"]), num(t["energy_j"]["total"]), num(t["sim_latency_s"]));
  }
  return out;
}

}  // namespace zoomrt
