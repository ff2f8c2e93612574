// tiling_compute_cycles: the array's cycles for every tile of a tiling (see plan_cost.h).
#include <array>

#include "scheduler/plan_cost.h"
#include "scheduler/search.h"
#include "sim/compute.h"

namespace zoomrt::sched {

namespace {

// (tile extent, count) along one dim.
std::vector<std::pair<int64_t, int64_t>> extents(int64_t size, int64_t tile) {
  std::vector<std::pair<int64_t, int64_t>> v;
  if (size / tile) v.push_back({tile, size / tile});
  if (size % tile) v.push_back({size % tile, 1});
  return v;
}

}  // namespace

int64_t tiling_compute_cycles(const Layer& l, const LoopNest& n, const Tiling& t,
                              const sim::MacArray& a, sim::MacDtype d) {
  std::vector<std::vector<std::pair<int64_t, int64_t>>> ext;
  for (int i = 0; i < n.dims(); ++i) ext.push_back(extents(n.dim_sizes[i], t.tile[i]));
  std::array<std::pair<std::array<int64_t, 3>, int64_t>, 8> cache{};  // identical GEMM shapes
  size_t cached = 0;
  auto cycles = [&](int64_t m, int64_t nn, int64_t k) {
    const std::array<int64_t, 3> key{m, nn, k};
    for (size_t i = 0; i < cached; ++i)
      if (cache[i].first == key) return cache[i].second;
    const int64_t c = sim::compute_cycles(a, d, m, nn, k);
    if (cached < cache.size()) cache[cached++] = {key, c};
    return c;
  };
  int64_t total = 0;
  std::vector<size_t> idx(ext.size(), 0);
  for (;;) {
    int64_t count = 1;
    std::array<int64_t, kMaxDims> e{};
    for (size_t i = 0; i < ext.size(); ++i) {
      e[i] = ext[i][idx[i]].first;
      count *= ext[i][idx[i]].second;
    }
    int64_t c = 0;
    switch (l.kind) {
      case LayerKind::conv:  // G N K C P Q
        c = e[0] * cycles(e[1] * e[4] * e[5], e[2], e[3] * l.conv.r * l.conv.s);
        break;
      case LayerKind::gemm: c = cycles(e[0], e[1], e[2]); break;
      case LayerKind::attention:  // B H LQ LK
        c = e[0] * e[1] * (cycles(e[2], e[3], l.attn.d) + cycles(e[2], l.attn.d, e[3]));
        break;
    }
    total += count * c;
    size_t i = ext.size();
    while (i > 0) {
      --i;
      if (++idx[i] < ext[i].size()) break;
      idx[i] = 0;
      if (i == 0) return total;
    }
  }
}

}  // namespace zoomrt::sched
