// DramModel: open-page row-buffer classification per (bank, row) segment, the throughput
// time model and DRAMsim3-style energy (formulas in dram.h, rationale in docs/sim.md).
#include "sim/dram.h"

#include <algorithm>
#include <limits>
#include <ostream>

#include <fmt/format.h>

namespace zoomrt::sim {

DramStats& DramStats::operator+=(const DramStats& o) {
  bytes_read += o.bytes_read;
  bytes_written += o.bytes_written;
  accesses += o.accesses;
  row_hits += o.row_hits;
  row_misses += o.row_misses;
  row_conflicts += o.row_conflicts;
  activations += o.activations;
  refreshes += o.refreshes;
  busy_ns += o.busy_ns;
  energy_pj += o.energy_pj;
  act_pj += o.act_pj;
  rd_pj += o.rd_pj;
  wr_pj += o.wr_pj;
  ref_pj += o.ref_pj;
  bg_pj += o.bg_pj;
  return *this;
}

DramEnergyModel dram_energy_model(const DramConfig& c) {
  DramEnergyModel e;
  if (!(c.idd0 > 0)) {
    e.flat = true;
    e.pj_per_bit = c.pj_per_bit;
    return e;
  }
  // mA x V = mW; x ns = pJ. Currents are per device; a rank drives bus_bits / width devices.
  const double devices = static_cast<double>(c.bus_bits) / c.device_width_bits;
  const double burst_cycles = c.burst_bytes * 8.0 / c.bus_bits / 2.0;  // BL / 2 (double data rate)
  e.act_pj = c.vdd * (c.idd0 * c.trc - (c.idd3n * c.tras + c.idd2n * c.trp)) * c.tck_ns * devices;
  e.rd_pj = c.vdd * (c.idd4r - c.idd3n) * burst_cycles * c.tck_ns * devices;
  e.wr_pj = c.vdd * (c.idd4w - c.idd3n) * burst_cycles * c.tck_ns * devices;
  e.background_w = c.vdd * c.idd3n * 1e-3 * devices * c.ranks * c.channels;
  if (c.trefi > 0) {
    e.ref_pj = c.vdd * (c.idd5ab - c.idd3n) * c.trfc * c.tck_ns * devices;
    // One REF per trefi / ranks cycles on each channel.
    const double interval_ns = double(c.trefi / std::max(1, c.ranks)) * c.tck_ns;
    e.refresh_w = e.ref_pj * 1e-12 * c.channels / (interval_ns * 1e-9);
  }
  return e;
}

DramModel::DramModel(const DramConfig& c) : cfg_(c), map_(c), energy_(dram_energy_model(c)) {
  const double bl_half = c.burst_bytes * 8.0 / c.bus_bits / 2.0;
  t_burst_cycles_ = std::max<double>(c.tccd, bl_half);
  open_row_.assign(map_.total_banks(), -1);
  // Bank, rank and channel counts are powers of two (AddressMapping checks): global bank index
  // >> shift = its rank or channel.
  while ((1u << channel_shift_) < map_.banks_per_channel()) ++channel_shift_;
  while ((1u << rank_shift_) < map_.banks_per_channel() / uint32_t(c.ranks)) ++rank_shift_;
  burst_bits_ = map_.burst_bits();
  low_bits_ = map_.field_shift(AddrField::co) - burst_bits_;
  chunk_bits_ = low_bits_ + map_.field_bits(AddrField::co);
  const size_t nch = static_cast<size_t>(c.channels);
  ch_base_.assign(nch, 0.0);
  ch_bus_ref_.assign(nch, 0.0);
  next_ref_.assign(nch, double(c.trefi / std::max(1, c.ranks)));  // as DRAMsim3: first REF one interval in
  ref_rank_.assign(nch, 0);
  const size_t nranks = nch * static_cast<size_t>(c.ranks);
  rank_open_banks_.assign(nranks, 0);
  rank_closed_since_.assign(nranks, 0.0);
  rank_closed_cycles_.assign(nranks, 0.0);
  reset_stats();
}

void DramModel::reset_stats() {
  // The clocks run on: this window's busy time moves into the base.
  if (!bank_cycles_.empty())
    for (int ch = 0; ch < cfg_.channels; ++ch) ch_base_[ch] += channel_busy(ch);
  std::fill(ch_bus_ref_.begin(), ch_bus_ref_.end(), 0.0);
  stats_ = DramStats{};
  bank_cycles_.assign(map_.total_banks(), 0.0);
  bank_acts_.assign(map_.total_banks(), 0);
  rank_acts_.assign(static_cast<size_t>(cfg_.channels) * cfg_.ranks, 0);
  channel_bursts_.assign(static_cast<size_t>(cfg_.channels), 0);
  ch_bank_max_.assign(static_cast<size_t>(cfg_.channels), 0.0);
  refresh_pending_ = cfg_.trefi > 0;
  read_bursts_ = write_bursts_ = 0;
}

void DramModel::close_rank(uint32_t rank, double at) {
  const uint32_t per_rank = map_.banks_per_channel() / cfg_.ranks;
  for (uint32_t b = rank * per_rank; b < (rank + 1) * per_rank; ++b) open_row_[b] = -1;
  if (rank_open_banks_[rank] > 0) rank_closed_since_[rank] = at;
  rank_open_banks_[rank] = 0;
}

void DramModel::close_all_rows() {
  for (uint32_t r = 0; r < rank_open_banks_.size(); ++r) close_rank(r, channel_clock(int(r / cfg_.ranks)));
}

double DramModel::standby_pj() const {
  if (!(cfg_.idd0 > 0)) return 0;
  const double devices = static_cast<double>(cfg_.bus_bits) / cfg_.device_width_bits;
  double pj = 0;
  for (uint32_t r = 0; r < rank_open_banks_.size(); ++r) {
    const double t = channel_clock(int(r / cfg_.ranks));
    const double closed = rank_closed_cycles_[r] + (rank_open_banks_[r] == 0 ? t - rank_closed_since_[r] : 0.0);
    pj += cfg_.vdd * (cfg_.idd3n * (t - closed) + cfg_.idd2n * closed) * cfg_.tck_ns * devices;
  }
  return pj;
}

void DramModel::set_trace(std::ostream* os, uint64_t start_cycle, double cycles_per_burst) {
  trace_ = os;
  trace_start_cycle_ = start_cycle;
  trace_cycles_per_burst_ = std::max(0.0, cycles_per_burst);
  trace_bursts_ = 0;
}

double DramModel::channel_busy(int ch) const {
  // data bus; then the busiest bank (busy cycles, activations x tRC) or rank (tFAW), kept by note_bank
  return std::max(channel_bursts_[ch] * t_burst_cycles_ + ch_bus_ref_[ch], ch_bank_max_[ch]);
}

double DramModel::channel_clock(int ch) const { return ch_base_[ch] + channel_busy(ch); }

// One REF on channel ch: the next rank in turn closes all its rows. While the channel is busy
// the rank's banks and (shared among the ranks) the data bus lose tRFC.
void DramModel::refresh_rank(int ch, bool busy) {
  const uint32_t per_rank = map_.banks_per_channel() / cfg_.ranks;
  const uint32_t rank = uint32_t(ch * cfg_.ranks + ref_rank_[ch]);
  close_rank(rank, busy ? channel_clock(ch) : next_ref_[ch]);
  if (busy) {
    for (uint32_t b = rank * per_rank; b < (rank + 1) * per_rank; ++b) {
      bank_cycles_[b] += cfg_.trfc;
      note_bank(b);
    }
    ch_bus_ref_[ch] += double(cfg_.trfc) / cfg_.ranks;
  }
  ++stats_.refreshes;
  ref_rank_[ch] = (ref_rank_[ch] + 1) % cfg_.ranks;
  next_ref_[ch] += double(cfg_.trefi / cfg_.ranks);
}

void DramModel::refresh_check() {
  for (int ch = 0; ch < cfg_.channels; ++ch)
    while (channel_clock(ch) >= next_ref_[ch]) refresh_rank(ch, true);
  refresh_pending_ = false;
}

void DramModel::advance_to(uint64_t cycle) {
  const double c = double(cycle);
  for (int ch = 0; ch < cfg_.channels; ++ch) {
    const double now = channel_clock(ch);
    if (now >= c) continue;
    if (cfg_.trefi > 0)
      while (next_ref_[ch] <= c) refresh_rank(ch, false);  // during the idle gap: no busy time
    ch_base_[ch] += c - now;
  }
  refresh_pending_ = cfg_.trefi > 0;  // clocks moved: check every channel next time
}

// n_bursts consecutive bursts to one row of one bank: the first may open the row.
[[gnu::always_inline]] inline void DramModel::touch_row(uint32_t bank, uint64_t row, uint64_t n_bursts,
                                                       bool is_write) {
  // Hits and accesses are derived from the burst and activation counts when stats() is read.
  const int64_t r = static_cast<int64_t>(row);
  const int ch = int(bank >> channel_shift_);
  double cycles = n_bursts * t_burst_cycles_;
  const bool activates = open_row_[bank] != r;
  if (activates) {
    if (open_row_[bank] < 0) {
      ++stats_.row_misses;
      cycles += cfg_.trcd;
      const uint32_t rank = bank >> rank_shift_;
      if (rank_open_banks_[rank]++ == 0) rank_closed_cycles_[rank] += channel_clock(ch) - rank_closed_since_[rank];
    } else {
      ++stats_.row_conflicts;
      cycles += cfg_.trp + cfg_.trcd;
    }
    ++stats_.activations;
    ++bank_acts_[bank];
    ++rank_acts_[bank >> rank_shift_];
    open_row_[bank] = r;
  }
  const double bank_cycles = bank_cycles_[bank] += cycles;
  channel_bursts_[ch] += n_bursts;
  (is_write ? write_bursts_ : read_bursts_) += n_bursts;
  if (activates) {
    note_bank(bank);
  } else {  // only the bank's busy cycles grew: its tRC and rank terms are in the maximum already
    ch_bank_max_[ch] = std::max(ch_bank_max_[ch], bank_cycles);
  }
  if (channel_clock(ch) >= next_ref_[ch]) refresh_pending_ = cfg_.trefi > 0;
}

void DramModel::access_burst(uint64_t burst_addr, bool is_write) {
  uint32_t bank = 0;
  uint64_t row = 0;
  map_.bank_row(burst_addr, bank, row);
  touch_row(bank, row, 1, is_write);
  if (trace_) {
    const auto at = trace_start_cycle_ + static_cast<uint64_t>(double(trace_bursts_) * trace_cycles_per_burst_);
    *trace_ << fmt::format("0x{:08X} {} {}\n", burst_addr, is_write ? "WRITE" : "READ", at);
    ++trace_bursts_;
  }
}

[[gnu::always_inline]] inline void DramModel::access_range(uint64_t addr, uint64_t bytes, bool is_write) {
  if (bytes == 0) return;
  (is_write ? stats_.bytes_written : stats_.bytes_read) += bytes;
  const int bb = burst_bits_;
  const uint64_t first = addr >> bb, last = (addr + bytes - 1) >> bb;  // burst indices, inclusive
  // Chunk = an aligned block of bursts sharing every field above the column: within it each
  // low-field value (fields below the column) is one bank, visited in one row. Refreshes are
  // applied at chunk ends (and at the end of the range), whichever walk is taken.
  const int low_bits = low_bits_;
  const int chunk_bits = chunk_bits_;
  const uint64_t L = uint64_t{1} << low_bits;
  const uint64_t chunk_mask = (uint64_t{1} << chunk_bits) - 1;
  if (trace_) {
    for (uint64_t b = first; b <= last; ++b) {
      access_burst(b << bb, is_write);
      if ((b & chunk_mask) == chunk_mask || b == last) refresh_due();
    }
    return;
  }
  for (uint64_t c0 = first; c0 <= last;) {
    const uint64_t chunk = c0 >> chunk_bits;
    const uint64_t chunk_first = chunk << chunk_bits;
    const uint64_t c1 = std::min(last + 1, chunk_first + (uint64_t{1} << chunk_bits));
    const uint64_t b0 = c0 - chunk_first, b1 = c1 - chunk_first;  // [b0, b1) within the chunk
    if (L == 1) {  // the column is the lowest field: the chunk is one row of one bank
      uint32_t bank = 0;
      uint64_t row = 0;
      map_.bank_row(c0 << bb, bank, row);
      touch_row(bank, row, c1 - c0, is_write);
    } else if (b1 - b0 < L) {
      for (uint64_t b = c0; b < c1; ++b) access_burst(b << bb, is_write);
    } else {
      for (uint64_t v = 0; v < L; ++v) {
        // Bursts i in [b0, b1) with i % L == v.
        auto count_below = [&](uint64_t x) { return x > v ? (x - v + L - 1) >> low_bits : 0; };
        const uint64_t n = count_below(b1) - count_below(b0);
        if (n == 0) continue;
        uint32_t bank = 0;
        uint64_t row = 0;
        map_.bank_row((chunk_first + v) << bb, bank, row);
        touch_row(bank, row, n, is_write);
      }
    }
    refresh_due();
    c0 = c1;
  }
}

void DramModel::access(uint64_t addr, uint64_t bytes, bool is_write) { access_range(addr, bytes, is_write); }

void DramModel::access_strided(uint64_t addr, uint64_t bytes, uint64_t stride, uint64_t count, bool is_write) {
  for (uint64_t k = 0; k < count; ++k, addr += stride) access_range(addr, bytes, is_write);
}

const DramStats& DramModel::stats() const {
  update_time_and_energy();
  return stats_;
}

void DramModel::update_time_and_energy() const {
  stats_.accesses = read_bursts_ + write_bursts_;
  stats_.row_hits = stats_.accesses - stats_.activations;
  double worst_cycles = 0;
  for (int ch = 0; ch < cfg_.channels; ++ch) worst_cycles = std::max(worst_cycles, channel_busy(ch));
  stats_.busy_ns = worst_cycles * cfg_.tck_ns;
  if (energy_.flat) {
    const double bits_per_burst = cfg_.burst_bytes * 8.0;
    stats_.act_pj = stats_.ref_pj = 0;
    stats_.rd_pj = read_bursts_ * bits_per_burst * energy_.pj_per_bit;
    stats_.wr_pj = write_bursts_ * bits_per_burst * energy_.pj_per_bit;
    stats_.bg_pj = 0;
  } else {
    stats_.act_pj = stats_.activations * energy_.act_pj;
    stats_.rd_pj = read_bursts_ * energy_.rd_pj;
    stats_.wr_pj = write_bursts_ * energy_.wr_pj;
    stats_.ref_pj = stats_.refreshes * energy_.ref_pj;
    stats_.bg_pj = energy_.background_w * stats_.busy_ns * 1e3;  // W x ns = nJ
  }
  stats_.energy_pj = stats_.act_pj + stats_.rd_pj + stats_.wr_pj + stats_.ref_pj + stats_.bg_pj;
}

}  // namespace zoomrt::sim
