// The JSON form of NpuConfig (schema in docs/sim.md). Every object is read through a
// KeyReader that knows its dotted path, so an error names the exact key, and that rejects
// keys it did not consume (a typo must not silently fall back to a default).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>

#include "sim/npu_config.h"
#include "base/error.h"

namespace zoomrt::sim {

namespace {
using nlohmann::json;

class KeyReader {
 public:
  KeyReader(const json& j, std::string path, const std::string& origin)
      : j_(j), path_(std::move(path)), origin_(origin) {
    if (!j_.is_object()) fail_input("{}: {}: expected an object", origin_, where());
  }
  std::string where(const std::string& key = "") const {
    if (key.empty()) return path_.empty() ? "(top level)" : path_;
    return path_.empty() ? key : path_ + "." + key;
  }
  bool has(const std::string& key) const { return j_.contains(key); }
  const json& get(const std::string& key) {
    seen_.insert(key);
    if (!j_.contains(key)) fail_input("{}: {}: missing", origin_, where(key));
    return j_.at(key);
  }
  double number(const std::string& key) {
    const json& v = get(key);
    if (!v.is_number()) fail_input("{}: {}: expected a number", origin_, where(key));
    return v.get<double>();
  }
  double number_or(const std::string& key, double dflt) { return has(key) ? number(key) : dflt; }
  int64_t integer(const std::string& key) {
    const json& v = get(key);
    if (!v.is_number_integer()) fail_input("{}: {}: expected an integer", origin_, where(key));
    // |v| <= 2^62: a sum of a few sizes (the SRAM total) cannot overflow, and an unsigned
    // value above INT64_MAX is refused rather than wrapped to a negative one.
    constexpr int64_t kLimit = int64_t{1} << 62;
    if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t(kLimit)
                               : (v.get<int64_t>() > kLimit || v.get<int64_t>() < -kLimit))
      fail_input("{}: {}: {} is out of range (magnitude at most 2^62)", origin_, where(key), v.dump());
    return v.get<int64_t>();
  }
  int int32(const std::string& key) {
    int64_t v = integer(key);
    if (v < -(int64_t{1} << 31) || v >= (int64_t{1} << 31))
      fail_input("{}: {}: {} is out of range", origin_, where(key), v);
    return static_cast<int>(v);
  }
  bool boolean(const std::string& key) {
    const json& v = get(key);
    if (!v.is_boolean()) fail_input("{}: {}: expected true or false", origin_, where(key));
    return v.get<bool>();
  }
  std::string string(const std::string& key) {
    const json& v = get(key);
    if (!v.is_string()) fail_input("{}: {}: expected a string", origin_, where(key));
    return v.get<std::string>();
  }
  KeyReader object(const std::string& key) { return KeyReader(get(key), where(key), origin_); }
  // Unknown keys are errors; call after reading everything.
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) fail_input("{}: {}: unknown key", origin_, where(it.key()));
  }
  const std::string& origin() const { return origin_; }

 private:
  const json& j_;
  std::string path_;
  const std::string& origin_;
  std::set<std::string> seen_;
};

// A {"int4", "int8", "fp16"} object of numbers (MAC rates, energies, areas), in that order.
void read_per_dtype(KeyReader& r, const char* key, double& int4, double& int8, double& fp16) {
  KeyReader m = r.object(key);
  int4 = m.number("int4");
  int8 = m.number("int8");
  fp16 = m.number("fp16");
  m.finish();
}

MacArray read_array(KeyReader r) {
  MacArray a;
  a.rows = r.int32("rows");
  a.cols = r.int32("cols");
  read_per_dtype(r, "macs_per_cycle", a.macs_per_cycle_int4, a.macs_per_cycle_int8, a.macs_per_cycle_fp16);
  a.skips_zeros = r.boolean("skips_zeros");
  a.dataflow = r.string("dataflow");
  r.finish();
  return a;
}

SramConfig read_sram(KeyReader r) {
  SramConfig s;
  s.unified = r.boolean("unified");
  if (s.unified) {
    s.bytes = r.integer("bytes");
  } else {
    s.ifmap_bytes = r.integer("ifmap_bytes");
    s.filter_bytes = r.integer("filter_bytes");
    s.ofmap_bytes = r.integer("ofmap_bytes");
    s.bytes = r.has("bytes") ? r.integer("bytes") : s.ifmap_bytes + s.filter_bytes + s.ofmap_bytes;
  }
  s.banks = r.int32("banks");
  s.double_buffered = r.boolean("double_buffered");
  s.read_pj_per_byte = r.number("read_pj_per_byte");
  s.write_pj_per_byte = r.number("write_pj_per_byte");
  r.finish();
  return s;
}

