// Liveness-based arena planning: every activation and graph input gets an offset in one
// buffer; two tensors share bytes only if their lifetimes (first write .. last read, in
// execution order) do not overlap. Graph outputs live until the end.
//
// The fast path adds three things through PlanHints: tensors that are never stored ("virtual":
// computed piecewise inside the node that reads them, runtime/exec/ff_chunk.h, so their producers'
// inputs are read when that node runs), per-node scratch bytes live only while the node runs
// (placed in the same arena), and nodes whose output may overwrite their input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace zoomrt {

struct MemoryPlan {
  static constexpr size_t kAlign = 64;        // every tensor starts on a cache line
  std::vector<int64_t> offset;                // per tensor id; -1 for weights and virtual tensors
  std::vector<int64_t> scratch_offset;        // per node index; -1 when the node has no scratch
  size_t arena_bytes = 0;                     // size of the buffer (>= peak_live_bytes)
  size_t peak_live_bytes = 0;                 // max over time of the bytes live at once
};

struct PlanHints {
  std::vector<char> virtual_tensor;   // by tensor id (empty: none); never a graph input or output
  std::vector<size_t> scratch_bytes;  // by node index (empty: none)
  // By node index (empty: none): the node's kernel may write its output over its input 0. The
  // output then takes input 0's bytes when the node is input 0's last reader, input 0 is an
  // activation that is not a graph output, and both have the same size.
  std::vector<char> in_place;
};

// `order`: node indices in execution order (a topological order of g).
MemoryPlan plan_memory(const Graph& g, const std::vector<int>& order, const PlanHints& hints = {});

// Kahn's algorithm over tensor dependencies, stable (keeps the builder's order when valid).
std::vector<int> topological_order(const Graph& g);

// `order` with, before each in-place node A (hints.in_place) whose input 0 is read again later,
// those later readers moved up to just before A when that is possible (their inputs are all
// made before A) and they make fewer bytes than input 0 has: A is then the last reader and
// writes over it. E.g. a ResNet block's 1x1 conv_shortcut runs before its norm1 so norm1 + SiLU
// overwrite the concatenated skip input instead of holding a second copy of it.
std::vector<int> order_for_in_place(const Graph& g, std::vector<int> order, const std::vector<char>& in_place);

}  // namespace zoomrt
