// AddressMapping: byte address -> (channel, rank, bank group, bank, row, column) for a DRAM.
// The mapping string lists the fields from MSB to LSB, comma separated, each exactly once:
// ch (channel), ra (rank), bg (bank group), ba (bank within its group), ro (row), co (column,
// in bursts: row_bytes / burst_bytes values). Below the LSB field sit log2(burst_bytes)
// burst-offset bits. Every field count must be a power of two. Example "ro,ba,bg,ra,co,ch"
// with 2 channels: consecutive bursts alternate channels, then walk the columns of one row.
// The row field must sit above the column field, so an aligned block of
// 2^(column_top_bit) bytes always stays within one row of each bank it touches.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace zoomrt::sim {

struct DramConfig;

enum class AddrField { ch, ra, bg, ba, ro, co };
inline constexpr int kAddrFieldCount = 6;

struct DramLocation {
  uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0;  // bank within its group
  uint64_t row = 0, column = 0;
  uint32_t global_bank = 0;  // ((channel * ranks + rank) * bank_groups + bank_group) * banks_per_group + bank
};

class AddressMapping {
 public:
  AddressMapping() = default;
  // InputError "<origin>: dram.address_mapping: ..." on a bad string or non power-of-two sizes.
  AddressMapping(const DramConfig& c, const std::string& origin = "dram");
  DramLocation decode(uint64_t byte_addr) const;
  // decode's global bank and row only (the DRAM model's hot path).
  void bank_row(uint64_t a, uint32_t& global_bank, uint64_t& row) const {
    const auto get = [&](int f) { return (a >> shift_[f]) & mask_[f]; };
    global_bank = uint32_t(((get(0) * ranks_ + get(1)) * bank_groups_ + get(2)) * banks_per_group_ + get(3));
    row = get(4);
  }
  uint64_t encode(const DramLocation& loc) const;  // burst offset 0
  int field_shift(AddrField f) const { return shift_[static_cast<int>(f)]; }
  int field_bits(AddrField f) const { return bits_[static_cast<int>(f)]; }
  int burst_bits() const { return burst_bits_; }
  uint32_t total_banks() const { return total_banks_; }
  uint32_t banks_per_channel() const;

 private:
  std::array<int, kAddrFieldCount> shift_{}, bits_{};
  std::array<uint64_t, kAddrFieldCount> mask_{};
  int burst_bits_ = 0;
  uint32_t ranks_ = 1, bank_groups_ = 1, banks_per_group_ = 1, total_banks_ = 1;
};

}  // namespace zoomrt::sim
