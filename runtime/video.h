// MP4 output through the ffmpeg program (never linked): H.264 (libx264), yuv420p, so any player
// takes it; yuv420p needs even sizes, which frames that are multiples of 8 always have. The
// video goes to a temporary name and is renamed when ffmpeg succeeds, like every other output.
#pragma once
#include <string>

namespace zoomrt {

// Full path of `program` found on PATH, or "" when it is not there.
std::string find_on_path(const std::string& program);

struct VideoResult {
  bool written = false;
  std::string message;  // why not, or what was written; one line
};

// Encodes `frames_pattern` (printf-style, e.g. "DIR/frames/%06d.png", numbered from 0) at
// `fps` into `out_path`. Never throws for a missing or failing ffmpeg: the frames are the
// product, the video a convenience, so the caller reports `message` and carries on.
VideoResult encode_video(const std::string& frames_pattern, double fps, const std::string& out_path);

}  // namespace zoomrt
