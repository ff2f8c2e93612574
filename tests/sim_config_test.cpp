// NPU descriptions: the shipped presets (figures from REFERENCE.md, every constant sourced),
// the SCALE-Sim .cfg mapping, and bad input naming the file and key.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/npu_config.h"
#include "base/error.h"

using namespace zoomrt::sim;
using nlohmann::json;

namespace {
std::string error_of(const std::string& text, const std::string& origin = "bad.json") {
  try {
    parse_npu_json(text, origin);
  } catch (const zoomrt::InputError& e) {
    return e.what();
  }
  return "";
}

// The phone-npu preset with one edit applied.
std::string edited(const std::function<void(json&)>& edit) {
  json j = json::parse(npu_preset_json("phone-npu"));
  edit(j);
  return j.dump();
}

// Every numeric / boolean / string leaf path (arrays by index) of a JSON object.
void leaves(const json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      leaves(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) leaves(j[i], path, out);  // an array shares its source
  } else if (j.is_number()) {
    out.push_back(path);
  }
}
}  // namespace

TEST_CASE("the four presets load and match their published figures", "[sim][config]") {
  const auto names = npu_preset_names();
  REQUIRE(names.size() == 4);
  for (const char* n : {"phone-npu", "edgetpu-like", "tpu-v1-like", "eyeriss-like"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());

  NpuConfig phone = load_npu("phone-npu");
  CHECK(phone.dram.standard == "LPDDR4X");
  CHECK(peak_tops(phone, MacDtype::int8) == Approx(4.0).epsilon(0.05));  // ~4 TOPS INT8
  CHECK(phone.dram.idd0 == 80);  // DRAMsim3 LPDDR4 IDD0 (REFERENCE.md)

  NpuConfig edge = load_npu("edgetpu-like");
  CHECK(peak_tops(edge, MacDtype::int8) == Approx(4.0).epsilon(0.05));

  NpuConfig tpu = load_npu("tpu-v1-like");
  CHECK(tpu.array.rows == 256);
  CHECK(tpu.array.cols == 256);
  CHECK(tpu.power.vf.back().freq_mhz == 700);
  CHECK(tpu.sram.bytes == 24 * 1024 * 1024);
  CHECK(tpu.dram.standard == "DDR3");
  CHECK(peak_tops(tpu, MacDtype::int8) == Approx(92).epsilon(0.01));  // 92 TOPS
  CHECK(dram_peak_bytes_per_ns(tpu.dram) == Approx(34.1).epsilon(0.01));  // ~30 GiB/s

  // Refresh from DRAMsim3's LPDDR4_8Gb_x16_2400.ini (tREFI, tRFC in cycles, IDD5AB in mA).
  CHECK(phone.dram.trefi == 8660);
  CHECK(phone.dram.trfc == 392);
  CHECK(phone.dram.idd5ab == 280);

  NpuConfig eye = load_npu("eyeriss-like");
  CHECK(eye.array.rows * eye.array.cols == 168);
  CHECK(eye.energy.mac_pj_int8 == Approx(0.21));
  CHECK(eye.dram.pj_per_bit == Approx(512.0 / 64));  // 512 pJ per 64-bit access
}

TEST_CASE("every constant in every preset names its source", "[sim][config]") {
  for (const std::string& n : npu_preset_names()) {
    json j = json::parse(npu_preset_json(n));
    std::vector<std::string> paths;
    for (const char* section : {"array", "sram", "dram", "power", "energy", "area"})
      leaves(j[section], section, paths);
    const json& src = j["sources"];
    for (const std::string& p : paths) {
      // Covered by the exact path or by one of its parents ("dram" covers "dram.cl").
      bool covered = false;
      for (std::string q = p; !q.empty(); q = q.substr(0, q.find_last_of('.') == std::string::npos
                                                              ? 0 : q.find_last_of('.'))) {
        if (src.contains(q)) covered = true;
        if (q.find('.') == std::string::npos) break;
      }
      INFO(n << ": " << p);
      CHECK(covered);
    }
    CHECK(load_npu(n).sources.size() == src.size());
  }
}

TEST_CASE("a JSON file loads by path, unknown names fail with one line", "[sim][config]") {
  const std::string path = "sim_config_test_npu.json";
  {
    std::ofstream f(path);
    f << npu_preset_json("eyeriss-like");
  }
  CHECK(load_npu(path).array.rows == 12);
  std::remove(path.c_str());
  CHECK_THROWS_WITH(load_npu("no-such-npu"), Catch::StartsWith("no-such-npu: not an NPU preset"));
}

TEST_CASE("bad NPU descriptions name the file and the key", "[sim][config]") {
  CHECK(error_of("{").find("bad.json: not valid JSON") == 0);
  CHECK(error_of(edited([](json& j) { j["dram"].erase("trcd"); })) == "bad.json: dram.trcd: missing");
  CHECK(error_of(edited([](json& j) { j["dram"]["banks"] = 0; })) ==
        "bad.json: dram.banks: must be positive (got 0)");
  CHECK(error_of(edited([](json& j) { j["sram"]["bytes"] = -5; })) ==
        "bad.json: sram.bytes: must be positive (got -5)");
  CHECK(error_of(edited([](json& j) { j["sram"]["banks"] = 0; })).find("sram.banks") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["energy"]["mac_pj"]["int8"] = -0.1; })) ==
        "bad.json: energy.mac_pj.int8: must not be negative");
  CHECK(error_of(edited([](json& j) { j["sram"]["read_pj_per_byte"] = -1; })) ==
        "bad.json: sram.read_pj_per_byte: must not be negative");
  CHECK(error_of(edited([](json& j) { j["power"]["vf"][2]["freq_mhz"] = 300; })) ==
        "bad.json: power.vf[2].freq_mhz: not increasing (300 after 400)");
  CHECK(error_of(edited([](json& j) { j["power"]["vf"][3]["volt"] = 0.6; })) ==
        "bad.json: power.vf[3].volt: not increasing (0.6 after 0.65)");
  CHECK(error_of(edited([](json& j) { j["power"]["vf"] = json::array(); })).find("power.vf") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["array"]["dataflow"] = "rs"; })) ==
        "bad.json: array.dataflow: 'rs' is not os, ws or is");
  CHECK(error_of(edited([](json& j) { j["array"]["rows"] = "32"; })) ==
        "bad.json: array.rows: expected an integer");
  CHECK(error_of(edited([](json& j) { j["dram"]["idd"]["idd4r"] = 10; })).find("dram.idd4r") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["dram"]["trc"] = 10; })).find("dram.trc") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["dram"]["rows"] = 1000; })).find("dram.rows: 1000 is not a power of two") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["dram"]["address_mapping"] = "ro,ba"; })).find("dram.address_mapping") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["dram"]["banks"] = 9; })).find("dram.bank_groups: 2 does not divide banks 9") != std::string::npos);
  CHECK(error_of(edited([](json& j) { j["array"]["colums"] = 3; })) == "bad.json: array.colums: unknown key");
  CHECK(error_of(edited([](json& j) { j["dram"].erase("idd"); })) == "bad.json: dram.pj_per_bit: missing");
  CHECK(error_of(edited([](json& j) { j["power"]["ceff_nf"] = -1; })) == "bad.json: power.ceff_nf: must not be negative");
  // Refresh keys: both or neither, trfc below the per-rank interval, IDD5AB with the IDD model.
  CHECK(error_of(edited([](json& j) { j["dram"].erase("trfc"); })) == "bad.json: dram.trfc: missing");
  CHECK(error_of(edited([](json& j) { j["dram"]["trefi"] = 0; })) == "bad.json: dram.trefi: must be positive (got 0)");
  CHECK(error_of(edited([](json& j) { j["dram"]["trfc"] = 9000; })) ==
        "bad.json: dram.trfc: 9000 is not below trefi / ranks = 8660 (the rank would never leave refresh)");
  CHECK(error_of(edited([](json& j) { j["dram"]["idd"].erase("idd5ab"); })) == "bad.json: dram.idd.idd5ab: missing");
  CHECK(error_of(edited([](json& j) { j["dram"]["idd"]["idd5ab"] = 10; })) ==
        "bad.json: dram.idd.idd5ab: 10 is below idd3n 47 (negative refresh energy)");
  CHECK(error_of(edited([](json& j) { j["dram"]["trefi"] = "8660"; })) == "bad.json: dram.trefi: expected an integer");
  // Without the refresh keys there is no refresh (and IDD5AB is optional).
  CHECK(error_of(edited([](json& j) {
          j["dram"].erase("trefi"), j["dram"].erase("trfc"), j["dram"]["idd"].erase("idd5ab");
        })).empty());
  // Every error is one line.
  CHECK(error_of(edited([](json& j) { j["dram"]["tck_ns"] = 0; })).find('\n') == std::string::npos);
}

