#include "runtime/exec/memory_budget.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "runtime/exec/executor.h"
#include "runtime/exec/fast_ops.h"
#include "base/error.h"

namespace zoomrt {

size_t packed_weight_bytes(int64_t numel, int64_t out, const LayerPrecision& p) {
  // Packed panels pad the output channels up to the widest micro-kernel tile (32 columns).
  const size_t o = (size_t(out) + 31) / 32 * 32, n = size_t(numel) / size_t(std::max<int64_t>(out, 1)) * o;
  switch (p.weights) {
    case WeightFormat::f32: return 4 * n;
    case WeightFormat::f16:
    case WeightFormat::bf16: return 2 * n;
    case WeightFormat::int8:  // codes + f32 scale + int32 column sum per channel; "int8w" runs f32
      return p.weights_only ? 4 * n : n + 8 * o;
    case WeightFormat::int4:
    case WeightFormat::int4a8: return (n + 1) / 2 + 4 * ((n + size_t(p.group) - 1) / size_t(p.group));
    case WeightFormat::palette:  // B-bit indices + a 2^B-float codebook per layer or per column
      return n * size_t(p.bits) / 8 + 4 * (p.per_channel ? o : 1) * (size_t(1) << p.bits);
    case WeightFormat::sparse24:  // 2 f16 values + 2 x 2-bit positions per 4 weights; K % 4 != 0 stays f32
      return (n / o) % 4 ? 4 * n : n / 4 * 9 / 2;
  }
  return 4 * n;
}

MemoryNeed estimate_memory(const Graph& g, const Precision& p) {
  std::set<TensorId> packed;
  MemoryNeed need;
  for (const Node& n : g.nodes()) {
    // The weights the executor packs (runtime/exec/fast_ops.h); the rest count as f32 below.
    if (!fast_node_packs_weight(g, n) || g.tensor(n.inputs[1]).role != TensorRole::weight) continue;
    if (!packed.insert(n.inputs[1]).second) continue;
    const Shape& ws = g.tensor(n.inputs[1]).shape;
    need.weight_bytes +=
        packed_weight_bytes(shape_numel(ws), ws.empty() ? 1 : ws[0], p.for_weight(g.tensor(n.inputs[1]).name));
  }
  for (TensorId w : g.weights())
    if (!packed.count(w)) need.weight_bytes += 4 * size_t(shape_numel(g.tensor(w).shape));
  // The arena of the graph the fast-path executor runs (passes, chunked feed-forward scratch).
  need.activation_bytes = plan_execution(g, true).plan.arena_bytes;
  return need;
}

size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? size_t(pages) * size_t(page) : 0;
}

std::string format_bytes(size_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.3g} {}", v, units[u]);
}

size_t parse_bytes(const std::string& text, const std::string& what) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string unit = text.substr(i);
  for (char& ch : unit) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();      // "GB", "GIB" -> "G", "GI"
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();      // binary units either way
  const std::string units = "KMGT";
  const size_t pos = unit.empty() ? std::string::npos : units.find(unit);
  double v = 0;
  bool ok = i > 0 && (unit.empty() || unit == "B" || (unit.size() == 1 && pos != std::string::npos));
  if (ok) {
    try {
      size_t used = 0;
      v = std::stod(text.substr(0, i), &used);
      ok = used == i;
    } catch (...) {
      ok = false;
    }
  }
  if (ok && pos != std::string::npos && !unit.empty() && unit != "B") v *= std::pow(1024.0, double(pos + 1));
  if (!ok || !(v >= 1) || v > 1e18)
    fail_input("{}: '{}' is not a size (bytes, or a number with K, M, G or T: 512M, 8G)", what, text);
  return size_t(v);
}

void check_memory_budget(const std::string& what, const MemoryNeed& need, size_t budget) {
  const bool physical = budget == 0;
  if (physical) budget = physical_memory_bytes();
  if (budget == 0 || need.total() <= budget) return;
  fail_input("{}: needs about {} (packed weights {}, activations {}), above the memory budget of {}{} (raise it "
             "with --memory-budget, or use a smaller --dtype or frame size)",
             what, format_bytes(need.total()), format_bytes(need.weight_bytes), format_bytes(need.activation_bytes),
             format_bytes(budget), physical ? ", this machine's physical memory" : "");
}

}  // namespace zoomrt
