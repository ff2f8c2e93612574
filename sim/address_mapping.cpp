// Bit-field address mapping (see address_mapping.h for the string format).
#include "sim/address_mapping.h"

#include <bit>
#include <sstream>

#include "sim/npu_config.h"
#include "base/error.h"

namespace zoomrt::sim {

namespace {
constexpr const char* kFieldNames[kAddrFieldCount] = {"ch", "ra", "bg", "ba", "ro", "co"};

int log2_exact(uint64_t v, const std::string& origin, const char* what) {
  if (v == 0 || !std::has_single_bit(v))
    fail_input("{}: dram.{}: {} is not a power of two (needed by the address mapping)", origin,
               what, v);
  return std::countr_zero(v);
}

uint64_t field_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }
}  // namespace

AddressMapping::AddressMapping(const DramConfig& c, const std::string& origin) {
  ranks_ = static_cast<uint32_t>(c.ranks);
  bank_groups_ = static_cast<uint32_t>(c.bank_groups);
  banks_per_group_ = static_cast<uint32_t>(c.banks / c.bank_groups);
  total_banks_ = static_cast<uint32_t>(c.channels) * ranks_ * bank_groups_ * banks_per_group_;
  burst_bits_ = log2_exact(static_cast<uint64_t>(c.burst_bytes), origin, "burst_bytes");
  bits_[0] = log2_exact(static_cast<uint64_t>(c.channels), origin, "channels");
  bits_[1] = log2_exact(ranks_, origin, "ranks");
  bits_[2] = log2_exact(bank_groups_, origin, "bank_groups");
  bits_[3] = log2_exact(banks_per_group_, origin, "banks (per bank group)");
  bits_[4] = log2_exact(static_cast<uint64_t>(c.rows), origin, "rows");
  bits_[5] = log2_exact(static_cast<uint64_t>(c.row_bytes / c.burst_bytes), origin,
                        "row_bytes / burst_bytes");

  // Parse "ro,ba,bg,ra,co,ch" (MSB first) into the order of fields from the LSB up.
  std::vector<int> msb_first;
  std::stringstream ss(c.address_mapping);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    int idx = -1;
    for (int i = 0; i < kAddrFieldCount; ++i)
      if (tok == kFieldNames[i]) idx = i;
    if (idx < 0)
      fail_input("{}: dram.address_mapping: unknown field '{}' (expected ch, ra, bg, ba, ro, co)",
                 origin, tok);
    for (int f : msb_first)
      if (f == idx) fail_input("{}: dram.address_mapping: field '{}' appears twice", origin, tok);
    msb_first.push_back(idx);
  }
  if (msb_first.size() != kAddrFieldCount)
    fail_input("{}: dram.address_mapping: '{}' must list all of ch, ra, bg, ba, ro, co once", origin,
               c.address_mapping);
  int shift = burst_bits_;
  for (auto it = msb_first.rbegin(); it != msb_first.rend(); ++it) {
    shift_[*it] = shift;
    shift += bits_[*it];
  }
  if (shift > 63) fail_input("{}: dram: address space of 2^{} bytes is too large", origin, shift);
  for (int f = 0; f < kAddrFieldCount; ++f) mask_[size_t(f)] = field_mask(bits_[size_t(f)]);
  if (shift_[4] < shift_[5])
    fail_input("{}: dram.address_mapping: the row field must lie above the column field", origin);
}

uint32_t AddressMapping::banks_per_channel() const {
  return ranks_ * bank_groups_ * banks_per_group_;
}

DramLocation AddressMapping::decode(uint64_t a) const {
  auto get = [&](int f) { return (a >> shift_[f]) & field_mask(bits_[f]); };
  DramLocation l;
  l.channel = static_cast<uint32_t>(get(0));
  l.rank = static_cast<uint32_t>(get(1));
  l.bank_group = static_cast<uint32_t>(get(2));
  l.bank = static_cast<uint32_t>(get(3));
  // Addresses beyond the device's capacity wrap around (the row field takes the low bits).
  l.row = get(4);
  l.column = get(5);
  l.global_bank = ((l.channel * ranks_ + l.rank) * bank_groups_ + l.bank_group) * banks_per_group_ + l.bank;
  return l;
}

uint64_t AddressMapping::encode(const DramLocation& l) const {
  const uint64_t v[kAddrFieldCount] = {l.channel, l.rank, l.bank_group, l.bank, l.row, l.column};
  uint64_t a = 0;
  for (int f = 0; f < kAddrFieldCount; ++f) a |= (v[f] & field_mask(bits_[f])) << shift_[f];
  return a;
}

}  // namespace zoomrt::sim
