// sim::DramModel against DRAMsim3 (issue 12 item 4). tools/reference/dramsim3_fixtures.py ran
// DRAMsim3 on traces written by `zoomrt sim --dram-trace` with a DRAMsim3 config matching the
// phone-npu preset, and committed its statistics with a fingerprint of each trace
// (tests/fixtures/sim/dramsim3/stats.json). Here the same command writes the trace again (it is
// deterministic: the fingerprint must match), the trace is replayed through sim::DramModel with
// its issue cycles (advance_to) over the same number of cycles DRAMsim3 ran, and the counts and
// energies are compared: row-hit rate and activations within 5 %, energy within 10 % (what
// remains, and why, is in docs/sim.md "Checked against DRAMsim3").
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "sim/dram.h"
#include "sim/npu_config.h"

using nlohmann::json;
using namespace zoomrt::sim;

namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Replay {
  DramStats s;
  uint64_t reads = 0, writes = 0, lines = 0, last_cycle = 0;
  double total_pj = 0;  // commands + standby (active or precharged) over the whole interval
};

// The trace through DramModel: each line at its issue cycle, then idle to `cycles`.
Replay replay(const std::string& text, const DramConfig& cfg, uint64_t cycles) {
  DramModel m(cfg);
  Replay r;
  std::istringstream in(text);
  std::string addr, op;
  uint64_t cycle = 0;
  while (in >> addr >> op >> cycle) {
    m.advance_to(cycle);
    const bool w = op == "WRITE";
    m.access(std::stoull(addr, nullptr, 16), uint64_t(cfg.burst_bytes), w);
    (w ? r.writes : r.reads)++;
    r.last_cycle = cycle;
  }
  r.lines = r.reads + r.writes;
  m.advance_to(cycles);
  r.s = m.stats();
  // DRAMsim3 charges standby current every cycle it runs (IDD3N with a row open, IDD2N with all
  // banks of the rank closed); stats().bg_pj covers the busy window only, standby_pj() all of it.
  r.total_pj = r.s.act_pj + r.s.rd_pj + r.s.wr_pj + r.s.ref_pj + m.standby_pj();
  return r;
}

double rel(double ours, double theirs) {
  return theirs != 0 ? ours / theirs - 1 : (ours == 0 ? 0 : 1);
}

}  // namespace