TEST_CASE("a SCALE-Sim cfg maps onto the array, SRAM partitions and dataflow", "[sim][config]") {
  const std::string cfg =
      "[general]\nrun_name = scale_example_run_32x32_os\n\n[architecture_presets]\n"
      "ArrayHeight:    32\nArrayWidth :    32\nIfmapSramSzkB:    64\nFilterSramSzkB:   64\n"
      "OfmapSramSzkB:    64\nIfmapOffset:    0\nFilterOffset:   10000000\nOfmapOffset:    20000000\n"
      "Bandwidth : 10\nDataflow : os\nMemoryBanks: 1\n\n[run_presets]\nInterfaceBandwidth: CALC\n";
  NpuConfig c = parse_scalesim_cfg(cfg, "scale.cfg");
  CHECK(c.name == "scale_example_run_32x32_os");
  CHECK(c.array.rows == 32);
  CHECK(c.array.cols == 32);
  CHECK(c.array.dataflow == "os");
  CHECK(c.array.macs_per_cycle_int8 == 1024);
  CHECK_FALSE(c.sram.unified);
  CHECK(c.sram.ifmap_bytes == 64 * 1024);
  CHECK(c.sram.bytes == 3 * 64 * 1024);
  CHECK(c.dram.standard == "LPDDR4X");  // documented default: the phone-npu DRAM
  const std::string path = "sim_config_test.cfg";
  {
    std::ofstream f(path);
    f << cfg;
  }
  CHECK(load_npu(path).array.rows == 32);
  std::remove(path.c_str());

  CHECK_THROWS_WITH(parse_scalesim_cfg("ArrayHeight: 32\n", "x.cfg"), "x.cfg: arraywidth: missing");
  CHECK_THROWS_WITH(parse_scalesim_cfg("ArrayHeight: 0\nArrayWidth: 4\n", "x.cfg"),
                    "x.cfg: arrayheight: '0' is not a positive integer");
  CHECK_THROWS_WITH(parse_scalesim_cfg("garbage line\n", "x.cfg"), Catch::StartsWith("x.cfg: line 1"));
}

TEST_CASE("MAC dtype list", "[sim][config]") {
  CHECK(all_mac_dtypes().size() == 3);
  CHECK(std::string(mac_dtype_name(MacDtype::int4)) == "int4");
  CHECK(mac_dtype_bits(MacDtype::fp16) == 16);
  CHECK(mac_dtype_from_name("int8") == MacDtype::int8);
  CHECK_THROWS_AS(mac_dtype_from_name("int3"), zoomrt::InputError);
}
