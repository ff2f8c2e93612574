// Names, per-dtype tables and validation of NpuConfig (parsing lives in npu_json.cpp and
// scalesim_cfg.cpp, the embedded presets in npu_presets.cpp).
#include "sim/npu_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "sim/address_mapping.h"
#include "sim/area.h"
#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt::sim {

namespace {

// The most DFS grid frequencies one power-table point may yield (power.dfs_step_mhz).
constexpr double kMaxDfsSteps = 10000;
struct MacDtypeInfo {
  const char* name;
  int bits;
};
constexpr MacDtypeInfo kMacDtypes[] = {
#define X(e, name, bits) {name, bits},
    ZOOMRT_MAC_DTYPES(X)
#undef X
};
static_assert(sizeof(kMacDtypes) / sizeof(kMacDtypes[0]) == kMacDtypeCount);
}  // namespace

const char* mac_dtype_name(MacDtype d) { return kMacDtypes[static_cast<int>(d)].name; }
int mac_dtype_bits(MacDtype d) { return kMacDtypes[static_cast<int>(d)].bits; }

MacDtype mac_dtype_from_name(const std::string& name) {
  for (int i = 0; i < kMacDtypeCount; ++i)
    if (name == kMacDtypes[i].name) return static_cast<MacDtype>(i);
  fail_input("unknown MAC dtype '{}' (expected int4, int8 or fp16)", name);
}

std::vector<MacDtype> all_mac_dtypes() {
  std::vector<MacDtype> v;
  for (int i = 0; i < kMacDtypeCount; ++i) v.push_back(static_cast<MacDtype>(i));
  return v;
}

double macs_per_cycle(const MacArray& a, MacDtype d) {
  switch (d) {
    case MacDtype::int4: return a.macs_per_cycle_int4;
    case MacDtype::int8: return a.macs_per_cycle_int8;
    case MacDtype::fp16: return a.macs_per_cycle_fp16;
  }
  return 0;
}

double mac_pj(const EnergyConfig& e, MacDtype d) {
  switch (d) {
    case MacDtype::int4: return e.mac_pj_int4;
    case MacDtype::int8: return e.mac_pj_int8;
    case MacDtype::fp16: return e.mac_pj_fp16;
  }
  return 0;
}

double dram_peak_bytes_per_ns(const DramConfig& d) {
  // DDR: two transfers of bus_bits per clock.
  return d.channels * (d.bus_bits / 8.0) * 2.0 / d.tck_ns;
}

double peak_tops(const NpuConfig& c, MacDtype d) {
  if (c.power.vf.empty()) return 0;
  return 2.0 * macs_per_cycle(c.array, d) * c.power.vf.back().freq_mhz * 1e6 / 1e12;
}

