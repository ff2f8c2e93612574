// The points of a sweep space: every combination of axis values in a fixed order (the first axis
// varies slowest, tiling-free axes fastest: space.h), minus those a constraint prunes. A point's
// configuration is canonical JSON {"npu": the patched NPU description, "run": every run option}
// (keys sorted, compact), and its hash (FNV-1a 64 of that text, 16 hex digits) names its line in
// points.jsonl, so a resumed or re-ordered sweep recognises finished points.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/space.h"

namespace zoomrt::sweep {

uint64_t fnv1a64(const std::string& bytes);
std::string hash_hex(uint64_t h);  // 16 lower-case hex digits

class PointSet {
 public:
  // Enumerates the combinations (at most 10^7 before pruning, 10^6 after; more is an InputError)
  // and applies the constraints. A constraint set that prunes every point is an InputError.
  explicit PointSet(const Space& space);

  size_t size() const { return combos_.size(); }
  size_t combinations() const { return combinations_; }  // before pruning
  const Space& space() const { return space_; }

  // Point i's configuration; checks the NPU description with the NPU reader (InputError
  // "<space>: point i (axis=value, ...): <key>: <problem>").
  nlohmann::json config(size_t i) const;
  // The axis values of point i, "path=value" joined by ", " (errors, --dry-run).
  std::string label(size_t i) const;
  // {path: value} of point i's axes.
  nlohmann::json axis_values(size_t i) const;

 private:
  Space space_;  // a copy: a PointSet outlives the Space it was made from
  std::vector<std::vector<uint32_t>> combos_;  // per point: the value index on each axis
  size_t combinations_ = 0;
  std::map<std::string, nlohmann::json> dram_of_;  // npu.dram.standard value -> dram object
};

// The canonical text and hash of a configuration.
std::string canonical(const nlohmann::json& config);
std::string config_hash(const nlohmann::json& config);

}  // namespace zoomrt::sweep
