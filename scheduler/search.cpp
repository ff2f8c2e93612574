#include "scheduler/search.h"

#include <algorithm>

namespace zoomrt::sched {

std::vector<int64_t> tile_candidates(int64_t size, bool all_trip_counts, const sim::MacArray* array) {
  std::vector<int64_t> v{1, size};
  if (all_trip_counts) {
    for (int64_t n = 1; n <= size;) {  // distinct ceil(size / n): ~2 sqrt(size) values
      const int64_t t = (size + n - 1) / n;
      v.push_back(t);
      if (t == 1) break;
      n = (size + t - 2) / (t - 1);  // smallest n giving a smaller tile
    }
  } else {
    for (double n = 1; n < 2.0 * double(size); n = std::max(n + 1, n * 1.5)) {
      const int64_t nn = std::min<int64_t>(size, int64_t(n));
      v.push_back((size + nn - 1) / nn);
    }
  }
  if (array) {
    for (int64_t unit : {int64_t(array->rows), int64_t(array->cols)}) {
      if (unit < 1) continue;
      for (int64_t m : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128})
        if (unit * m <= size) v.push_back(unit * m);
      for (int64_t d = unit / 2; d >= 1; d /= 2) v.push_back(std::min(d, size));
    }
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

namespace {

// Visits every fitting tile-size vector of the grid (bases are the caller's business).
struct Walker {
  const LoopNest& n;
  const SramBudget& b;
  const std::function<void(const Tiling&)>& visit;
  std::vector<int> free_dims;
  std::vector<std::vector<int64_t>> cands;
  Tiling t;
  size_t visited = 0;

  bool fits_now() const { return fits(sram_use(n, t), b); }

  void recurse(size_t i) {
    const int d = free_dims[i];
    const auto& c = cands[i];
    if (i + 1 == free_dims.size()) {  // the largest fitting size of the last dim
      size_t lo = 0, hi = c.size();    // c[lo-1] fits (lo == 0: none known)
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        t.tile[d] = c[mid];
        if (fits_now()) lo = mid + 1;
        else hi = mid;
      }
      if (lo == 0) {
        t.tile[d] = 1;
        return;
      }
      t.tile[d] = c[lo - 1];
      ++visited;
      visit(t);
      t.tile[d] = 1;
      return;
    }
    for (int64_t v : c) {
      t.tile[d] = v;
      if (!fits_now()) break;  // larger sizes of this dim fit even less
      recurse(i + 1);
    }
    t.tile[d] = 1;
  }
};

size_t walk_grid(const LoopNest& n, const SramBudget& b, const SearchSpace& space,
                 const std::function<void(const Tiling&)>& visit) {
  Walker w{n, b, visit, {}, {}, {}, 0};
  for (int d = 0; d < n.dims(); ++d) {
    w.t.tile[d] = 1;
    if (n.dim_sizes[d] > 1) {
      w.free_dims.push_back(d);
      w.cands.push_back(tile_candidates(n.dim_sizes[d], space.all_trip_counts, space.array));
    }
  }
  if (!w.fits_now()) return 0;
  if (w.free_dims.empty()) {
    visit(w.t);
    return 1;
  }
  w.recurse(0);
  return w.visited;
}

}  // namespace

size_t for_each_fitting_tiling(const LoopNest& n, const SramBudget& b, const SearchSpace& space,
                               const TilingVisitor& visit) {
  return walk_grid(n, b, space, visit);
}

std::vector<std::vector<int>> stationary_orders(const LoopNest& n, int op) {
  std::vector<std::vector<int>> out;
  const Operand& o = n.operands[op];
  for (auto& order : all_loop_orders(n)) {
    int last_dep = -1, first_free = int(order.size());
    for (int i = int(n.outer_dims.size()); i < int(order.size()); ++i) {
      if (o.depends_on(order[i])) last_dep = i;
      else first_free = std::min(first_free, i);
    }
    if (last_dep < first_free) out.push_back(order);
  }
  return out;
}

}  // namespace zoomrt::sched
