// The area model (sim/area.h, issue 13 item 2): each preset's area against a hand calculation
// from its JSON numbers and against the published die figures it was calibrated on; each term
// scales with the field a sweep varies; descriptions without or with bad `area` keys.
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "sim/area.h"
#include "sim/npu_config.h"
#include "base/error.h"

using namespace zoomrt::sim;
using nlohmann::json;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_npu_json(text, "bad.json");
  } catch (const zoomrt::InputError& e) {
    return e.what();
  }
  return "";
}

NpuConfig edited(const std::string& preset, const std::function<void(json&)>& edit) {
  json j = json::parse(npu_preset_json(preset));
  edit(j);
  return parse_npu_json(j.dump(), "edited.json");
}

std::string edited_error(const std::function<void(json&)>& edit) {
  json j = json::parse(npu_preset_json("phone-npu"));
  edit(j);
  return error_of(j.dump());
}

// The model written out again from the JSON text alone (no NpuConfig, no area_breakdown).
double hand_area_mm2(const json& j) {
  const json& a = j["area"];
  const json& rate = j["array"]["macs_per_cycle"];
  double pe = 0;
  for (const char* d : {"int4", "int8", "fp16"})
    if (double(rate[d]) > 0)
      pe = std::max(pe, double(a["mac_um2"][d]) * double(rate[d]) / double(rate["int8"]));
  const double rows = j["array"]["rows"], cols = j["array"]["cols"];
  return rows * cols * pe / 1e6 +
         double(j["sram"]["bytes"]) / 1048576.0 * double(a["sram_mm2_per_mib"]) +
         double(j["dram"]["channels"]) * double(a["dram_phy_mm2_per_channel"]) +
         double(a["fixed_mm2"]);
}
}  // namespace

TEST_CASE("every preset has an area equal to a hand calculation from its JSON", "[sim][area]") {
  for (const std::string& n : npu_preset_names()) {
    INFO(n);
    const NpuConfig c = load_npu(n);
    REQUIRE(c.area.present);
    CHECK(area_breakdown(c).total_mm2() ==
          Approx(hand_area_mm2(json::parse(npu_preset_json(n)))).epsilon(1e-12));
  }
  // The same, with the preset's numbers written out.
  // phone-npu: a PE runs 2 int4, 1 int8 or 1/2 fp16 MAC per cycle; the fp16 mode is the largest.
  const AreaBreakdown phone = area_breakdown(load_npu("phone-npu"));
  CHECK(phone.pe_um2 == Approx(0.5 * 542.4));
  CHECK(phone.array_mm2 == Approx(32 * 64 * 271.2e-6));
  CHECK(phone.sram_mm2 == Approx(2 * 0.25));
  CHECK(phone.dram_phy_mm2 == Approx(4 * 2.48));
  CHECK(phone.total_mm2() == Approx(0.5554176 + 0.5 + 9.92 + 0.052));
  // edgetpu-like: int4 runs on the int8 MACs at the int8 rate, so the int8 MAC sizes the PE.
  const AreaBreakdown edge = area_breakdown(load_npu("edgetpu-like"));
  CHECK(edge.pe_um2 == Approx(1212.2));
  CHECK(edge.total_mm2() == Approx(4096 * 1212.2e-6 + 8 * 4.0 + 2 * 2.48 + 1.66));
}

TEST_CASE("the presets reproduce the published die figures they were calibrated on",
          "[sim][area]") {
  // TPU v1 (ISCA 2017): die <= 331 mm^2, MXU 24 %, Unified Buffer 29 %.
  const AreaBreakdown tpu = area_breakdown(load_npu("tpu-v1-like"));
  CHECK(tpu.total_mm2() == Approx(331).epsilon(0.001));
  CHECK(tpu.array_mm2 / 331 == Approx(0.24).epsilon(0.001));
  CHECK(tpu.sram_mm2 / 331 == Approx(0.29).epsilon(0.001));
  // Eyeriss (JSSC 2017): core 3.5 x 3.5 mm for 168 PEs and 108 KiB; the preset adds one LPDDR4 PHY.
  const AreaBreakdown eye = area_breakdown(load_npu("eyeriss-like"));
  CHECK(eye.total_mm2() - eye.dram_phy_mm2 == Approx(12.25).epsilon(0.001));
}

