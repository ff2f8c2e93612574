#include "scheduler/dram_emit.h"

#include <algorithm>
#include <vector>

#include "scheduler/tile_walk.h"

namespace zoomrt::sched {

namespace {

// One tensor region in DRAM with its element order.
struct Region {
  uint64_t base = 0;
  int64_t bits_milli = 8000;
  int64_t elem_bytes = 1;  // bits_milli / 8000 when whole bytes, else 0 (sub-byte: shared rounding)
  int axes = 0;
  std::array<int64_t, 6> extent{}, block{};  // block == extent for row-major
  // Blocks along a window axis start `shift` (= pad) elements early, so that a tile's input window
  // starts where its block starts and only its halo reaches into the next block.
  std::array<int64_t, 6> shift{};
};

uint64_t align_up(uint64_t v, uint64_t a) { return a ? (v + a - 1) / a * a : v; }

class Emitter final : public TileWalkVisitor {
 public:
  Emitter(const LoopNest& n, const Plan& p, sim::DramModel& dram, const EmitOptions& o)
      : n_(n), p_(p), dram_(dram), max_ranges_(o.max_ranges) {
    uint64_t next = o.base_addr;
    int op_index = 0;
    const bool placed = o.placement.base.size() == n.operands.size() && o.placement.psum.size() == n.operands.size();
    int pass = 0;  // 0: the tensors, 1: the psum regions
    auto region = [&](const Operand& op, int64_t bits) {
      Region r;
      r.base = placed ? (pass ? o.placement.psum : o.placement.base)[size_t(op_index)] : next;
      r.bits_milli = bits;
      r.elem_bytes = bits % 8000 == 0 ? bits / 8000 : 0;
      r.axes = int(op.axes.size());
      int64_t elems = 1;
      for (int a = 0; a < r.axes; ++a) {
        const Axis& ax = op.axes[a];
        r.extent[a] = ax.extent;
        r.block[a] = ax.extent;
        if (p.tiled_operand(op_index) && ax.kind != AxisKind::fixed) {
          const int64_t t = p.tiling.tile[ax.dim];
          r.block[a] = std::min(ax.extent, ax.kind == AxisKind::window ? t * ax.stride : t);
          if (ax.kind == AxisKind::window && r.block[a] < ax.extent) r.shift[a] = ax.pad % r.block[a];
        }
        elems *= ax.extent;
      }
      next = align_up(r.base + uint64_t(bytes_of(elems, bits)), o.region_align_bytes);
      op_index = (op_index + 1) % int(n.operands.size());
      return r;
    };
    for (const Operand& op : n.operands) main_.push_back(region(op, op.role == Role::output ? op.final_bits_milli : op.bits_milli));
    pass = 1;
    for (const Operand& op : n.operands) psum_.push_back(region(op, op.bits_milli));
  }

  bool done() const override { return capped(); }
  bool capped() const { return max_ranges_ && result.ranges >= max_ranges_; }

  void fetch(int op, const TileIndex& t, Fetch kind) override {
    if (kind == Fetch::init || capped()) return;
    const Region& r = n_.operands[op].role == Role::input ? main_[op] : psum_[op];
    transfer(r, tile_box(n_, p_.tiling, op, t), false);
  }
  void evict(int op, const TileIndex& t, Evict kind) override {
    if (kind == Evict::drop || capped()) return;
    const Region& r = kind == Evict::final_write ? main_[op] : psum_[op];
    transfer(r, tile_box(n_, p_.tiling, op, t), true);
  }

  // The whole region read and written once (adaptive's re-layout of the input).
  void relayout(int op) {
    TileBox b;
    b.axes = main_[op].axes;
    for (int a = 0; a < b.axes; ++a) b.axis[a] = {0, main_[op].extent[a]};
    transfer(main_[op], b, false);
    transfer(main_[op], b, true);
  }

  EmitResult result;
  uint64_t emitted_bytes = 0;

 private:
  void transfer(const Region& r, const TileBox& box, bool write) {
    int64_t done = 0;  // elements of this tile emitted so far (cumulative byte rounding)
    std::array<int64_t, 6> bi{}, blo{}, bhi{};
    for (int a = 0; a < r.axes; ++a) {
      if (box.axis[a].hi <= box.axis[a].lo) return;  // empty tile (all padding)
      blo[a] = (box.axis[a].lo + r.shift[a]) / r.block[a];
      bhi[a] = (box.axis[a].hi - 1 + r.shift[a]) / r.block[a];
      bi[a] = blo[a];
    }
    for (;;) {
      block_runs(r, box, bi, write, done);
      int a = r.axes - 1;
      for (; a >= 0; --a) {
        if (++bi[a] <= bhi[a]) break;
        bi[a] = blo[a];
      }
      if (a < 0) break;
    }
  }

