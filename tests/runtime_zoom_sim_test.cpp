// The zoom's NPU accounting (runtime/npu/zoom_sim.h) without running any kernel: which work each
// frame is charged, the interpolation's byte counts against a hand calculation, and per-frame
// figures that add up to the run's totals. Uses the sd2_tiny fixture model's configs.
#include <catch2/catch.hpp>
#include <cmath>

#include "runtime/npu/accounting.h"
#include "runtime/zoom/zoom.h"
#include "runtime/npu/zoom_sim.h"
#include "base/error.h"

using namespace zoomrt;
using Kind = FrameWork::Kind;

namespace {

ZoomOptions small_options(int keyframes, int frames_between) {
  ZoomOptions o;
  o.width = o.height = 64;
  o.keyframes = keyframes;
  o.frames_between = frames_between;
  o.prompts.entries = {{0, "a lighthouse"}, {2, "a storm"}, {3, "a lighthouse"}};
  return o;
}

ZoomGeometry geometry_of(const ZoomOptions& o) {
  return make_zoom_geometry(o.width, o.height, o.zoom_factor, o.border_px, o.frames_between,
                            o.feather_px);
}

}  // namespace

TEST_CASE("zoom_frame_work charges the text encoder once per prompt and marks the start image") {
  ZoomOptions o = small_options(4, 2);
  const std::vector<FrameWork> w = zoom_frame_work(o, geometry_of(o));
  REQUIRE(w.size() == 1 + 3 * 3);
  // K0 (j0 j1 K1) (j0 j1 K2) (j0 j1 K3); prompts: K0, K1 lighthouse, K2 storm, K3 lighthouse again.
  const bool encodes[4] = {true, false, true, false};
  for (size_t pos = 0; pos < w.size(); ++pos) {
    INFO("pos " << pos);
    if (pos % 3 == 0) {
      CHECK(w[pos].kind == Kind::inpainted_keyframe);
      CHECK(w[pos].encodes_prompt == encodes[pos / 3]);
    } else {
      CHECK(w[pos].kind == Kind::interpolated);
      CHECK(w[pos].between_index == int(pos % 3) - 1);
    }
  }
  o.input_image = "start.png";
  const std::vector<FrameWork> s = zoom_frame_work(o, geometry_of(o));
  CHECK(s[0].kind == Kind::start_keyframe);
  CHECK(s[3].encodes_prompt);  // keyframe 1 is now the first to encode "a lighthouse"
}

TEST_CASE("interpolation_work counts the crop, the frame and the pasted square") {
  ZoomOptions o = small_options(2, 1);
  const ZoomGeometry g = geometry_of(o);  // zoom 2: inner 32x32; frame j = 0 sits at t = 1/2
  const InterpolationWork w = interpolation_work(g, 0);
  // Crop of the outer keyframe and the inner keyframe's square: 64 * 0.5^0.5 = 45.25 -> 46 px.
  CHECK(w.frame_bytes == 64 * 64 * 3);
  CHECK(w.resample_elements == 64 * 64 * 3);
  CHECK(w.resample_read_bytes == 46 * 46 * 3);
  CHECK(w.paste_elements == 46 * 46 * 3);
  CHECK(w.paste_read_bytes == 64 * 64 * 3 + 46 * 46 * 3);
}