TEST_CASE("each area term scales with the field a sweep varies", "[sim][area]") {
  const NpuConfig base = load_npu("phone-npu");
  const AreaBreakdown b = area_breakdown(base);
  NpuConfig c = base;
  c.array.rows *= 2;  // twice the PEs: twice the array, nothing else
  AreaBreakdown a = area_breakdown(c);
  CHECK(a.array_mm2 == Approx(2 * b.array_mm2));
  CHECK(a.sram_mm2 == b.sram_mm2);
  CHECK(a.dram_phy_mm2 == b.dram_phy_mm2);
  CHECK(a.fixed_mm2 == b.fixed_mm2);
  CHECK(a.total_mm2() - b.total_mm2() == Approx(b.array_mm2));
  c = base;
  c.sram.bytes *= 4;
  a = area_breakdown(c);
  CHECK(a.sram_mm2 == Approx(4 * b.sram_mm2));
  CHECK(a.array_mm2 == b.array_mm2);
  c = base;
  c.dram.channels = 2;
  a = area_breakdown(c);
  CHECK(a.dram_phy_mm2 == Approx(b.dram_phy_mm2 / 2));
  CHECK(a.sram_mm2 == b.sram_mm2);
  // Dropping fp16 leaves the int8 MAC (and two int4 MACs of the same size) to size the PE.
  c = base;
  c.array.macs_per_cycle_fp16 = 0;
  CHECK(area_breakdown(c).pe_um2 == Approx(75.76));
  // A SCALE-Sim cfg takes phone-npu's area constants and its own array and SRAM sizes.
  const NpuConfig cfg = parse_scalesim_cfg(
      "ArrayHeight: 32\nArrayWidth: 32\nIfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: "
      "64\nDataflow: os\n",
      "scale.cfg");
  REQUIRE(cfg.area.present);
  const AreaBreakdown s = area_breakdown(cfg);
  CHECK(s.array_mm2 ==
        Approx(32 * 32 * 542.4e-6));  // one MAC per PE per cycle for every dtype: fp16 sizes it
  CHECK(s.sram_mm2 == Approx(192.0 / 1024 * 0.25));
  CHECK(cfg.sources.count("area") == 1);
}

TEST_CASE("area is optional in a description, and checked like every other key when there",
          "[sim][area]") {
  // Without `area` (descriptions written before issue 13): loads, reports no area.
  const NpuConfig none = edited("phone-npu", [](json& j) { j.erase("area"); });
  CHECK_FALSE(none.area.present);
  CHECK(area_breakdown(none).total_mm2() == 0);

  CHECK(edited_error([](json& j) { j["area"].erase("fixed_mm2"); }) ==
        "bad.json: area.fixed_mm2: missing");
  CHECK(edited_error([](json& j) { j["area"]["mac_um2"].erase("int4"); }) ==
        "bad.json: area.mac_um2.int4: missing");
  CHECK(edited_error([](json& j) { j["area"]["process_nm"] = "7nm"; }) ==
        "bad.json: area.process_nm: expected a number");
  CHECK(edited_error([](json& j) { j["area"]["process_nm"] = 0; }) ==
        "bad.json: area.process_nm: must be positive (got 0)");
  CHECK(edited_error([](json& j) { j["area"]["sram_mm2_per_mib"] = -1; }) ==
        "bad.json: area.sram_mm2_per_mib: must be positive (got -1)");
  CHECK(edited_error([](json& j) { j["area"]["dram_phy_mm2_per_channel"] = -2; }) ==
        "bad.json: area.dram_phy_mm2_per_channel: must not be negative (got -2)");
  CHECK(edited_error([](json& j) { j["area"]["fixed_mm2"] = -0.5; }) ==
        "bad.json: area.fixed_mm2: must not be negative (got -0.5)");
  CHECK(edited_error([](json& j) { j["area"]["mac_um2"]["int8"] = -1; }) ==
        "bad.json: area.mac_um2.int8: must not be negative");
  CHECK(edited_error([](json& j) { j["area"]["mac_um2"]["fp16"] = 0; }) ==
        "bad.json: area.mac_um2.fp16: must be positive (array.macs_per_cycle.fp16 is 1024)");
  CHECK(edited_error([](json& j) { j["area"]["mm2"] = 1; }) == "bad.json: area.mm2: unknown key");
  CHECK(edited_error([](json& j) { j["area"] = 12.5; }) == "bad.json: area: expected an object");
  // A dtype the array does not run may cost nothing.
  const NpuConfig tpu = edited("tpu-v1-like", [](json& j) { j["area"]["mac_um2"]["fp16"] = 0; });
  CHECK(area_breakdown(tpu).total_mm2() == Approx(331).epsilon(0.001));
}
