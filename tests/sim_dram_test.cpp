// DramModel against hand-counted access patterns, the per-burst walk, and the DRAMsim3 energy
// formulas evaluated by hand from the LPDDR4 currents in REFERENCE.md.
#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "sim/dram.h"
#include "base/error.h"

using namespace zoomrt::sim;

namespace {
// 1 channel, 1 rank, 4 banks (1 group), 1 KiB rows, 64-byte bursts (64-bit bus, BL8).
DramConfig small_dram(const std::string& mapping) {
  DramConfig d;
  d.standard = "test";
  d.channels = 1;
  d.ranks = 1;
  d.banks = 4;
  d.bank_groups = 1;
  d.rows = 1024;
  d.columns = 128;
  d.row_bytes = 1024;
  d.burst_bytes = 64;
  d.bus_bits = 64;
  d.device_width_bits = 16;
  d.tck_ns = 1.0;
  d.cl = 10, d.trcd = 10, d.trp = 10, d.tras = 20, d.trc = 30, d.tfaw = 40, d.tccd = 4;
  d.pj_per_bit = 1.0;
  d.address_mapping = mapping;
  return d;
}
}  // namespace

TEST_CASE("sequential read of 4 rows in one bank: 4 activations, N - 4 hits", "[sim][dram]") {
  DramModel m(small_dram("ch,ra,bg,ba,ro,co"));  // rows of bank 0 are consecutive
  m.access(0, 4 * 1024, false);
  const DramStats& s = m.stats();
  const uint64_t n = 4 * 1024 / 64;
  CHECK(s.accesses == n);
  CHECK(s.activations == 4);
  CHECK(s.row_hits == n - 4);
  CHECK(s.row_misses == 1);      // bank 0 was closed
  CHECK(s.row_conflicts == 3);   // rows 1..3 replace an open row
  CHECK(s.bytes_read == 4096);
  CHECK(s.bytes_written == 0);
}

TEST_CASE("rows interleaved across banks: every first access is a miss", "[sim][dram]") {
  DramModel m(small_dram("ro,ba,bg,ra,ch,co"));
  m.access(0, 4 * 1024, true);
  CHECK(m.stats().activations == 4);
  CHECK(m.stats().row_misses == 4);
  CHECK(m.stats().row_conflicts == 0);
  CHECK(m.stats().row_hits == 64 - 4);
  CHECK(m.stats().bytes_written == 4096);
  // The same 4 rows again: all open, all hits.
  m.access(0, 4 * 1024, false);
  CHECK(m.stats().row_hits == 2 * 64 - 4);
  CHECK(m.stats().activations == 4);
}

TEST_CASE("two interleaved rows in one bank conflict on every switch", "[sim][dram]") {
  DramModel m(small_dram("ch,ra,bg,ba,ro,co"));
  for (int i = 0; i < 10; ++i) {
    m.access(0, 64, false);     // bank 0, row 0
    m.access(1024, 64, false);  // bank 0, row 1
  }
  CHECK(m.stats().accesses == 20);
  CHECK(m.stats().row_misses == 1);
  CHECK(m.stats().row_conflicts == 19);
  CHECK(m.stats().row_hits == 0);
  CHECK(m.stats().activations == 20);
}

TEST_CASE("a partial burst counts as a whole burst", "[sim][dram]") {
  DramModel m(small_dram("ro,ba,bg,ra,ch,co"));
  m.access(10, 100, false);  // bytes 10..109 touch bursts 0 and 1
  CHECK(m.stats().accesses == 2);
  CHECK(m.stats().bytes_read == 100);
  m.access(0, 0, false);
  CHECK(m.stats().accesses == 2);
}

TEST_CASE("time: data bus, bank and activation bounds by hand", "[sim][dram]") {
  // One bank, 4 rows sequential: bank time = 64 bursts x max(tCCD 4, BL/2 4) + 1 miss x tRCD
  // + 3 conflicts x (tRP + tRCD) = 256 + 10 + 60 = 326 cycles; 4 ACT x tRC = 120; bus 256.
  DramModel m(small_dram("ch,ra,bg,ba,ro,co"));
  m.access(0, 4096, false);
  CHECK(m.stats().busy_ns == Approx(326.0));
  // Spread over 4 banks: each bank 16 x 4 + 10 = 74; the shared bus 64 x 4 = 256 dominates.
  DramModel m2(small_dram("ro,ba,bg,ra,ch,co"));
  m2.access(0, 4096, false);
  CHECK(m2.stats().busy_ns == Approx(256.0));
  // Flat energy: 64 bursts x 512 bits x 1 pJ/bit.
  CHECK(m2.stats().energy_pj == Approx(64 * 512.0));
  CHECK(m2.stats().act_pj == 0);
}

