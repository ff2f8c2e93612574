// plan_compute_cycles: the array's cycles for every tile of a plan (see compare.h).
#include <map>

#include "scheduler/compare.h"
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

int64_t plan_compute_cycles(const Layer& l, const Plan& p, const sim::MacArray& a, sim::MacDtype d) {
  const LoopNest n = make_loop_nest(l);
  std::vector<std::vector<std::pair<int64_t, int64_t>>> ext;
  for (int i = 0; i < n.dims(); ++i) ext.push_back(extents(n.dim_sizes[i], p.tiling.tile[i]));
  std::map<std::array<int64_t, 3>, int64_t> cache;  // identical GEMM shapes cost the same
  auto cycles = [&](int64_t m, int64_t nn, int64_t k) {
    auto [it, fresh] = cache.try_emplace({m, nn, k}, 0);
    if (fresh) it->second = sim::compute_cycles(a, d, m, nn, k);
    return it->second;
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
