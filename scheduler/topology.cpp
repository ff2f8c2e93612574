#include "scheduler/topology.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <fstream>
#include <sstream>
#include <string_view>

#include "base/embedded_text.h"
#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt {
const EmbeddedTexts& embedded_topologies();  // generated from scheduler/topologies/*.csv: name order
}

namespace zoomrt::sched {

namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_cells(std::string_view line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      cells.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  // SCALE-Sim rows end with a comma: drop the empty cells it leaves at the end.
  while (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

struct Row {
  int line = 0;
  std::vector<std::string> cells;
};

int64_t parse_int(const Row& row, size_t col, const std::vector<std::string>& header,
                  const std::string& origin, int64_t min_value) {
  const std::string& cell = row.cells[col];
  int64_t v = 0;
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || end != cell.data() + cell.size() || cell.empty())
    fail_input("{}:{}: column {} ({}): '{}' is not an integer", origin, row.line, col + 1,
               header[col], cell);
  if (v < min_value)
    fail_input("{}:{}: column {} ({}): {} must be >= {}", origin, row.line, col + 1, header[col],
               v, min_value);
  return v;
}

// The simulator's work and memory grow with a layer's tensors and MACs: a file asking for more
// than these is refused before anything is allocated or simulated (a 65536x65536 feature map
// would ask for gigabytes, a 2e9-wide GEMM for minutes of simulation).
constexpr int64_t kMaxTensorElements = int64_t(1) << 28;  // 268 M elements per operand
constexpr int64_t kMaxLayerMacs = int64_t(1) << 40;       // 1.1e12 MACs per layer

// a * b * ..., saturating at INT64_MAX.
int64_t product(std::initializer_list<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs)
    if (__builtin_mul_overflow(p, x, &p)) return INT64_MAX;
  return p;
}

void check_layer_size(const Layer& l, const std::string& where) {
  auto tensor = [&](const char* what, int64_t n) {
    if (n > kMaxTensorElements)
      fail_input("{}: {}: {} of {} elements is above the limit of {} (the simulator's work is bounded)", where, l.name,
                 what, n, kMaxTensorElements);
  };
  int64_t macs = 0;
  if (l.kind == LayerKind::conv) {
    const ConvShape& c = l.conv;
    tensor("the IFMAP", product({c.n, c.h, c.w, c.c}));  // first: bounds h and w for the sums below
    const int64_t oh = c.p(), ow = c.q();
    tensor("the filter", product({c.r, c.s, c.c / c.groups, c.k}));
    tensor("the OFMAP", product({c.n, oh, ow, c.k}));
    macs = product({c.n, oh, ow, c.k, c.r, c.s, c.c / c.groups});
  } else if (l.kind == LayerKind::gemm) {
    tensor("M x K", product({l.gemm.m, l.gemm.k}));
    tensor("K x N", product({l.gemm.k, l.gemm.n}));
    tensor("M x N", product({l.gemm.m, l.gemm.n}));
    macs = product({l.gemm.m, l.gemm.n, l.gemm.k});
  }
  if (macs > kMaxLayerMacs)
    fail_input("{}: {}: {} MACs is above the limit of {} per layer (the simulator's work is bounded)", where, l.name,
               macs, kMaxLayerMacs);
}

}  // namespace

std::vector<Layer> parse_topology_csv(const std::string& text, const std::string& origin,
                                      const OperandBits& bits) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  std::vector<Row> rows;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    auto cells = split_cells(line);
    if (cells.empty()) continue;
    if (header.empty()) {
      header = cells;
      continue;
    }
    rows.push_back({line_no, std::move(cells)});
  }
  if (header.empty()) fail_input("{}: empty topology (no header row)", origin);
  const bool gemm = header.size() == 4 && header[1] == "M" && header[2] == "N" && header[3] == "K";
  if (!gemm && (header.size() < 8 || header.size() > 10))
    fail_input("{}:1: header has {} columns; expected the SCALE-Sim conv format (8 columns, "
               "optionally Groups and Padding) or the GEMM format 'Layer, M, N, K'",
               origin, header.size());
  const size_t min_cols = gemm ? 4 : 8;
  std::vector<Layer> layers;
  for (const Row& row : rows) {
    if (row.cells.size() < min_cols || row.cells.size() > header.size())
      fail_input("{}:{}: {} columns, expected {}", origin, row.line, row.cells.size(),
                 header.size());
    auto num = [&](size_t col, int64_t min_value) {
      return parse_int(row, col, header, origin, min_value);
    };
    if (gemm) {
      layers.push_back(make_gemm(row.cells[0], num(1, 1), num(2, 1), num(3, 1), bits));
    } else {
      ConvShape s;
      s.h = num(1, 1), s.w = num(2, 1), s.r = num(3, 1), s.s = num(4, 1);
      s.c = num(5, 1), s.k = num(6, 1), s.stride = num(7, 1);
      if (row.cells.size() > 8) s.groups = num(8, 1);
      if (row.cells.size() > 9) s.pad = num(9, 0);
      layers.push_back(make_conv(row.cells[0], s, bits));
    }
    validate_layer(layers.back(), fmt::format("{}:{}", origin, row.line));
    check_layer_size(layers.back(), fmt::format("{}:{}", origin, row.line));
  }
  if (layers.empty()) fail_input("{}: no layers after the header", origin);
  return layers;
}

std::vector<Layer> read_topology_csv(const std::string& path, const OperandBits& bits) {
  return parse_topology_csv(read_input_file(path, kMaxTextBytes, "topology file"), path, bits);
}

std::vector<std::string> builtin_topology_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : embedded_topologies()) names.emplace_back(name);
  return names;
}

std::vector<Layer> load_topology(const std::string& name_or_path, const OperandBits& bits) {
  for (const auto& [name, text] : embedded_topologies())
    if (name == name_or_path) return parse_topology_csv(std::string(text), std::string(name), bits);
  return read_topology_csv(name_or_path, bits);
}

}  // namespace zoomrt::sched