namespace {
void validate_array(const MacArray& a, const std::string& o) {
  if (a.rows <= 0) fail_input("{}: array.rows: must be positive (got {})", o, a.rows);
  if (a.cols <= 0) fail_input("{}: array.cols: must be positive (got {})", o, a.cols);
  for (MacDtype d : all_mac_dtypes())
    if (macs_per_cycle(a, d) < 0)
      fail_input("{}: array.macs_per_cycle.{}: must not be negative", o, mac_dtype_name(d));
  if (a.macs_per_cycle_int8 <= 0)
    fail_input("{}: array.macs_per_cycle.int8: must be positive (the native rate)", o);
  if (a.dataflow != "os" && a.dataflow != "ws" && a.dataflow != "is")
    fail_input("{}: array.dataflow: '{}' is not os, ws or is", o, a.dataflow);
}

void validate_sram(const SramConfig& s, const std::string& o) {
  if (s.bytes <= 0) fail_input("{}: sram.bytes: must be positive (got {})", o, s.bytes);
  if (s.banks <= 0) fail_input("{}: sram.banks: must be positive (got {})", o, s.banks);
  if (!s.unified) {
    if (s.ifmap_bytes <= 0) fail_input("{}: sram.ifmap_bytes: must be positive", o);
    if (s.filter_bytes <= 0) fail_input("{}: sram.filter_bytes: must be positive", o);
    if (s.ofmap_bytes <= 0) fail_input("{}: sram.ofmap_bytes: must be positive", o);
    if (s.ifmap_bytes + s.filter_bytes + s.ofmap_bytes != s.bytes)
      fail_input("{}: sram.bytes: {} is not ifmap + filter + ofmap bytes ({})", o, s.bytes,
                 s.ifmap_bytes + s.filter_bytes + s.ofmap_bytes);
  }
  if (s.read_pj_per_byte < 0) fail_input("{}: sram.read_pj_per_byte: must not be negative", o);
  if (s.write_pj_per_byte < 0) fail_input("{}: sram.write_pj_per_byte: must not be negative", o);
}

void positive(double v, const std::string& o, const char* key) {
  if (!(v > 0)) fail_input("{}: dram.{}: must be positive (got {})", o, key, v);
}

void validate_dram(const DramConfig& d, const std::string& o) {
  positive(d.channels, o, "channels");
  positive(d.ranks, o, "ranks");
  positive(d.banks, o, "banks");
  positive(d.bank_groups, o, "bank_groups");
  if (d.banks % d.bank_groups != 0)
    fail_input("{}: dram.bank_groups: {} does not divide banks {}", o, d.bank_groups, d.banks);
  positive(static_cast<double>(d.rows), o, "rows");
  positive(static_cast<double>(d.columns), o, "columns");
  positive(d.row_bytes, o, "row_bytes");
  positive(d.burst_bytes, o, "burst_bytes");
  positive(d.bus_bits, o, "bus_bits");
  positive(d.device_width_bits, o, "device_width_bits");
  if (d.bus_bits % d.device_width_bits != 0)
    fail_input("{}: dram.device_width_bits: {} does not divide bus_bits {}", o, d.device_width_bits,
               d.bus_bits);
  if (d.burst_bytes % (d.bus_bits / 8) != 0 || d.burst_bytes * 8 / d.bus_bits < 2)
    fail_input("{}: dram.burst_bytes: {} is not a burst of >= 2 transfers of bus_bits {}", o,
               d.burst_bytes, d.bus_bits);
  if (d.row_bytes % d.burst_bytes != 0)
    fail_input("{}: dram.row_bytes: {} is not a multiple of burst_bytes {}", o, d.row_bytes,
               d.burst_bytes);
  positive(d.tck_ns, o, "tck_ns");
  positive(d.cl, o, "cl");
  positive(d.trcd, o, "trcd");
  positive(d.trp, o, "trp");
  positive(d.tras, o, "tras");
  positive(d.tccd, o, "tccd");
  if (d.tfaw < 0) fail_input("{}: dram.tfaw: must not be negative", o);
  if (d.trc < d.tras + d.trp)
    fail_input("{}: dram.trc: {} is less than tras + trp = {}", o, d.trc, d.tras + d.trp);
  if (d.trefi != 0 || d.trfc != 0) {
    positive(d.trefi, o, "trefi");
    positive(d.trfc, o, "trfc");
    if (d.trfc >= d.trefi / std::max(1, d.ranks))
      fail_input("{}: dram.trfc: {} is not below trefi / ranks = {} (the rank would never leave refresh)", o,
                 d.trfc, d.trefi / std::max(1, d.ranks));
    if (d.idd0 > 0 && d.idd5ab < d.idd3n)
      fail_input("{}: dram.idd.idd5ab: {} is below idd3n {} (negative refresh energy)", o, d.idd5ab, d.idd3n);
  }
  if (d.idd0 > 0) {
    positive(d.vdd, o, "vdd");
    const double* vals[] = {&d.idd2n, &d.idd3n, &d.idd4r, &d.idd4w};
    const char* keys[] = {"idd2n", "idd3n", "idd4r", "idd4w"};
    for (int i = 0; i < 4; ++i) positive(*vals[i], o, keys[i]);
    if (d.idd4r < d.idd3n) fail_input("{}: dram.idd4r: below idd3n (negative read energy)", o);
    if (d.idd4w < d.idd3n) fail_input("{}: dram.idd4w: below idd3n (negative write energy)", o);
    if (d.idd0 * d.trc < d.idd3n * d.tras + d.idd2n * d.trp)
      fail_input("{}: dram.idd0: IDD0 x tRC < IDD3N x tRAS + IDD2N x tRP (negative ACT energy)", o);
  } else if (!(d.pj_per_bit > 0)) {
    fail_input("{}: dram.pj_per_bit: must be positive when the IDD currents are absent", o);
  }
  if (d.idd0 < 0) fail_input("{}: dram.idd0: must not be negative", o);
  AddressMapping check(d, o);  // power-of-two sizes and the mapping string
}

void validate_power(const PowerConfig& p, const EnergyConfig& e, const std::string& o) {
  if (p.vf.empty()) fail_input("{}: power.vf: needs at least one operating point", o);
  for (size_t i = 0; i < p.vf.size(); ++i) {
    if (!(p.vf[i].freq_mhz > 0)) fail_input("{}: power.vf[{}].freq_mhz: must be positive", o, i);
    if (!(p.vf[i].volt > 0)) fail_input("{}: power.vf[{}].volt: must be positive", o, i);
    if (i > 0 && p.vf[i].freq_mhz <= p.vf[i - 1].freq_mhz)
      fail_input("{}: power.vf[{}].freq_mhz: not increasing ({} after {})", o, i, p.vf[i].freq_mhz,
                 p.vf[i - 1].freq_mhz);
    if (i > 0 && p.vf[i].volt <= p.vf[i - 1].volt)
      fail_input("{}: power.vf[{}].volt: not increasing ({} after {})", o, i, p.vf[i].volt,
                 p.vf[i - 1].volt);
  }
  if (p.ceff_nf < 0) fail_input("{}: power.ceff_nf: must not be negative", o);
  if (p.leak_w_at_vmax < 0) fail_input("{}: power.leak_w_at_vmax: must not be negative", o);
  if (p.idle_w < 0) fail_input("{}: power.idle_w: must not be negative", o);
  if (!(p.dfs_step_mhz >= 0)) fail_input("{}: power.dfs_step_mhz: must not be negative", o);
  // The DFS search tries every step between the lowest and highest table frequency: bound that
  // count (and keep the step above the frequencies' rounding, so the grid loop ends).
  if (p.dfs_step_mhz > 0 && !p.vf.empty()) {
    const double span = p.vf.back().freq_mhz - p.vf.front().freq_mhz;
    if (span / p.dfs_step_mhz > kMaxDfsSteps || p.dfs_step_mhz < p.vf.back().freq_mhz * 1e-9)
      fail_input("{}: power.dfs_step_mhz: {} MHz makes {:.3g} frequency steps between {} and {} MHz, above the limit "
                 "of {}",
                 o, p.dfs_step_mhz, span / p.dfs_step_mhz, p.vf.front().freq_mhz, p.vf.back().freq_mhz, kMaxDfsSteps);
  }
  for (MacDtype d : all_mac_dtypes())
    if (mac_pj(e, d) < 0) fail_input("{}: energy.mac_pj.{}: must not be negative", o, mac_dtype_name(d));
}
}  // namespace

void validate_npu(const NpuConfig& c, const std::string& origin) {
  validate_array(c.array, origin);
  validate_sram(c.sram, origin);
  validate_dram(c.dram, origin);
  validate_power(c.power, c.energy, origin);
  validate_area(c, origin);
}

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

NpuConfig load_npu(const std::string& preset_or_path) {
  for (const std::string& n : npu_preset_names())
    if (n == preset_or_path) return parse_npu_json(npu_preset_json(n), "preset " + n);
  struct stat st {};
  if (::stat(preset_or_path.c_str(), &st) != 0) {
    std::string names;
    for (const std::string& n : npu_preset_names()) names += (names.empty() ? "" : ", ") + n;
    fail_input("{}: not an NPU preset ({}) nor a readable file", preset_or_path, names);
  }
  const std::string text = read_input_file(preset_or_path, kMaxTextBytes, "NPU description");
  if (ends_with(preset_or_path, ".cfg")) return parse_scalesim_cfg(text, preset_or_path);
  return parse_npu_json(text, preset_or_path);
}

}  // namespace zoomrt::sim