TEST_CASE("simulate_zoom: per-frame figures add up to the summary") {
  const ZoomOptions o = small_options(4, 2);
  const ZoomGeometry g = geometry_of(o);
  ZoomSimOptions so;
  so.enabled = true;
  so.battery_mwh = 1000;
  const ZoomSimModel model{std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny", "", 3};
  const std::vector<FrameWork> work = zoom_frame_work(o, g);
  const ZoomSimReport r = simulate_zoom(so, model, g, work);
  CHECK(r.unet_calls_per_keyframe == 4);  // PNDM (skip_prk_steps): steps + 1 timesteps
  REQUIRE(r.frames.size() == work.size());
  double latency = 0, energy = 0;
  uint64_t accesses = 0, written = 0;
  for (const auto& f : r.frames) {
    latency += f["sim_latency_s"].get<double>();
    energy += f["energy_j"]["total"].get<double>();
    accesses += f["dram"]["accesses"].get<uint64_t>();
    written += f["dram"]["bytes_written"].get<uint64_t>();
  }
  CHECK(r.summary["sim_latency_s"].get<double>() == Approx(latency).epsilon(1e-9));
  CHECK(r.summary["energy_j"]["total"].get<double>() == Approx(energy).epsilon(1e-9));
  CHECK(r.summary["dram"]["accesses"].get<uint64_t>() == accesses);
  CHECK(r.summary["dram"]["bytes_written"].get<uint64_t>() == written);
  CHECK(r.summary["frames"].get<double>() == double(work.size()));
  CHECK(r.summary["battery_hours"].get<double>() ==
        Approx(1.0 / r.summary["avg_power_w"].get<double>()).epsilon(1e-9));
  // Keyframes with and without the text encoder; interpolated frames cost the same for the same j.
  const double k0 = r.frames[0]["sim_latency_s"], k1 = r.frames[3]["sim_latency_s"];
  CHECK(k0 > k1);
  CHECK(r.frames[9]["sim_latency_s"].get<double>() == Approx(k1).epsilon(1e-9));
  CHECK(r.frames[1]["dram"] == r.frames[4]["dram"]);
  CHECK(r.frames[1]["sim_latency_s"].get<double>() < k1 / 10);
  CHECK(r.frames[2]["dram"] == r.frames[5]["dram"]);
}

TEST_CASE("simulate_zoom needs no model when nothing is inpainted") {
  ZoomOptions o = small_options(1, 2);
  o.input_image = "start.png";
  ZoomSimOptions so;
  so.enabled = true;
  const ZoomSimReport r = simulate_zoom(so, {"/no/such/model", "", 3}, geometry_of(o),
                                        zoom_frame_work(o, geometry_of(o)));
  REQUIRE(r.frames.size() == 1);
  CHECK(r.frames[0]["sim_latency_s"].get<double>() > 0);
  CHECK(r.frames[0]["dram"]["bytes_read"].get<uint64_t>() == 64 * 64 * 3);
}

TEST_CASE("zoom NPU options are checked with one line naming the option") {
  // Names are parsed by the CLI through their tables (enum_table_test, cli_zoom_test); what is
  // left here are the ranges.
  ZoomSimOptions so;
  so.enabled = true;
  so.power_policy = sim::PowerPolicy::dvfs;
  CHECK_THROWS_WITH(validate_zoom_sim_options(so), Catch::StartsWith("--power-cap"));
  so.power_cap_w = 2;
  CHECK_NOTHROW(validate_zoom_sim_options(so));
  so.battery_mwh = -1;
  CHECK_THROWS_WITH(validate_zoom_sim_options(so), Catch::StartsWith("--battery-mwh"));
}

TEST_CASE("zoom's simulated dtype follows the CPU --dtype (issue 11 item 5)") {
  // The table of docs/zoom.md, entry by entry.
  CHECK(sim_dtype_for_cpu_dtype("f32") == "f16");  // no f32 MACs on the NPU: its widest format
  CHECK(sim_dtype_for_cpu_dtype("f16") == "f16");
  CHECK(sim_dtype_for_cpu_dtype("int8") == "int8");
  CHECK(sim_dtype_for_cpu_dtype("int4-g32") == "int4");
  CHECK(sim_dtype_for_cpu_dtype("int4-g64") == "int4-g64");
  CHECK(sim_dtype_for_cpu_dtype("int4a8-g128") == "int4-g128");
  CHECK(sim_dtype_for_cpu_dtype("palette4") == "palette4");
  CHECK(sim_dtype_for_cpu_dtype("palette6-ch") == "palette6");
  CHECK(sim_dtype_for_cpu_dtype("sparse24") == "sparse24-f16");
  // Mixed presets: the resnet class's format (int8 base, resnet overridden).
  CHECK(sim_dtype_for_cpu_dtype("int8-mix") == "int8");
  CHECK(sim_dtype_for_cpu_dtype("int4-mix") == "int4-g64");
  CHECK(sim_dtype_for_cpu_dtype("int4a8-mix") == "int4-g64");
  CHECK(sim_dtype_for_cpu_dtype("palette4-mix") == "palette4");
  CHECK_THROWS_WITH(sim_dtype_for_cpu_dtype("palette3"), Catch::StartsWith("--sim-dtype"));
  // Every mapped name is a simulated dtype.
  for (const char* d : {"f32", "f16", "int8", "int4-g32", "int4-g64", "int4-g128", "sparse24", "palette4-mix"})
    CHECK_NOTHROW(sim_dtype_from_name(sim_dtype_for_cpu_dtype(d)));
  CHECK(sim_weight_bits(SimDtype::int4_g64, 0) == Approx(4.25));     // 4 + 16 / 64
  CHECK(sim_weight_bits(SimDtype::sparse24_f16, 0) == Approx(9));    // (16 + 2) / 2
  CHECK(sim_operand_bits(SimDtype::sparse24_f16).input == 16);
}
