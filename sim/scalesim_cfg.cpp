// SCALE-Sim .cfg -> NpuConfig. A cfg describes the array, the three SRAM partitions, the
// dataflow and a DRAM bandwidth in words per cycle (1 word = 1 byte). Everything else
// (DRAM device, energies, V-F points, area constants) comes from the `phone-npu` preset, documented in
// docs/sim.md; the cfg's Bandwidth is recorded in sources and not otherwise modelled.
#include <cctype>
#include <climits>
#include <cstdint>
#include <sstream>

#include "sim/npu_config.h"
#include "base/checked_number.h"
#include "base/error.h"

namespace zoomrt::sim {

namespace {
std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// A positive integer at most `max` (so the int conversions and the KB-to-byte product below
// cannot truncate or overflow: ArrayWidth 4294967297 is refused, not read as 1).
int64_t positive_int(const std::map<std::string, std::string>& kv, const std::string& key,
                     const std::string& origin, int64_t dflt, bool required, int64_t max = INT32_MAX) {
  auto it = kv.find(key);
  if (it == kv.end()) {
    if (required) fail_input("{}: {}: missing", origin, key);
    return dflt;
  }
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != it->second.size() || v <= 0)
    fail_input("{}: {}: '{}' is not a positive integer", origin, key, it->second);
  return checked_range(v, 1, max, origin + ": " + key);
}
}  // namespace

NpuConfig parse_scalesim_cfg(const std::string& text, const std::string& origin) {
  std::map<std::string, std::string> kv;  // key (lower case, no spaces) -> value
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
    size_t sep = line.find_first_of(":=");
    if (sep == std::string::npos)
      fail_input("{}: line {}: expected 'Key : value', got '{}'", origin, line_no, line);
    std::string key;
    for (char ch : trim(line.substr(0, sep))) key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    kv[key] = trim(line.substr(sep + 1));
  }
  NpuConfig c = parse_npu_json(npu_preset_json("phone-npu"), "preset phone-npu");
  c.name = kv.count("run_name") ? kv["run_name"] : origin;
  c.sources.clear();
  c.array.rows = static_cast<int>(positive_int(kv, "arrayheight", origin, 0, true, 65536));
  c.array.cols = static_cast<int>(positive_int(kv, "arraywidth", origin, 0, true, 65536));
  const double pes = static_cast<double>(c.array.rows) * c.array.cols;
  c.array.macs_per_cycle_int8 = pes;
  c.array.macs_per_cycle_int4 = pes;
  c.array.macs_per_cycle_fp16 = pes;
  c.array.skips_zeros = false;
  c.array.dataflow = kv.count("dataflow") ? kv["dataflow"] : "";
  if (c.array.dataflow != "os" && c.array.dataflow != "ws" && c.array.dataflow != "is")
    fail_input("{}: Dataflow: '{}' is not os, ws or is", origin, c.array.dataflow);
  c.sram.unified = false;
  c.sram.ifmap_bytes = positive_int(kv, "ifmapsramszkb", origin, 0, true, int64_t(1) << 30) * 1024;
  c.sram.filter_bytes = positive_int(kv, "filtersramszkb", origin, 0, true, int64_t(1) << 30) * 1024;
  c.sram.ofmap_bytes = positive_int(kv, "ofmapsramszkb", origin, 0, true, int64_t(1) << 30) * 1024;
  c.sram.bytes = c.sram.ifmap_bytes + c.sram.filter_bytes + c.sram.ofmap_bytes;
  c.sram.banks = static_cast<int>(positive_int(kv, "memorybanks", origin, 1, false));
  c.sram.double_buffered = true;  // SCALE-Sim's scratchpads are double buffered
  std::string bw = kv.count("bandwidth") ? kv["bandwidth"] : "(absent)";
  c.sources["array"] = origin + ": ArrayHeight x ArrayWidth, one MAC per PE per cycle for every dtype";
  c.sources["sram"] = origin + ": Ifmap/Filter/OfmapSramSzkB x 1024, double buffered; energies from phone-npu";
  c.sources["dram"] = "phone-npu preset (the cfg's Bandwidth " + bw + " words/cycle is not modelled)";
  c.sources["power"] = "phone-npu preset";
  c.sources["energy"] = "phone-npu preset";
  c.sources["area"] = "phone-npu preset (7 nm constants) applied to the cfg's array and SRAM sizes";
  validate_npu(c, origin);
  return c;
}

}  // namespace zoomrt::sim
