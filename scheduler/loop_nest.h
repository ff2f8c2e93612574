// LoopNest: a layer as tiled loops over named dims, with the operands each loop touches, and the
// closed-form count of DRAM traffic for one tiling (tile sizes + loop order).
//
// Dims per kind (index order is fixed; Tiling::tile is indexed by it):
//   conv       G (groups), N, K (filters per group), C (channels per group), P, Q; R and S are
//              never tiled (the whole filter window is in every tile)
//   gemm       M, N, K
//   attention  B, H (heads), LQ, LK; the head dim D is never tiled
// Operand tensors are views of the layer's row-major tensors as a list of axes (outer -> inner),
// each axis following one loop dim (a tile covers [i*t, min((i+1)*t, size))), a sliding window
// over an output dim (input rows [p0*stride - pad, (p1-1)*stride - pad + kernel) clipped to the
// tensor: zero padding is never fetched), or a fixed extent that is always whole (R, S, D).
//
// Counting model (see docs/tiling.md): one resident tile per operand. With reuse, an operand's
// tile is fetched again only when a loop it depends on advances; loops with one trip do not
// exist. So an operand is fetched (trips of the loops it does not depend on that sit outside its
// innermost dependent loop) x (once per distinct tile). Without reuse (`naive`) every operand is
// moved at every step. Outputs: each visit but the first reads the spilled partial sums back,
// each visit but the last writes them (psum bits); the last writes the final value (output
// bits). A `spill` operand (attention's running max/sum) moves only with partial-sum spills.
// A transfer of e elements of b bits moves ceil(e * b / 8) bytes.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/sram_budget.h"

namespace zoomrt::sched {

inline constexpr int kMaxDims = 6;

enum class AxisKind { dim, window, fixed };
struct Axis {
  AxisKind kind = AxisKind::fixed;
  int dim = -1;        // loop dim (dim, window)
  int64_t extent = 1;  // tensor size along this axis, elements
  int64_t stride = 1, pad = 0, kernel = 1;  // window only
};

enum class Role { input, output, spill };

struct Operand {
  std::string name;
  Role role = Role::input;
  Partition partition = Partition::ifmap;
  int64_t bits_milli = 8000;        // storage bits x 1000 (exact for compressed weights like 4.5)
  int64_t final_bits_milli = 8000;  // output only: bits of the final write
  std::vector<Axis> axes;
  bool depends_on(int dim) const;
};

// On-chip-only data (attention's score tile): product of the tile sizes of `dims` x `fixed`.
struct Scratch {
  std::vector<int> dims;
  int64_t fixed = 1;
  int64_t bits = 32;
};

struct LoopNest {
  LayerKind kind = LayerKind::gemm;
  std::vector<std::string> dim_names;
  std::vector<int64_t> dim_sizes;
  std::vector<Operand> operands;
  std::vector<Scratch> scratch;
  std::vector<int> outer_dims;                 // loops every operand depends on: outermost
  std::vector<std::vector<int>> order_groups;  // loop orders = permutations of these groups
  int weight_operand = 1, input_operand = 0, output_operand = 2;  // for stationary orders
  int dims() const { return int(dim_sizes.size()); }
};

LoopNest make_loop_nest(const Layer& l);

struct Tiling {
  std::array<int64_t, kMaxDims> tile{};  // tile size per dim (1 <= tile <= size)
  std::vector<int> order;                // all dims, outer -> inner
  bool reuse = true;                     // false: `naive`, everything moves at every step
};

// All loop orders of a nest: outer dims, then each permutation of the order groups.
std::vector<std::vector<int>> all_loop_orders(const LoopNest& n);
std::string order_string(const LoopNest& n, const std::vector<int>& order);  // "G>K>C>N>P>Q"
std::string tile_string(const LoopNest& n, const Tiling& t);                 // "K64 C32 P13 Q13"

inline int64_t trips(const LoopNest& n, const Tiling& t, int dim) {  // ceil(size / tile)
  return (n.dim_sizes[dim] + t.tile[dim] - 1) / t.tile[dim];
}
inline int64_t bytes_of(int64_t elements, int64_t bits_milli) {  // ceil(e * bits / 8)
  return (elements * bits_milli + 7999) / 8000;
}

// Half-open element range [lo, hi) of one axis for tile index `index` along its dim.
struct Range {
  int64_t lo = 0, hi = 0;
};
Range axis_range(const Axis& a, int64_t tile, int64_t index);
int64_t max_axis_extent(const Axis& a, int64_t tile);

// SRAM bytes per partition that the largest tile of every operand (+ scratch) occupies.
struct SramUse {
  int64_t bytes[kPartitionCount] = {0, 0, 0};
  int64_t total() const { return bytes[0] + bytes[1] + bytes[2]; }
};
SramUse sram_use(const LoopNest& n, const Tiling& t);
bool fits(const SramUse& u, const SramBudget& b);

struct OperandTraffic {
  std::string name;
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t transfers = 0;  // tile transfers (reads + writes)
};
struct Traffic {
  std::vector<OperandTraffic> operands;  // same order as LoopNest::operands
  uint64_t read_bytes = 0, write_bytes = 0, transfers = 0;
  uint64_t total_bytes() const { return read_bytes + write_bytes; }
};

// Per-operand sums over its distinct tiles, independent of the loop order (the expensive part
// of a search; combine with any order through traffic_for_order).
struct OperandBases {
  std::vector<uint64_t> bytes, final_bytes, tiles;
};
OperandBases operand_bases(const LoopNest& n, const Tiling& t);
// per_operand = false: the totals only (Traffic::operands left empty; the search's hot path).
Traffic traffic_for_order(const LoopNest& n, const Tiling& t, const OperandBases& b, bool per_operand = true);
Traffic analytic_traffic(const LoopNest& n, const Tiling& t);

}  // namespace zoomrt::sched
