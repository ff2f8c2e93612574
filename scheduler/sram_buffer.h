// SramBuffer: the instrumented on-chip buffer of the tiled executors (scheduler/tiled_exec.h,
// scheduler/fused_exec.h). Tracks the bytes resident per partition against an SRAM budget and
// throws std::logic_error the moment they exceed it (per partition, or in total when unified).
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

#include "scheduler/sram_budget.h"

namespace zoomrt {

class SramBuffer {
 public:
  explicit SramBuffer(const sched::SramBudget& b) : budget_(b) {}
  void take(sched::Partition p, int64_t bytes) {
    used_[int(p)] += bytes;
    const int64_t total = used_[0] + used_[1] + used_[2];
    peak_ = std::max(peak_, total);
    const bool over = budget_.unified ? total > budget_.unified_bytes
                                      : used_[int(p)] > budget_.partition_bytes[int(p)];
    if (over)
      throw std::logic_error(fmt::format("SRAM overflow: {} partition holds {} bytes, {}",
                                         sched::partition_name(p), used_[int(p)], budget_.describe()));
  }
  void give(sched::Partition p, int64_t bytes) { used_[int(p)] -= bytes; }
  int64_t peak() const { return peak_; }
  int64_t used() const { return used_[0] + used_[1] + used_[2]; }

 private:
  sched::SramBudget budget_;
  int64_t used_[sched::kPartitionCount] = {0, 0, 0};
  int64_t peak_ = 0;
};

}  // namespace zoomrt