  // Runs of the part of `box` inside block `bi`.
  void block_runs(const Region& r, const TileBox& box, const std::array<int64_t, 6>& bi, bool write,
                  int64_t& done) {
    const int k = r.axes;
    std::array<int64_t, 6> x{}, lo{}, hi{}, stride{};
    int64_t block_offset = 0, outer = 1;
    for (int a = 0; a < k; ++a) {
      const int64_t start = std::max<int64_t>(0, bi[a] * r.block[a] - r.shift[a]);
      x[a] = std::min((bi[a] + 1) * r.block[a] - r.shift[a], r.extent[a]) - start;
      lo[a] = std::max(box.axis[a].lo, start) - start;
      hi[a] = std::min(box.axis[a].hi, start + x[a]) - start;
      int64_t inner = 1;
      for (int b = a + 1; b < k; ++b) inner *= r.extent[b];
      block_offset += outer * start * inner;
      outer *= x[a];
    }
    for (int a = k - 1, s = 1; a >= 0; --a) {
      stride[a] = s;
      s *= x[a];
    }
    int m = k - 1;  // axes after m are covered whole: runs are contiguous over them
    while (m > 0 && lo[m] == 0 && hi[m] == x[m]) --m;
    const int64_t run = (hi[m] - lo[m]) * stride[m];
    std::array<int64_t, 6> i = lo;
    for (;;) {
      int64_t off = block_offset;
      for (int a = 0; a <= m; ++a) off += i[a] * stride[a];
      if (r.elem_bytes && m > 0) {  // whole bytes: the runs along axis m - 1 in one call
        const int64_t b = m - 1;
        const uint64_t bytes = uint64_t(run * r.elem_bytes), runs = uint64_t(hi[b] - lo[b]);
        const uint64_t n = max_ranges_ ? std::min(runs, max_ranges_ - result.ranges) : runs;
        done += int64_t(runs) * run;
        if (bytes) {
          if (n == 0) return;
          dram_.access_strided(r.base + uint64_t(off * r.elem_bytes), bytes, uint64_t(stride[b] * r.elem_bytes), n,
                               write);
          (write ? result.write_bytes : result.read_bytes) += n * bytes;
          result.ranges += n;
          emitted_bytes += n * bytes;
          if (n < runs) return;
        }
        i[b] = hi[b] - 1;  // the odometer below moves on to the next axis
      } else {
        const uint64_t bytes = r.elem_bytes ? uint64_t(run * r.elem_bytes)
                                            : uint64_t(bytes_of(done + run, r.bits_milli) - bytes_of(done, r.bits_milli));
        const uint64_t addr = r.base + (r.elem_bytes ? uint64_t(off * r.elem_bytes)
                                                     : uint64_t(off) * uint64_t(r.bits_milli) / 8000);
        done += run;
        if (bytes) {
          if (capped()) return;
          (write ? result.write_bytes : result.read_bytes) += bytes;
          dram_.access(addr, bytes, write);
          ++result.ranges;
          emitted_bytes += bytes;
        }
      }
      int a = m - 1;
      for (; a >= 0; --a) {
        if (++i[a] < hi[a]) break;
        i[a] = lo[a];
      }
      if (a < 0) break;
    }
  }

  const LoopNest& n_;
  const Plan& p_;
  sim::DramModel& dram_;
  std::vector<Region> main_, psum_;
  uint64_t max_ranges_ = 0;
};

// Scale what the DRAM model saw from the emitted prefix to the whole layer.
void extrapolate(sim::DramStats& d, uint64_t read, uint64_t written, uint64_t emitted) {
  const double f = emitted ? double(read + written) / double(emitted) : 1.0;
  auto scale = [f](uint64_t v) { return uint64_t(double(v) * f + 0.5); };
  d.accesses = scale(d.accesses);
  d.row_misses = scale(d.row_misses), d.row_conflicts = scale(d.row_conflicts), d.refreshes = scale(d.refreshes);
  d.activations = d.row_misses + d.row_conflicts;
  d.row_hits = d.accesses - std::min(d.accesses, d.activations);  // the classes still sum to accesses
  d.busy_ns *= f, d.energy_pj *= f, d.act_pj *= f, d.rd_pj *= f, d.wr_pj *= f, d.ref_pj *= f, d.bg_pj *= f;
  d.bytes_read = read, d.bytes_written = written;
}

}  // namespace

void extrapolate_dram_stats(sim::DramStats& d, uint64_t read, uint64_t written, uint64_t emitted) {
  extrapolate(d, read, written, emitted);
}

EmitResult emit_plan(const Layer& l, const Plan& p, sim::DramModel& dram, const EmitOptions& o) {
  const LoopNest n = make_loop_nest(l);
  dram.reset_stats();
  Emitter e(n, p, dram, o);
  if (p.relayout_read_bytes) e.relayout(n.input_operand);
  walk_tiles(n, p.tiling, e);
  e.result.dram = dram.stats();
  if (e.capped()) {  // stopped at max_ranges: the bytes are the plan's exact counts
    e.result.read_bytes = p.dram_read_bytes(), e.result.write_bytes = p.dram_write_bytes();
  }
  if (e.emitted_bytes < e.result.read_bytes + e.result.write_bytes) {
    e.result.extrapolated = true;
    extrapolate(e.result.dram, e.result.read_bytes, e.result.write_bytes, e.emitted_bytes);
  }
  return e.result;
}

}  // namespace zoomrt::sched
