// NpuConfig: the description of a simulated NPU (MAC array, on-chip SRAM, DRAM, V–F points,
// power and energy constants), loaded from a preset name, a JSON file or a SCALE-Sim .cfg.
//
// Units are in the field names or the comment beside them: bytes, pJ, mA, V, ns, MHz, W, nF.
// DRAM timings (cl, trcd, ...) are in DRAM clock cycles of tck_ns, as in DRAMsim3's .ini files.
// Every constant in a preset names its source in `sources` (key = dotted field path, e.g.
// "dram.idd0", value = paper / datasheet / simulator config, or "assumption: ...").
// The JSON schema is documented in docs/sim.md; load_npu() checks every key and throws
// InputError naming the file and the key (missing, wrong type, out of range, unknown key).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zoomrt::sim {

// X(enumerator, name, bits): the MAC datatypes an array can run. One list drives names,
// parsing and the per-dtype tables below.
#define ZOOMRT_MAC_DTYPES(X) \
  X(int4, "int4", 4)         \
  X(int8, "int8", 8)         \
  X(fp16, "fp16", 16)

enum class MacDtype {
#define X(e, name, bits) e,
  ZOOMRT_MAC_DTYPES(X)
#undef X
};
inline constexpr int kMacDtypeCount = 0
#define X(e, name, bits) +1
    ZOOMRT_MAC_DTYPES(X)
#undef X
    ;

const char* mac_dtype_name(MacDtype d);
int mac_dtype_bits(MacDtype d);
MacDtype mac_dtype_from_name(const std::string& name);  // InputError on an unknown name
std::vector<MacDtype> all_mac_dtypes();

// The compute array: rows x cols PEs; peak MACs per cycle per dtype (an int8 array may run
// 2 int4 MACs per PE per cycle, or fp16 at half rate). dataflow "os" | "ws" | "is" selects
// the SCALE-Sim v2 mapping used by compute_cycles().
struct MacArray {
  int rows = 0, cols = 0;
  double macs_per_cycle_int4 = 0, macs_per_cycle_int8 = 0, macs_per_cycle_fp16 = 0;
  bool skips_zeros = false;  // zero-valued weights (2:4 sparsity) cost no MAC cycles/energy
  std::string dataflow = "os";
};
double macs_per_cycle(const MacArray& a, MacDtype d);

// On-chip SRAM. unified: one buffer of `bytes`; otherwise SCALE-Sim style per-operand
// partitions ifmap/filter/ofmap (and `bytes` = their sum). double_buffered: half of each
// buffer is being filled while the other half computes (usable capacity per tile = half).
struct SramConfig {
  int64_t bytes = 0;
  int banks = 0;
  bool double_buffered = true;
  bool unified = true;
  int64_t ifmap_bytes = 0, filter_bytes = 0, ofmap_bytes = 0;  // when !unified
  double read_pj_per_byte = 0, write_pj_per_byte = 0;
};

// Off-chip DRAM (DRAMsim3 conventions). A channel has a bus of bus_bits built from
// bus_bits / device_width_bits devices per rank; a burst moves burst_bytes (= bus_bits/8 x BL).
// banks = banks per rank (all bank groups together), bank_groups divides banks.
// row_bytes = the row (page) size of one rank across its devices; rows = rows per bank.
// Energy: IDD model (idd0 > 0, DRAMsim3 formulas, per device) or flat pj_per_bit (idd0 == 0).
// address_mapping: fields from MSB to LSB, comma separated, each once: ch, ra, bg, ba, ro, co
// (e.g. "ro,ba,bg,ra,co,ch"); below them sit log2(burst_bytes) burst-offset bits. The row field
// must lie above the column field (true of every DRAMsim3 / Ramulator mapping).
struct DramConfig {
  std::string standard;  // "LPDDR4", "LPDDR4X", "LPDDR5", "DDR3", ... (informational)
  int channels = 0, ranks = 0, banks = 0, bank_groups = 0;
  int64_t rows = 0, columns = 0;
  int row_bytes = 0, burst_bytes = 0, bus_bits = 0;
  int device_width_bits = 16;  // extension: devices per rank = bus_bits / device_width_bits
  double tck_ns = 0;
  int cl = 0, trcd = 0, trp = 0, tras = 0, trc = 0, tfaw = 0, tccd = 0;  // cycles
  double vdd = 0, idd0 = 0, idd2n = 0, idd3n = 0, idd4r = 0, idd4w = 0;  // V, mA (per device)
  // Refresh (optional keys; 0 = no refresh): every trefi cycles a channel refreshes one rank
  // (ranks in turn, DRAMsim3's RANK_LEVEL_STAGGERED: one REF per trefi / ranks), closing all
  // its rows and blocking it for trfc cycles. idd5ab (mA, all-bank refresh current) prices a REF.
  int trefi = 0, trfc = 0;
  double idd5ab = 0;
  double pj_per_bit = 0;  // flat model when the IDDs are absent (idd0 == 0)
  std::string address_mapping = "ro,ba,bg,ra,co,ch";
};
double dram_peak_bytes_per_ns(const DramConfig& d);  // all channels, data bus only