TEST_CASE("tFAW bounds a burst of activations", "[sim][dram]") {
  DramConfig d = small_dram("ro,ba,bg,ra,ch,co");
  d.tfaw = 400;  // 4 ACTs per 400 cycles
  DramModel m(d);
  for (int i = 0; i < 8; ++i) m.access(static_cast<uint64_t>(i) * 1024, 64, false);  // 8 ACTs
  CHECK(m.stats().activations == 8);
  CHECK(m.stats().busy_ns == Approx(8 * 400.0 / 4));
}

TEST_CASE("IDD energies follow DRAMsim3's formulas (LPDDR4 x16 2400 by hand)", "[sim][dram]") {
  DramConfig d = small_dram("ro,ba,bg,ra,ch,co");
  // DRAMsim3 LPDDR4_8Gb_x16_2400 (REFERENCE.md): one x16 device, BL16 -> 32-byte bursts.
  d.bus_bits = 16, d.device_width_bits = 16, d.burst_bytes = 32, d.row_bytes = 2048;
  d.columns = 1024, d.rows = 65536, d.banks = 8, d.bank_groups = 2;
  d.tck_ns = 0.83, d.cl = 17, d.trcd = 15, d.trp = 15, d.tras = 32, d.trc = 47, d.tccd = 8;
  d.vdd = 1.2, d.idd0 = 80, d.idd2n = 34, d.idd3n = 47, d.idd4r = 243, d.idd4w = 228;
  // ACT = 1.2 V x (80 x 47 - (47 x 32 + 34 x 15)) mA-cycles x 0.83 ns = 1.2 x 1746 x 0.83 pJ.
  const double act = 1.2 * 1746 * 0.83;
  const double rd = 1.2 * (243 - 47) * 8 * 0.83;  // 8 = BL16 / 2 cycles per burst
  const double wr = 1.2 * (228 - 47) * 8 * 0.83;
  DramModel m(d);
  m.access(0, 2048, false);  // one row: 1 ACT + 64 reads
  m.access(4096 * 8, 64, true);  // another bank/row: 1 ACT + 2 writes
  CHECK(m.stats().activations == 2);
  CHECK(m.stats().act_pj == Approx(2 * act));
  CHECK(m.stats().rd_pj == Approx(64 * rd));
  CHECK(m.stats().wr_pj == Approx(2 * wr));
  CHECK(m.stats().bg_pj == Approx(1.2 * 47e-3 * m.stats().busy_ns * 1e3));
  CHECK(m.stats().energy_pj == Approx(2 * act + 64 * rd + 2 * wr + m.stats().bg_pj));
  // REFERENCE.md: ~6 pJ/bit read.
  CHECK(rd / (32 * 8) == Approx(6.1).epsilon(0.01));
}

TEST_CASE("segment arithmetic equals the burst-by-burst walk", "[sim][dram]") {
  const char* mappings[] = {"ro,ba,bg,ra,co,ch", "ro,co,ba,bg,ra,ch", "ch,ra,bg,ba,ro,co",
                            "ro,ra,ba,bg,ch,co", "ro,ch,co,ba,bg,ra"};
  for (const char* mapping : mappings) {
    DramConfig d = small_dram(mapping);
    d.channels = 2, d.ranks = 2, d.banks = 8, d.bank_groups = 2;
    DramModel fast(d), slow(d);
    std::ostringstream sink;
    slow.set_trace(&sink, 0, 0);  // tracing walks every burst
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300; ++i) {
      const uint64_t addr = rng() % (1 << 20), bytes = 1 + rng() % (i % 3 == 0 ? 40000 : 700);
      const bool w = rng() % 2;
      fast.access(addr, bytes, w);
      slow.access(addr, bytes, w);
    }
    INFO(mapping);
    CHECK(fast.stats().accesses == slow.stats().accesses);
    CHECK(fast.stats().row_hits == slow.stats().row_hits);
    CHECK(fast.stats().row_misses == slow.stats().row_misses);
    CHECK(fast.stats().row_conflicts == slow.stats().row_conflicts);
    CHECK(fast.stats().busy_ns == Approx(slow.stats().busy_ns));
    CHECK(fast.stats().energy_pj == Approx(slow.stats().energy_pj));
  }
}

TEST_CASE("a 100 MB contiguous range is handled by row segments", "[sim][dram]") {
  DramConfig d = small_dram("ro,ba,bg,ra,ch,co");
  d.rows = 1 << 20;
  DramModel m(d);
  const uint64_t bytes = 100ull << 20;
  m.access(0, bytes, false);
  CHECK(m.stats().accesses == bytes / 64);
  CHECK(m.stats().activations == bytes / 1024);  // every 1 KiB row is opened once
  CHECK(m.stats().row_hits == bytes / 64 - bytes / 1024);
}

