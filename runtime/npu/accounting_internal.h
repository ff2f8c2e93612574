// Helpers the accounting_*.cpp files share (not part of accounting.h's API).
#pragma once

#include <cstdint>

#include "sim/dram.h"
#include "sim/power.h"

namespace zoomrt::npu_accounting {

// Bytes of `elements` values of `bits` bits each, rounded up to whole bytes.
inline uint64_t bytes_at(int64_t elements, int bits) { return (uint64_t(elements) * uint64_t(bits) + 7) / 8; }

// Every count and energy of `s` times `r` (counts rounded to the nearest integer).
sim::DramStats scale_dram(sim::DramStats s, double r);

// (MAC + SRAM + static) energy / latency: the NPU rail's average, DRAM excluded.
double npu_avg_power_w(const sim::RunResult& r);

}  // namespace zoomrt::npu_accounting