struct OperatingPoint {
  double freq_mhz = 0, volt = 0;
};
// P(f, V) = ceff_nf * f * V^2 (clock tree + control, while running) + per-event MAC/SRAM
// energy (scaled by (V/Vmax)^2) / time + P_static(V); see sim/power.h.
struct PowerConfig {
  std::vector<OperatingPoint> vf;  // strictly increasing in freq and in volt
  double ceff_nf = 0;
  double leak_w_at_vmax = 0;
  double idle_w = 0;              // always-on part of static power (PLL, IO), voltage independent
  double dfs_step_mhz = 0;        // extension: dfs-layer frequency grid step at fixed V (0: table points)
};
// Energy per MAC at the highest V–F point's voltage (scaled by (V/Vmax)^2 below it).
struct EnergyConfig {
  double mac_pj_int4 = 0, mac_pj_int8 = 0, mac_pj_fp16 = 0;
};
double mac_pj(const EnergyConfig& e, MacDtype d);

// Silicon area at one process node (sim/area.h computes the total from it). Optional in a JSON
// description: absent, `present` is false and reports give area_mm2 = null. mac_um2 = one MAC
// unit of that dtype (multiplier, accumulator adder, its pipeline registers; a PE's local
// scratchpads where the preset says so); sram_mm2_per_mib = on-chip SRAM macros per MiB;
// dram_phy_mm2_per_channel = one DRAM channel's PHY and controller; fixed_mm2 = everything
// that does not scale with the array, SRAM or channels (control, vector unit, NoC).
struct AreaConfig {
  bool present = false;
  double process_nm = 0;  // the node every constant below is given at
  double mac_um2_int4 = 0, mac_um2_int8 = 0, mac_um2_fp16 = 0;
  double sram_mm2_per_mib = 0, dram_phy_mm2_per_channel = 0, fixed_mm2 = 0;
};

struct NpuConfig {
  std::string name;
  MacArray array;
  SramConfig sram;
  DramConfig dram;
  PowerConfig power;
  EnergyConfig energy;
  AreaConfig area;
  std::map<std::string, std::string> sources;  // field path -> where the number comes from
};

// A preset name (npu_preset_names()), a path to a .json NPU description, or a path to a
// SCALE-Sim .cfg. InputError naming the file and the key on any problem.
NpuConfig load_npu(const std::string& preset_or_path);
// Parse a JSON description from text; `origin` names it in errors (a file path or preset name).
NpuConfig parse_npu_json(const std::string& text, const std::string& origin);
// Map a SCALE-Sim .cfg onto an NpuConfig (defaults for what the cfg lacks: see docs/sim.md).
NpuConfig parse_scalesim_cfg(const std::string& text, const std::string& origin);
// Check ranges and consistency; InputError "<origin>: <key>: <problem>".
void validate_npu(const NpuConfig& c, const std::string& origin);
std::vector<std::string> npu_preset_names();
std::string npu_preset_json(const std::string& name);  // the embedded text; InputError if unknown

// Peak tera-operations per second (2 ops per MAC) at the highest V–F point.
double peak_tops(const NpuConfig& c, MacDtype d);

}  // namespace zoomrt::sim
