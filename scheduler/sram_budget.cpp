#include "scheduler/sram_budget.h"

#include <fmt/format.h>

namespace zoomrt::sched {

const char* partition_name(Partition p) {
  switch (p) {
    case Partition::ifmap: return "ifmap";
    case Partition::filter: return "filter";
    case Partition::ofmap: return "ofmap";
  }
  return "?";
}

std::string SramBudget::key() const {
  if (unified) return fmt::format("u{}", unified_bytes);
  return fmt::format("p{}/{}/{}", partition_bytes[0], partition_bytes[1], partition_bytes[2]);
}

std::string SramBudget::describe() const {
  if (unified) return fmt::format("unified {} KiB usable", unified_bytes / 1024.0);
  return fmt::format("ifmap {} / filter {} / ofmap {} KiB usable", partition_bytes[0] / 1024.0,
                     partition_bytes[1] / 1024.0, partition_bytes[2] / 1024.0);
}

SramBudget sram_budget(const sim::SramConfig& s) {
  const int64_t div = s.double_buffered ? 2 : 1;
  if (s.unified) return unified_budget(s.bytes / div);
  return partitioned_budget(s.ifmap_bytes / div, s.filter_bytes / div, s.ofmap_bytes / div);
}

SramBudget sram_budget(const sim::NpuConfig& npu) {
  return sram_budget(npu.sram);
}

SramBudget unified_budget(int64_t bytes) {
  SramBudget b;
  b.unified = true;
  b.unified_bytes = bytes;
  return b;
}

SramBudget partitioned_budget(int64_t ifmap_bytes, int64_t filter_bytes, int64_t ofmap_bytes) {
  SramBudget b;
  b.unified = false;
  b.partition_bytes[0] = ifmap_bytes;
  b.partition_bytes[1] = filter_bytes;
  b.partition_bytes[2] = ofmap_bytes;
  return b;
}

}  // namespace zoomrt::sched
