// Memory budget (issue 5, resource limits): what a run will hold in memory, estimated from the
// graphs before any weight is packed or any arena allocated, and checked against a budget the
// user can set (`--memory-budget` on `zoomrt zoom` and `zoomrt eval`; default: the machine's
// physical memory, so a run that cannot fit is refused up front instead of being killed later).
//
// The estimate counts what the executor allocates: every linear / conv2d weight packed in the
// format the precision policy gives its op class (runtime/exec/precision.h), output channels padded
// to 32 as the packed panels are (f32 4 bytes, f16 2, int8 1 + one f32 scale and one int32
// column sum per output channel, int4 half a byte + one f32 scale per group, paletteB B/8 + a
// codebook of 2^B floats per layer or per channel, sparse24 9/8), every other weight as f32
// (norms, biases, embeddings: converted or mapped), and the activation arena the memory planner
// gives for the graph. Weight files themselves are memory-mapped and not counted.
#pragma once
#include <cstddef>
#include <string>

#include "graph/graph.h"
#include "runtime/exec/precision.h"

namespace zoomrt {

struct MemoryNeed {
  size_t weight_bytes = 0;
  size_t activation_bytes = 0;
  size_t total() const { return weight_bytes + activation_bytes; }
  MemoryNeed& operator+=(const MemoryNeed& o) {
    weight_bytes += o.weight_bytes;
    activation_bytes += o.activation_bytes;
    return *this;
  }
};

// Bytes of one linear/conv2d weight of `numel` elements with `out` output channels packed as `p`.
size_t packed_weight_bytes(int64_t numel, int64_t out, const LayerPrecision& p);

// What running `g` under policy `p` holds: packed weights plus the planned activation arena.
MemoryNeed estimate_memory(const Graph& g, const Precision& p);

// Physical memory of this machine (sysconf), 0 if unknown.
size_t physical_memory_bytes();

// "12.3 GiB", "512 MiB", "900 B".
std::string format_bytes(size_t bytes);

// "8G", "512M", "1.5GiB", "4096" (bytes) -> bytes; InputError naming `what` otherwise.
size_t parse_bytes(const std::string& text, const std::string& what = "--memory-budget");

// InputError if need.total() > budget (budget 0: physical memory; unknown physical memory: no
// check). `what` names the run ("sd2/unet at 512x512"); the message gives the estimate's parts,
// the limit, and how to raise it.
void check_memory_budget(const std::string& what, const MemoryNeed& need, size_t budget);

}  // namespace zoomrt
