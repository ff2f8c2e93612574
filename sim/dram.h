// DramModel: an open-page DRAM with one row buffer per bank, fed with contiguous address
// ranges (a tile transfer). Each range is split into bursts of burst_bytes; every burst is
// classified against its bank's open row: hit (same row open), miss (bank closed: ACT),
// conflict (another row open: PRE + ACT). Bank of a burst: the address mapping of
// DramConfig (fields MSB -> LSB, burst-offset bits below; see sim/address_mapping.h).
//
// Time (busy_ns) is a throughput model with bank- and chip-level parallelism, documented in
// docs/sim.md: each channel is busy for max(data bus time, the busiest bank's time, the tFAW
// bound of its busiest rank); channels run in parallel, so busy_ns = max over channels.
//   data bus: bursts x max(tCCD, BL/2) cycles (+ tRFC / ranks per refresh);
//   bank:     bursts x max(tCCD, BL/2) + misses x tRCD + conflicts x (tRP + tRCD)
//             (+ tRFC per refresh of its rank), and at least activations x tRC;
//   rank:     activations x tFAW / 4.
// Refresh (trefi > 0): each channel has a clock (busy cycles, plus idle cycles from advance_to);
// every trefi / ranks cycles of it one rank (in turn) is refreshed: all its rows close (the next
// access to each bank is a miss: an activation), it is busy for tRFC, and the REF costs
// VDD (IDD5AB - IDD3N) tRFC tCK per device (DRAMsim3's ref_energy_inc). Refreshes due during a
// range are applied at the end of each aligned chunk (the bursts sharing every field above the
// column), so the segment walk and the burst walk stay identical.
// Energy (pJ): DRAMsim3's per-command formulas from IDD currents, per device x devices per
// rank: ACT = VDD (IDD0 tRC - (IDD3N tRAS + IDD2N tRP)) tCK, RD = VDD (IDD4R - IDD3N) BL/2 tCK,
// WR = VDD (IDD4W - IDD3N) BL/2 tCK, REF as above, background = VDD IDD3N x busy time x all
// ranks; or, with the flat model (idd0 == 0), bits moved x pj_per_bit.
// Speed: access() works per (bank, row) segment, not per burst: a 100 MB range costs
// ~(range / row_bytes) steps. Only with a trace attached does it walk bursts one by one.
#pragma once
#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "sim/address_mapping.h"
#include "sim/npu_config.h"

namespace zoomrt::sim {

struct DramStats {
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t accesses = 0;  // bursts
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0, activations = 0;
  uint64_t refreshes = 0;                           // REF commands (one rank each)
  double busy_ns = 0, energy_pj = 0;                // energy_pj = act + rd + wr + ref + bg
  double act_pj = 0, rd_pj = 0, wr_pj = 0, ref_pj = 0, bg_pj = 0;
  DramStats& operator+=(const DramStats& o);       // busy_ns adds (sequential phases)
};

// Per-command energies of one rank (all its devices), pJ; background in W while busy.
struct DramEnergyModel {
  double act_pj = 0, rd_pj = 0, wr_pj = 0;  // per activation / per burst
  double ref_pj = 0;                         // per REF (one rank)
  double background_w = 0;                   // all ranks of all channels, active standby
  double refresh_w = 0;                      // REF energy per second, all ranks of all channels
  bool flat = false;                         // pj_per_bit model
  double pj_per_bit = 0;
};
DramEnergyModel dram_energy_model(const DramConfig& c);

class DramModel {
 public:
  explicit DramModel(const DramConfig& c);
  // Read or write `bytes` starting at byte address `addr` (any alignment; a partial burst
  // counts as a whole burst, bytes_read/written count the bytes asked for).
  void access(uint64_t addr, uint64_t bytes, bool is_write);
  // `count` accesses of `bytes` each at addr, addr + stride, ...: the same as calling access()
  // for each in turn (a tile's rows in a row-major tensor; one call instead of `count`).
  void access_strided(uint64_t addr, uint64_t bytes, uint64_t stride, uint64_t count, bool is_write);
  // Time and energy are brought up to date here, not per access (they are O(banks) to compute).
  const DramStats& stats() const;
  // Zero the counters and the time/energy accumulators; open rows stay open (the physical
  // state), so a layer's stats after reset continue from the previous layer's row buffers.
  void reset_stats();
  void close_all_rows();  // precharge all banks (no stats change)
  // Time passes, idle, until `cycle` (DRAM clocks since construction) on every channel whose
  // clock is behind it: the refreshes due meanwhile close rows and count (refreshes, ref_pj)
  // but add no busy time. Replaying a timed trace calls it with each line's issue cycle.
  void advance_to(uint64_t cycle);
  double channel_clock(int channel) const;  // DRAM clocks since construction (busy + idle)
  // Standby energy of every rank from construction to its channel's clock, busy and idle, pJ:
  // VDD x IDD3N while any bank of the rank has a row open, VDD x IDD2N while all are closed
  // (DRAMsim3's act_stb + pre_stb; 0 with the flat model). stats().bg_pj is the busy window
  // at IDD3N only; this is the whole-interval figure a timed replay compares.
  double standby_pj() const;
  // Write one DRAMsim3 trace line per burst: "0x%08X READ|WRITE <cycle>"; the k-th burst from
  // now (k = 0, 1, ...) gets cycle start_cycle + floor(k x cycles_per_burst), one global,
  // non-decreasing issue order. The caller picks the spacing (runtime/npu/accounting_cost.cpp spreads
  // a layer's bursts over the layer's latency). The trace does not change the model's own
  // clock or counts. nullptr stops tracing.
  void set_trace(std::ostream* os, uint64_t start_cycle, double cycles_per_burst);
  const DramConfig& config() const { return cfg_; }
  const AddressMapping& mapping() const { return map_; }

