// Silicon area of an NPU description (issue 13), so designs can be compared at equal cost.
//
//   PE area     pe_um2   = max over the dtypes d the array runs (macs_per_cycle.d > 0) of
//                          mac_um2.d x macs_per_cycle.d / macs_per_cycle.int8
//   array       rows x cols x pe_um2
//   SRAM        sram.bytes / 2^20 x sram_mm2_per_mib
//   DRAM PHY    dram.channels x dram_phy_mm2_per_channel
//   total       array + SRAM + DRAM PHY + fixed_mm2
//
// A PE runs macs_per_cycle.d / macs_per_cycle.int8 MACs of dtype d per cycle (compute.h scales
// cycles by the same ratio), so it needs that many MAC units of d. One set of silicon serves
// every dtype (a precision-scalable PE: two int4 MACs share an int8 multiplier, fp16 at half rate
// reuses it over two cycles), so the PE is as large as its largest mode, not the sum of them.
// Each term scales with the field a sweep varies: rows x cols, SRAM bytes, DRAM channels.
// Constants and their sources: the presets' `area` objects and docs/sim.md "Area".
#pragma once
#include <string>

#include "sim/npu_config.h"

namespace zoomrt::sim {

struct AreaBreakdown {
  double pe_um2 = 0;
  double array_mm2 = 0, sram_mm2 = 0, dram_phy_mm2 = 0, fixed_mm2 = 0;
  double total_mm2() const { return array_mm2 + sram_mm2 + dram_phy_mm2 + fixed_mm2; }
};

double mac_um2(const AreaConfig& a, MacDtype d);
// The breakdown above; all zero when c.area.present is false.
AreaBreakdown area_breakdown(const NpuConfig& c);
// Ranges and consistency of c.area (nothing when absent): InputError "<origin>: area.<key>: ...".
// Called by validate_npu.
void validate_area(const NpuConfig& c, const std::string& origin);

}  // namespace zoomrt::sim