DramConfig read_dram(KeyReader r) {
  DramConfig d;
  d.standard = r.string("standard");
  d.channels = r.int32("channels");
  d.ranks = r.int32("ranks");
  d.banks = r.int32("banks");
  d.bank_groups = r.int32("bank_groups");
  d.rows = r.integer("rows");
  d.columns = r.integer("columns");
  d.row_bytes = r.int32("row_bytes");
  d.burst_bytes = r.int32("burst_bytes");
  d.bus_bits = r.int32("bus_bits");
  d.device_width_bits = r.int32("device_width_bits");
  d.tck_ns = r.number("tck_ns");
  d.cl = r.int32("cl");
  d.trcd = r.int32("trcd");
  d.trp = r.int32("trp");
  d.tras = r.int32("tras");
  d.trc = r.has("trc") ? r.int32("trc") : d.tras + d.trp;
  d.tfaw = r.int32("tfaw");
  d.tccd = r.int32("tccd");
  if (r.has("trefi") || r.has("trfc")) {  // refresh: both or neither
    d.trefi = r.int32("trefi");
    d.trfc = r.int32("trfc");
  }
  if (r.has("idd")) {
    KeyReader i = r.object("idd");
    d.vdd = i.number("vdd");
    d.idd0 = i.number("idd0");
    d.idd2n = i.number("idd2n");
    d.idd3n = i.number("idd3n");
    d.idd4r = i.number("idd4r");
    d.idd4w = i.number("idd4w");
    d.idd5ab = d.trefi > 0 ? i.number("idd5ab") : i.number_or("idd5ab", 0);  // required with refresh
    i.finish();
    if (!(d.idd0 > 0)) fail_input("{}: dram.idd.idd0: must be positive", r.origin());
  } else {
    d.pj_per_bit = r.number("pj_per_bit");
  }
  d.address_mapping = r.string("address_mapping");
  r.finish();
  return d;
}

void read_power(KeyReader r, PowerConfig& p) {
  const json& vf = r.get("vf");
  if (!vf.is_array()) fail_input("{}: power.vf: expected an array of {{freq_mhz, volt}}", r.origin());
  for (size_t i = 0; i < vf.size(); ++i) {
    KeyReader pt(vf[i], "power.vf[" + std::to_string(i) + "]", r.origin());
    p.vf.push_back({pt.number("freq_mhz"), pt.number("volt")});
    pt.finish();
  }
  p.ceff_nf = r.number("ceff_nf");
  p.leak_w_at_vmax = r.number("leak_w_at_vmax");
  p.idle_w = r.number("idle_w");
  p.dfs_step_mhz = r.number_or("dfs_step_mhz", 0);
  r.finish();
}

EnergyConfig read_energy(KeyReader r) {
  EnergyConfig e;
  read_per_dtype(r, "mac_pj", e.mac_pj_int4, e.mac_pj_int8, e.mac_pj_fp16);
  r.finish();
  return e;
}

// Optional (docs/sim.md "Area"): every key required once the object is there.
AreaConfig read_area(KeyReader r) {
  AreaConfig a;
  a.present = true;
  a.process_nm = r.number("process_nm");
  read_per_dtype(r, "mac_um2", a.mac_um2_int4, a.mac_um2_int8, a.mac_um2_fp16);
  a.sram_mm2_per_mib = r.number("sram_mm2_per_mib");
  a.dram_phy_mm2_per_channel = r.number("dram_phy_mm2_per_channel");
  a.fixed_mm2 = r.number("fixed_mm2");
  r.finish();
  return a;
}
}  // namespace

NpuConfig parse_npu_json(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    fail_input("{}: not valid JSON (byte {}): {}", origin, e.byte, e.what());
  } catch (const json::exception& e) {  // e.g. out_of_range: a number too large for a double
    fail_input("{}: not valid JSON: {}", origin, e.what());
  }
  KeyReader r(j, "", origin);
  NpuConfig c;
  c.name = r.string("name");
  c.array = read_array(r.object("array"));
  c.sram = read_sram(r.object("sram"));
  c.dram = read_dram(r.object("dram"));
  read_power(r.object("power"), c.power);
  c.energy = read_energy(r.object("energy"));
  if (r.has("area")) c.area = read_area(r.object("area"));
  if (r.has("sources")) {
    const json& s = r.get("sources");
    if (!s.is_object()) fail_input("{}: sources: expected an object of strings", origin);
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!it.value().is_string()) fail_input("{}: sources.{}: expected a string", origin, it.key());
      c.sources[it.key()] = it.value().get<std::string>();
    }
  }
  if (r.has("description")) r.string("description");
  r.finish();
  validate_npu(c, origin);
  return c;
}

}  // namespace zoomrt::sim