TEST_CASE("DramModel matches DRAMsim3 on zoomrt's own traces", "[cli][sim][dram][dramsim3]") {
  const json fx =
      json::parse(read_file(std::string(ZOOMRT_FIXTURES_DIR) + "/sim/dramsim3/stats.json"));
  const NpuConfig npu = load_npu(fx["npu"].get<std::string>());
  REQUIRE(npu.dram.trefi > 0);
  REQUIRE(fx["cases"].size() >= 4);
  std::printf("%-20s %8s | %7s %7s | %7s %7s | %6s %6s | %7s %7s | %7s %7s | %8s %8s\n", "case",
              "lines", "hit% S3", "ours", "ACT S3", "ours", "REF S3", "ours", "RD S3", "ours",
              "WR S3", "ours", "E uJ S3", "ours");
  for (const auto& [name, c] : fx["cases"].items()) {
    const std::string trace = "cli_sim_dramsim3_test_" + name + ".trc";
    std::ostringstream cmd;  // the fixture's zoomrt command
    cmd << ZOOMRT_CLI << " sim --npu " << fx["npu"].get<std::string>();
    for (const auto& a : c["args"]) cmd << ' ' << a.get<std::string>();
    cmd << " --dram-trace " << trace << " --no-layers > /dev/null";
    REQUIRE(std::system(cmd.str().c_str()) == 0);
    const std::string text = read_file(trace);
    std::remove(trace.c_str());
    INFO(name);
    // The same trace DRAMsim3 replayed.
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fnv1a64(text));
    REQUIRE(std::string(hex) == c["trace"]["fnv1a64"].get<std::string>());

    const json& d = c["dramsim3"];
    const Replay r = replay(text, npu.dram, d["num_cycles"].get<uint64_t>());
    REQUIRE(r.lines == c["trace"]["lines"].get<uint64_t>());
    const double s3_cmds = d["num_read_cmds"].get<double>() + d["num_write_cmds"].get<double>();
    const double s3_hits =
        d["num_read_row_hits"].get<double>() + d["num_write_row_hits"].get<double>();
    const double s3_hit_rate = s3_hits / s3_cmds,
                 hit_rate = double(r.s.row_hits) / double(r.s.accesses);
    const double s3_act = d["num_act_cmds"], s3_ref = d["num_ref_cmds"], s3_e = d["total_pj"];
    std::printf(
        "%-20s %8llu | %7.3f %7.3f | %7.0f %7llu | %6.0f %6llu | %7.0f %7llu | %7.0f %7llu | %8.2f "
        "%8.2f\n",
        name.c_str(), (unsigned long long)r.lines, 100 * s3_hit_rate, 100 * hit_rate, s3_act,
        (unsigned long long)r.s.activations, s3_ref, (unsigned long long)r.s.refreshes,
        d["num_read_cmds"].get<double>(), (unsigned long long)r.reads,
        d["num_write_cmds"].get<double>(), (unsigned long long)r.writes, s3_e * 1e-6,
        r.total_pj * 1e-6);
    CHECK(std::abs(rel(hit_rate, s3_hit_rate)) < 0.05);
    // Activations with refresh: within 5 % where refreshes are few, up to 12 % where the trace
    // spans thousands of them (vgg16_fused: 2,332 REFs, -11 %): DRAMsim3 runs behind the trace's
    // issue times, so its REFs interrupt streams and cost 0.61 extra ACTs each there, ours 0.25
    // (docs/sim.md). Without refresh in both, the row-buffer models agree within 2 % below.
    const double s3_ref_share = s3_ref / d["num_act_cmds"].get<double>();
    CHECK(std::abs(rel(double(r.s.activations), s3_act)) < (s3_ref_share < 0.15 ? 0.05 : 0.12));
    {
      DramConfig no_refresh = npu.dram;
      no_refresh.trefi = 100000000;  // as the fixture's no-refresh ini
      const Replay r0 = replay(text, no_refresh, d["num_cycles"].get<uint64_t>());
      const json& d0 = c["dramsim3_no_refresh"];
      const double s3_act0 = d0["num_act_cmds"];
      const double s3_hits0 =
          d0["num_read_row_hits"].get<double>() + d0["num_write_row_hits"].get<double>();
      const double s3_hit0 =
          s3_hits0 / (d0["num_read_cmds"].get<double>() + d0["num_write_cmds"].get<double>());
      std::printf("%-20s no refresh: ACT S3 %.0f ours %llu (%+.2f %%), hit %% S3 %.3f ours %.3f\n",
                  name.c_str(), s3_act0, (unsigned long long)r0.s.activations,
                  100 * rel(double(r0.s.activations), s3_act0), 100 * s3_hit0,
                  100 * double(r0.s.row_hits) / double(r0.s.accesses));
      CHECK(r0.s.refreshes == 0);
      CHECK(d0["num_ref_cmds"].get<double>() == 0);
      CHECK(std::abs(rel(double(r0.s.activations), s3_act0)) < 0.02);
      CHECK(std::abs(double(r0.s.row_hits) / double(r0.s.accesses) - s3_hit0) < 0.005);
    }
    CHECK(std::abs(rel(r.total_pj, s3_e)) < 0.10);
    // Refresh: one REF per tREFI per channel in both (DRAMsim3 stops at the last full interval).
    CHECK(std::abs(double(r.s.refreshes) - s3_ref) <= npu.dram.channels);
    // Reads and writes: DRAMsim3 issues every read; writes still in its write buffer at the end
    // (or merged with a pending write to the same burst) are never issued as commands.
    CHECK(std::abs(rel(double(r.reads), d["num_read_cmds"].get<double>())) < 0.01);
    CHECK(std::abs(rel(double(r.writes), d["num_write_cmds"].get<double>())) < 0.01);
  }
}
