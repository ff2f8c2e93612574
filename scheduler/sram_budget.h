// SramBudget: the on-chip capacity a tile plan may use, derived from the NPU's SRAM.
// Double buffering halves every buffer (one half is filled from DRAM while the other computes).
// unified: one pool for all operand tiles; otherwise SCALE-Sim style partitions: ifmap (inputs:
// conv/gemm input, attention q), filter (weights, attention k and v), ofmap (outputs and partial
// sums, attention scores and softmax statistics). Bytes, usable capacity per tile set.

#pragma once
#include <cstdint>
#include <string>

#include "sim/npu_config.h"

namespace zoomrt::sched {

enum class Partition { ifmap, filter, ofmap };
inline constexpr int kPartitionCount = 3;
const char* partition_name(Partition p);

struct SramBudget {
  bool unified = true;
  int64_t unified_bytes = 0;                                   // when unified
  int64_t partition_bytes[kPartitionCount] = {0, 0, 0};        // when !unified
  std::string key() const;                                     // for the plan cache
  std::string describe() const;                                // "unified 512 KiB" ...
};

SramBudget sram_budget(const sim::SramConfig& s);
SramBudget sram_budget(const sim::NpuConfig& npu);  // of npu.sram
SramBudget unified_budget(int64_t bytes);
SramBudget partitioned_budget(int64_t ifmap_bytes, int64_t filter_bytes, int64_t ofmap_bytes);

}  // namespace zoomrt::sched
