#include "runtime/zoom/stats_json.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt {

using nlohmann::json;

static json components_to_json(const InpaintTimings& t) {
  return {{"text_encoder_s", t.text_encoder_s}, {"vae_encoder_s", t.vae_encoder_s}, {"unet_s", t.unet_s},
          {"vae_decoder_s", t.vae_decoder_s}, {"total_s", t.total_s}};
}

json frame_to_json(const FrameRecord& r) {
  return {{"index", r.index},         {"keyframe", r.keyframe},
          {"inpainted", r.inpainted}, {"keyframe_index", r.keyframe_index},
          {"wall_s", r.wall_s},       {"cpu_s", r.cpu_s},
          {"components", components_to_json(r.components)}, {"sim", r.sim}};
}

FrameRecord frame_from_json(const json& j, const std::string& where) {
  try {
    FrameRecord r;
    r.index = j.at("index").get<int>();
    r.keyframe = j.at("keyframe").get<bool>();
    r.inpainted = j.at("inpainted").get<bool>();
    r.keyframe_index = j.at("keyframe_index").get<int>();
    r.wall_s = j.at("wall_s").get<double>();
    r.cpu_s = j.at("cpu_s").get<double>();
    const json& c = j.at("components");
    r.components = {c.at("text_encoder_s").get<double>(), c.at("vae_encoder_s").get<double>(),
                    c.at("unet_s").get<double>(), c.at("vae_decoder_s").get<double>(), c.at("total_s").get<double>()};
    if (j.contains("sim")) r.sim = j.at("sim");
    return r;
  } catch (const json::exception& e) {
    fail_input("{}: bad frame record: {}", where, e.what());
  }
}

json make_stats_json(const std::vector<FrameRecord>& frames, const json& options, const json& sim_summary) {
  json list = json::array();
  InpaintTimings sum;
  double wall = 0, cpu = 0, keyframe_wall = 0;
  int keyframes = 0, inpainted = 0;
  for (const FrameRecord& r : frames) {
    list.push_back(frame_to_json(r));
    wall += r.wall_s;
    cpu += r.cpu_s;
    sum.text_encoder_s += r.components.text_encoder_s;
    sum.vae_encoder_s += r.components.vae_encoder_s;
    sum.unet_s += r.components.unet_s;
    sum.vae_decoder_s += r.components.vae_decoder_s;
    sum.total_s += r.components.total_s;
    keyframes += r.keyframe;
    if (r.inpainted) {
      ++inpainted;
      keyframe_wall += r.wall_s;
    }
  }
  json summary = {{"frames", frames.size()},
                  {"keyframes", keyframes},
                  {"inpainted_keyframes", inpainted},
                  {"wall_s", wall},
                  {"cpu_s", cpu},
                  {"components", components_to_json(sum)},
                  {"mean_keyframe_wall_s", inpainted ? keyframe_wall / inpainted : 0.0},
                  {"sim", sim_summary}};
  return {{"version", 1}, {"options", options}, {"frames", std::move(list)}, {"summary", std::move(summary)}};
}

void write_json_file(const json& j, const std::string& path) {
  AtomicFile f(path);
  f.write(j.dump(2) + "\n");
  f.commit();
}

json read_json_file(const std::string& path) {
  const std::string text = read_input_file(path, kMaxConfigBytes, "JSON file");
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large
    fail_input("{}: invalid JSON: {}", path, e.what());
  }
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace zoomrt
