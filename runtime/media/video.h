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
  bool failed = false;  // ffmpeg ran and failed (or the result could not be put in place)
};

// Encodes `frames_pattern` (printf-style, e.g. "DIR/frames/%06d.png", numbered from 0) at
// `fps` into `out_path`. Never throws: a missing ffmpeg is a note (written false, failed
// false); a failing ffmpeg sets `failed`, and `message` says how to encode the frames again
// (the zoom driver turns it into exit status 2). ffmpeg dies with this process, and a
// temporary left by a killed run is removed on the next call.
VideoResult encode_video(const std::string& frames_pattern, double fps, const std::string& out_path);

}  // namespace zoomrt
