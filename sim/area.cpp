// The area model of sim/area.h: the breakdown and the checks of the `area` keys.
#include "sim/area.h"

#include <algorithm>

#include "base/error.h"

namespace zoomrt::sim {

double mac_um2(const AreaConfig& a, MacDtype d) {
  switch (d) {
    case MacDtype::int4:
      return a.mac_um2_int4;
    case MacDtype::int8:
      return a.mac_um2_int8;
    case MacDtype::fp16:
      return a.mac_um2_fp16;
  }
  return 0;
}

AreaBreakdown area_breakdown(const NpuConfig& c) {
  AreaBreakdown b;
  if (!c.area.present) return b;
  const double native = macs_per_cycle(c.array, MacDtype::int8);  // validated positive
  for (MacDtype d : all_mac_dtypes())
    if (macs_per_cycle(c.array, d) > 0)
      b.pe_um2 = std::max(b.pe_um2, mac_um2(c.area, d) * macs_per_cycle(c.array, d) / native);
  b.array_mm2 = double(c.array.rows) * double(c.array.cols) * b.pe_um2 * 1e-6;
  b.sram_mm2 = double(c.sram.bytes) / double(1 << 20) * c.area.sram_mm2_per_mib;
  b.dram_phy_mm2 = c.dram.channels * c.area.dram_phy_mm2_per_channel;
  b.fixed_mm2 = c.area.fixed_mm2;
  return b;
}

void validate_area(const NpuConfig& c, const std::string& o) {
  const AreaConfig& a = c.area;
  if (!a.present) return;
  if (!(a.process_nm > 0))
    fail_input("{}: area.process_nm: must be positive (got {})", o, a.process_nm);
  for (MacDtype d : all_mac_dtypes()) {
    if (mac_um2(a, d) < 0)
      fail_input("{}: area.mac_um2.{}: must not be negative", o, mac_dtype_name(d));
    // A dtype the array runs must cost silicon, or the area model would call it free.
    if (macs_per_cycle(c.array, d) > 0 && !(mac_um2(a, d) > 0))
      fail_input("{}: area.mac_um2.{}: must be positive (array.macs_per_cycle.{} is {})", o,
                 mac_dtype_name(d), mac_dtype_name(d), macs_per_cycle(c.array, d));
  }
  if (!(a.sram_mm2_per_mib > 0))
    fail_input("{}: area.sram_mm2_per_mib: must be positive (got {})", o, a.sram_mm2_per_mib);
  if (a.dram_phy_mm2_per_channel < 0)
    fail_input("{}: area.dram_phy_mm2_per_channel: must not be negative (got {})", o,
               a.dram_phy_mm2_per_channel);
  if (a.fixed_mm2 < 0)
    fail_input("{}: area.fixed_mm2: must not be negative (got {})", o, a.fixed_mm2);
}

}  // namespace zoomrt::sim
