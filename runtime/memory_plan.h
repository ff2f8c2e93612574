// Liveness-based arena planning: every activation and graph input gets an offset in one
// buffer; two tensors share bytes only if their lifetimes (first write .. last read, in
// execution order) do not overlap. Graph outputs live until the end.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace zoomrt {

struct MemoryPlan {
  static constexpr size_t kAlign = 64;        // every tensor starts on a cache line
  std::vector<int64_t> offset;                // per tensor id; -1 for weights
  size_t arena_bytes = 0;                     // size of the buffer (>= peak_live_bytes)
  size_t peak_live_bytes = 0;                 // max over time of the bytes live at once
};

// `order`: node indices in execution order (a topological order of g).
MemoryPlan plan_memory(const Graph& g, const std::vector<int>& order);

// Kahn's algorithm over tensor dependencies, stable (keeps the builder's order when valid).
std::vector<int> topological_order(const Graph& g);

}  // namespace zoomrt
