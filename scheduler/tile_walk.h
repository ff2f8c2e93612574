// walk_tiles: runs a plan's tiled loop nest step by step and reports every tile movement, so
// that the same schedule can be replayed into a DRAM model (dram_emit.h) or executed on the CPU
// through an instrumented SRAM buffer (scheduler/tiled_exec.h). It simulates, it does not count
// by formula: tests check that what it moves equals analytic_traffic() exactly.
//
// Per step (one iteration of every loop), in this order: operands whose tile changes are evicted
// (outputs written back), the new tiles are fetched, then compute(step). One tile per operand is
// resident; with plan reuse an operand's tile changes when an index it depends on changes,
// without reuse (naive) every operand is evicted and fetched at every step.
// Outputs: fetched with a psum read if earlier steps already accumulated into that tile
// (otherwise initialised on chip, no DRAM read); evicted as final when every reduction step has
// been accumulated, else as a psum spill. A spill operand follows its output's psum moves only.
#pragma once
#include <array>
#include <cstdint>

#include "scheduler/loop_nest.h"

namespace zoomrt::sched {

using TileIndex = std::array<int64_t, kMaxDims>;  // tile index per loop dim

enum class Fetch { input, psum_read, init };    // init: on-chip zero / -inf, no DRAM traffic
enum class Evict { drop, psum_write, final_write };

struct TileWalkVisitor {
  virtual ~TileWalkVisitor() = default;
  // `t` holds the tile indices of the step; only the dims the operand depends on matter.
  virtual void fetch(int op, const TileIndex& t, Fetch kind) = 0;
  virtual void evict(int op, const TileIndex& t, Evict kind) = 0;
  virtual void compute(const TileIndex& t) { (void)t; }
  virtual bool done() const { return false; }  // true: the walk stops after this step
};

void walk_tiles(const LoopNest& n, const Tiling& t, TileWalkVisitor& v);

// Element box of operand `op` for the tile at `idx`: one range per axis of the operand.
struct TileBox {
  std::array<Range, 6> axis{};
  int axes = 0;
  int64_t elements() const;
};
TileBox tile_box(const LoopNest& n, const Tiling& t, int op, const TileIndex& idx);

}  // namespace zoomrt::sched