 private:
  void access_burst(uint64_t burst_addr, bool is_write);
  void access_range(uint64_t addr, uint64_t bytes, bool is_write);
  void touch_row(uint32_t bank, uint64_t row, uint64_t n_bursts, bool is_write);
  void update_time_and_energy() const;
  double channel_busy(int ch) const;   // cycles this stats window (the throughput bound)
  // Applies the refreshes each channel's clock has reached; touch_row raises refresh_pending_
  // when its channel's clock (O(1)) reaches the channel's next REF.
  void refresh_due() {
    if (refresh_pending_) refresh_check();
  }
  void refresh_check();
  // Keeps channel_busy O(1): the channel's slowest bank or rank term only grows between resets.
  void note_bank(uint32_t bank) {
    double& m = ch_bank_max_[bank >> channel_shift_];
    const double bank_t = std::max(bank_cycles_[bank], static_cast<double>(bank_acts_[bank]) * cfg_.trc);
    const double rank_t = double(rank_acts_[bank >> rank_shift_]) * cfg_.tfaw / 4.0;
    m = std::max(m, std::max(bank_t, rank_t));
  }
  void refresh_rank(int ch, bool busy);
  void close_rank(uint32_t rank, double at);  // global rank index; all its banks precharged at `at`

  DramConfig cfg_;
  AddressMapping map_;
  DramEnergyModel energy_;
  double t_burst_cycles_ = 0;
  std::vector<int64_t> open_row_;        // per bank (global index), -1 = closed
  std::vector<double> bank_cycles_;      // per bank, busy cycles since reset
  std::vector<uint64_t> bank_acts_;      // per bank
  std::vector<uint64_t> rank_acts_;      // per (channel, rank)
  std::vector<uint64_t> channel_bursts_; // per channel
  std::vector<double> ch_bank_max_;      // per channel: max bank / rank term of channel_busy
  int channel_shift_ = 0, rank_shift_ = 0;  // global bank >> shift = channel / global rank
  // access()'s split of a range (see there): burst-offset bits, the fields below the column
  // (L = 2^low_bits banks per chunk) and the whole chunk.
  int burst_bits_ = 0, low_bits_ = 0, chunk_bits_ = 0;
  bool refresh_pending_ = false;  // a channel's clock may have reached its next REF
  uint64_t read_bursts_ = 0, write_bursts_ = 0;
  // Refresh: per channel, clock before this stats window (busy + idle), refresh cycles on its
  // data bus this window, the cycle of its next REF and the rank it refreshes.
  std::vector<double> ch_base_, ch_bus_ref_, next_ref_;
  std::vector<int> ref_rank_;
  // Standby: per global rank, banks with a row open, since when all are closed, and the cycles
  // all were closed before that.
  std::vector<int> rank_open_banks_;
  std::vector<double> rank_closed_since_, rank_closed_cycles_;
  std::ostream* trace_ = nullptr;
  uint64_t trace_start_cycle_ = 0, trace_bursts_ = 0;
  double trace_cycles_per_burst_ = 0;
  mutable DramStats stats_;
};

}  // namespace zoomrt::sim
