// zoomrt tiling compare --model MODEL (issue 11 item 4): the zoom run of `zoomrt sim` under every
// strategy. Checked against facts the comparison does not compute itself: each strategy's totals
// are its rows x repeats and its phases' sums; each strategy's totals are exactly what
// `zoomrt sim --strategy S` reports for the same options; adaptive's objective is no worse than
// a fixed strategy's and exhaustive's no worse than adaptive's; the CSV has one row per (layer,
// strategy). Bad input: one line naming the option, exit 2.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_util.h"

namespace {

const std::string kRun = "--model tiny --size 64 --steps 1";
const char* kFixed[] = {"naive", "weight-stationary", "output-stationary", "input-stationary", "romanet"};

void expect_bad(const CliResult& r, const std::string& must_mention) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(must_mention) != std::string::npos);
}

// Sums of a strategy's results over `rows` (layers: x repeats; phases: as they are).
struct Sums {
  uint64_t read = 0, written = 0, accesses = 0, hits = 0;
  double energy = 0, latency = 0;
};
Sums sum_rows(const nlohmann::json& rows, const std::string& s, bool times_repeats) {
  Sums t;
  for (const auto& row : rows) {
    const auto& r = row["results"][s];
    const uint64_t n = times_repeats ? row["repeats"].get<uint64_t>() : 1;
    t.read += r["dram_bytes_read"].get<uint64_t>() * n;
    t.written += r["dram_bytes_written"].get<uint64_t>() * n;
    t.accesses += r["dram_accesses"].get<uint64_t>() * n;
    t.hits += r["row_hits"].get<uint64_t>() * n;
    t.energy += r["energy_j"].get<double>() * double(n);
    t.latency += r["latency_s"].get<double>() * double(n);
  }
  return t;
}

void check_equals_totals(const Sums& t, const nlohmann::json& totals) {
  CHECK(t.read == totals["dram"]["bytes_read"].get<uint64_t>());
  CHECK(t.written == totals["dram"]["bytes_written"].get<uint64_t>());
  CHECK(t.accesses == totals["dram"]["accesses"].get<uint64_t>());
  CHECK(t.hits == totals["dram"]["row_hits"].get<uint64_t>());
  CHECK(t.energy == Approx(totals["energy_j"]["total"].get<double>()).epsilon(1e-9));
  CHECK(t.latency == Approx(totals["sim_latency_s"].get<double>()).epsilon(1e-9));
}

}  // namespace

