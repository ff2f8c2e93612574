// stats.json beside the frames: one record per output frame plus a summary, and the options
// that made them. Layout (times in seconds):
//   { "version": 1, "options": {...},
//     "frames": [ { "index": 0, "keyframe": true, "keyframe_index": 0, "wall_s": ..,
//                   "cpu_s": .., "components": { "text_encoder_s", "vae_encoder_s", "unet_s",
//                   "vae_decoder_s", "total_s" }, "sim": {...} | null }, ... ],
//     "summary": { "frames", "keyframes", "inpainted_keyframes", "wall_s", "cpu_s",
//                  "components": {...}, "mean_keyframe_wall_s", "sim": {...} | null } }
// "index" is the frame's file number (after zoom-in reversal); for an interpolated frame
// "keyframe_index" is the keyframe it zooms out towards. cpu_s is process CPU time (all
// threads), wall_s elapsed time, both for producing that frame (inpainting included).
// "sim" holds the simulated NPU's figures (runtime/npu/zoom_sim.h: per frame sim_latency_s, fps,
// avg_power_w (NPU + DRAM), npu_avg_power_w (NPU rail), fps_per_watt, tops_per_watt, energy_j
// {...}, dram {...}; in the summary the run's totals plus npu_peak_power_w, objective, area_mm2,
// fps_per_mm2, area {...} (null without an area model) and
// "layers": runtime/npu/accounting.h summary()); null when the run was made with --no-sim.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/diffusion/inpainter.h"

namespace zoomrt {

struct FrameRecord {
  int index = -1;
  bool keyframe = false;
  bool inpainted = false;  // a keyframe made by the Inpainter (not the start image)
  int keyframe_index = -1;
  double wall_s = 0, cpu_s = 0;
  InpaintTimings components;
  nlohmann::json sim;  // the frame's NPU figures, null when not simulated
};

nlohmann::json frame_to_json(const FrameRecord& r);
// Reads a record written by frame_to_json; `where` names the file in InputError messages.
FrameRecord frame_from_json(const nlohmann::json& j, const std::string& where);

// `sim_summary` becomes summary.sim (null: not simulated).
nlohmann::json make_stats_json(const std::vector<FrameRecord>& frames, const nlohmann::json& options,
                               const nlohmann::json& sim_summary = nullptr);

// Pretty-printed JSON written atomically. InputError when it cannot be written.
void write_json_file(const nlohmann::json& j, const std::string& path);
// InputError naming the file when missing or not JSON.
nlohmann::json read_json_file(const std::string& path);

// CPU time of the whole process so far, seconds (CLOCK_PROCESS_CPUTIME_ID).
double process_cpu_seconds();

}  // namespace zoomrt