TEST_CASE("trace lines are in DRAMsim3's format", "[sim][dram]") {
  DramModel m(small_dram("ro,ba,bg,ra,ch,co"));
  std::ostringstream os;
  m.set_trace(&os, 100, 2.5);  // burst k at 100 + floor(2.5 k)
  m.access(0x40, 128, false);
  m.access(0x400, 1, true);
  CHECK(os.str() == "0x00000040 READ 100\n0x00000080 READ 102\n0x00000400 WRITE 105\n");
  const std::string before = os.str();
  m.set_trace(nullptr, 0, 0);
  m.access(0, 64, false);
  CHECK(os.str() == before);
}

TEST_CASE("reset_stats keeps the open rows", "[sim][dram]") {
  DramModel m(small_dram("ro,ba,bg,ra,ch,co"));
  m.access(0, 64, false);
  m.reset_stats();
  CHECK(m.stats().accesses == 0);
  m.access(0, 64, false);
  CHECK(m.stats().row_hits == 1);
  m.close_all_rows();
  m.access(0, 64, false);
  CHECK(m.stats().row_misses == 1);
}

TEST_CASE("bad address mappings name the key", "[sim][dram]") {
  auto msg = [](const std::string& mapping) {
    try {
      AddressMapping a(small_dram(mapping), "npu.json");
    } catch (const zoomrt::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(msg("ro,ba,bg,ra,co") .find("npu.json: dram.address_mapping") == 0);
  CHECK(msg("ro,ba,bg,ra,co,ch,ch").find("appears twice") != std::string::npos);
  CHECK(msg("ro,ba,bg,xx,co,ch").find("unknown field 'xx'") != std::string::npos);
  CHECK(msg("co,ba,bg,ra,ro,ch").find("row field") != std::string::npos);
  DramConfig d = small_dram("ro,ba,bg,ra,co,ch");
  d.banks = 6;
  CHECK_THROWS_WITH(AddressMapping(d, "x"), Catch::Contains("not a power of two"));
}

TEST_CASE("address decode and encode round-trip", "[sim][dram]") {
  DramConfig d = small_dram("ro,ba,bg,ra,co,ch");
  d.channels = 2;
  AddressMapping a(d);
  DramLocation l = a.decode(64);  // second burst: channel 1 (ch is the LSB field)
  CHECK(l.channel == 1);
  CHECK(l.column == 0);
  l = a.decode(128);
  CHECK(l.channel == 0);
  CHECK(l.column == 1);
  for (uint64_t addr : {0ull, 64ull, 4096ull, 123456ull * 64}) CHECK(a.encode(a.decode(addr)) == addr);
}

// Refresh, counted by hand. small_dram: 1 channel, 1 rank, 4 banks, 1 KiB rows, 64-byte bursts,
// t_burst = max(tCCD 4, BL/2 = 4) = 4 cycles.
namespace {
DramConfig refreshing_dram(int trefi, int trfc) {
  DramConfig d = small_dram("ch,ra,bg,ba,ro,co");  // one row = 16 consecutive bursts of bank 0
  d.trefi = trefi, d.trfc = trfc;
  return d;
}
}  // namespace

TEST_CASE("refresh closes the open rows every tREFI and costs an activation each", "[sim][dram]") {
  // Reading row 0 of bank 0 over and over: 16 bursts = 64 bus cycles per 1 KiB pass; bank time
  // = 64 + tRCD 10 for the first pass, so the clock is 74 after pass 1, then +64 per pass
  // (hits), +64 + tRCD (a miss after a refresh) + tRFC when a refresh fell in the pass before.
  // Refresh is applied at the end of each 1 KiB chunk (one access call here).
  const int trefi = 300, trfc = 20;
  DramModel m(refreshing_dram(trefi, trfc));
  // Hand walk: clock c, next REF at 300.
  // pass 1: miss, c = 74; 2: c = 138; 3: 202; 4: 266; 5: 330 -> REF (next 600), c = 350
  // pass 6: miss after REF: c = 350 + 64 + 10 = 424; 7: 488; 8: 552; 9: 616 -> REF (900), 636
  // pass 10: miss, c = 710.
  for (int i = 0; i < 10; ++i) m.access(0, 1024, false);
  const DramStats& s = m.stats();
  CHECK(s.refreshes == 2);
  CHECK(s.activations == 3);  // the first open and one after each refresh
  CHECK(s.row_misses == 3);
  CHECK(s.row_conflicts == 0);
  CHECK(s.row_hits == 160 - 3);
  CHECK(m.channel_clock(0) == Approx(710));
  CHECK(s.busy_ns == Approx(710));
  // Without refresh the same reads open the row once.
  DramModel plain(refreshing_dram(0, 0));
  for (int i = 0; i < 10; ++i) plain.access(0, 1024, false);
  CHECK(plain.stats().refreshes == 0);
  CHECK(plain.stats().activations == 1);
  CHECK(plain.stats().busy_ns == Approx(10 * 64 + 10));
}

TEST_CASE("refresh energy is DRAMsim3's VDD (IDD5AB - IDD3N) tRFC per device", "[sim][dram]") {
  DramConfig d = refreshing_dram(300, 20);
  d.pj_per_bit = 0;
  d.vdd = 1.2, d.idd0 = 80, d.idd2n = 34, d.idd3n = 47, d.idd4r = 243, d.idd4w = 228, d.idd5ab = 280;
  const double devices = 64.0 / 16;
  const DramEnergyModel e = dram_energy_model(d);
  CHECK(e.ref_pj == Approx(1.2 * (280 - 47) * 20 * 1.0 * devices));
  // One REF per 300 cycles of 1 ns on the one channel.
  CHECK(e.refresh_w == Approx(1.2 * (280 - 47) * 20 * devices * 1e-12 / 300e-9));
  DramModel m(d);
  for (int i = 0; i < 10; ++i) m.access(0, 1024, false);
  CHECK(m.stats().refreshes == 2);
  CHECK(m.stats().ref_pj == Approx(2 * e.ref_pj));
  const DramStats& s = m.stats();
  CHECK(s.energy_pj == Approx(s.act_pj + s.rd_pj + s.wr_pj + s.ref_pj + s.bg_pj));
}

TEST_CASE("idle time from advance_to refreshes without adding busy time", "[sim][dram]") {
  DramModel m(refreshing_dram(300, 20));
  m.access(0, 1024, false);  // clock 74, row 0 open
  m.advance_to(1000);        // REFs at 300, 600, 900 fall in the idle gap
  CHECK(m.stats().refreshes == 3);
  CHECK(m.channel_clock(0) == Approx(1000));
  CHECK(m.stats().busy_ns == Approx(74));
  m.access(0, 64, false);  // the row was closed by refresh: a miss
  CHECK(m.stats().row_misses == 2);
  m.advance_to(10);  // the past: nothing happens
  CHECK(m.stats().refreshes == 3);
  // Ranks are refreshed in turn, one per trefi / ranks.
  DramConfig two = refreshing_dram(300, 20);
  two.ranks = 2, two.banks = 4;
  two.address_mapping = "ch,ra,bg,ba,ro,co";
  DramModel r2(two);
  r2.advance_to(299);
  CHECK(r2.stats().refreshes == 1);  // at 150
  r2.advance_to(300);
  CHECK(r2.stats().refreshes == 2);
}

TEST_CASE("refresh keeps the segment walk equal to the burst walk", "[sim][dram]") {
  for (const char* mapping : {"ro,ba,bg,ra,co,ch", "ch,ra,bg,ba,ro,co", "ro,ra,ba,bg,ch,co"}) {
    DramConfig d = small_dram(mapping);
    d.channels = 2, d.ranks = 2, d.banks = 8, d.bank_groups = 2;
    d.trefi = 900, d.trfc = 50;
    DramModel fast(d), slow(d);
    std::ostringstream sink;
    slow.set_trace(&sink, 0, 0);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 300; ++i) {
      const uint64_t addr = rng() % (1 << 20), bytes = 1 + rng() % (i % 3 == 0 ? 40000 : 700);
      const bool w = rng() % 2;
      fast.access(addr, bytes, w);
      slow.access(addr, bytes, w);
    }
    INFO(mapping);
    CHECK(fast.stats().refreshes > 10);
    CHECK(fast.stats().refreshes == slow.stats().refreshes);
    CHECK(fast.stats().activations == slow.stats().activations);
    CHECK(fast.stats().row_hits == slow.stats().row_hits);
    CHECK(fast.stats().busy_ns == Approx(slow.stats().busy_ns));
  }
}

TEST_CASE("standby energy: IDD3N while a row is open, IDD2N while the rank is precharged", "[sim][dram]") {
  DramConfig d = refreshing_dram(300, 20);
  d.pj_per_bit = 0;
  d.vdd = 1.2, d.idd0 = 80, d.idd2n = 34, d.idd3n = 47, d.idd4r = 243, d.idd4w = 228, d.idd5ab = 280;
  const double devices = 64.0 / 16;
  DramModel m(d);
  m.advance_to(50);          // precharged 0..50
  m.access(0, 1024, false);  // ACT at 50, row open; clock 124
  m.advance_to(1000);        // REF at 300 closes the row: precharged 300..1000
  CHECK(m.channel_clock(0) == Approx(1000));
  const double open = 300 - 50, closed = 50 + 700;
  CHECK(m.standby_pj() == Approx(1.2 * (47 * open + 34 * closed) * 1.0 * devices));
  // Flat energy model: no standby figure.
  DramModel flat(refreshing_dram(300, 20));
  flat.advance_to(1000);
  CHECK(flat.standby_pj() == 0);
}