TEST_CASE("zoomrt tiling compare --model tiny: totals, sim's figures, objective order, CSV rows") {
  const std::string csv = "/tmp/zoomrt_cli_tiling_model_" + std::to_string(::getpid()) + ".csv";
  CliResult r = run_cli("tiling compare " + kRun + " --json --quiet --csv " + csv);
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());  // --quiet
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j["strategies"].size() == 8);  // every strategy by default
  CHECK(j["model"] == "tiny");
  CHECK(j["objective"] == "energy");
  const auto& layers = j["layers"];
  REQUIRE(layers.size() > 100);

  for (const auto& sj : j["strategies"]) {
    const std::string s = sj;
    INFO("strategy " << s);
    const auto& totals = j["totals"][s];
    // The run totals are the per-layer rows x repeats, and the per-phase sums.
    check_equals_totals(sum_rows(layers, s, true), totals);
    check_equals_totals(sum_rows(j["phases"], s, false), totals);
    // Each phase is the sum of its own rows.
    for (const auto& ph : j["phases"]) {
      nlohmann::json mine = nlohmann::json::array();
      for (const auto& l : layers)
        if (l["phase"] == ph["name"]) mine.push_back(l);
      const Sums p = sum_rows(mine, s, true);
      CHECK(p.read == ph["results"][s]["dram_bytes_read"].get<uint64_t>());
      CHECK(p.accesses == ph["results"][s]["dram_accesses"].get<uint64_t>());
      CHECK(p.energy == Approx(ph["results"][s]["energy_j"].get<double>()).epsilon(1e-9));
    }
    // Exactly `zoomrt sim`'s figures for the same run and strategy.
    CliResult sim = run_cli("sim " + kRun + " --strategy " + s + " --json --no-layers");
    INFO("sim stderr: " << sim.err);
    REQUIRE(sim.status == 0);
    const nlohmann::json sj2 = nlohmann::json::parse(sim.out);
    CHECK(totals["sim_latency_s"] == sj2["sim_latency_s"]);
    CHECK(totals["energy_j"] == sj2["energy_j"]);
    CHECK(totals["dram"] == sj2["dram"]);
    CHECK(totals["frames"] == sj2["frames"]);
    CHECK(totals["total_macs"] == sj2["total_macs"]);
  }

  // Every strategy minimises the objective (energy): adaptive chooses among every fixed
  // strategy's candidates, exhaustive among all of them.
  const auto objective = [&](const char* s) { return j["totals"][s]["objective_value"].get<double>(); };
  CHECK(objective("exhaustive") == j["totals"]["exhaustive"]["energy_j"]["total"].get<double>());
  for (const char* s : kFixed) {
    INFO(s);
    CHECK(objective("adaptive") <= objective(s));
  }
  // fused falls back to adaptive's per-layer plans wherever a chain does not pay.
  CHECK(objective("fused") <= objective("adaptive"));
  CHECK(objective("exhaustive") <= objective("adaptive"));
  CHECK(j["totals"][j["best"].get<std::string>()]["objective_vs_best_pct"].get<double>() == 0.0);

  // CSV: one "layer" row per (layer, strategy), one "phase" row per (phase, strategy), one total.
  std::istringstream lines(read_text(csv));
  std::string line;
  std::getline(lines, line);
  CHECK(line.rfind("kind,phase,layer,op,repeats,strategy,", 0) == 0);
  std::map<std::string, std::map<std::string, size_t>> rows;  // kind -> strategy -> rows
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    REQUIRE(f.size() == 18);
    ++rows[f[0]][f[5]];
  }
  for (const auto& sj : j["strategies"]) {
    const std::string s = sj;
    CHECK(rows["layer"][s] == layers.size());
    CHECK(rows["phase"][s] == j["phases"].size());
    CHECK(rows["total"][s] == 1);
  }
  CHECK(rows.size() == 3);
  std::remove(csv.c_str());
}

TEST_CASE("zoomrt tiling compare --model: the table has totals, phases and a bounded layer section") {
  CliResult r = run_cli("tiling compare " + kRun + " --strategies naive,adaptive --layers 2");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("TOTAL (whole run)") != std::string::npos);
  CHECK(r.out.find("PER PHASE (whole run)") != std::string::npos);
  CHECK(r.out.find("unet  (") != std::string::npos);
  CHECK(r.out.find("TOP 2 MATRIX LAYERS") != std::string::npos);
  CHECK(count_lines(r.err) == 2);  // one progress line per strategy (stderr is not a terminal)
  CliResult none = run_cli("tiling compare " + kRun + " --strategies naive --layers 0 --quiet");
  REQUIRE(none.status == 0);
  CHECK(none.out.find("MATRIX LAYERS") == std::string::npos);
}

TEST_CASE("zoomrt tiling compare --model: bad input is one line naming the option, exit 2") {
  expect_bad(run_cli("tiling compare --model no-such-model-dir"), "no-such-model-dir");
  expect_bad(run_cli("tiling compare --model tiny --size 60"), "--size");
  expect_bad(run_cli("tiling compare --model tiny --width 72 --size 64"), "--width");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --steps 0"), "--steps");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --keyframes 0"), "--keyframes");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --dtype fp16"), "f16");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --dtype int3"), "--dtype");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --objective speed"), "--objective");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --strategies naive,sideways"), "sideways");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --layers some"), "--layers");
  expect_bad(run_cli("tiling compare --model tiny --size 64 --plot /tmp/zoomrt_never.png"), "--plot");
}
