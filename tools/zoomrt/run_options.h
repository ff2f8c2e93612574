// The zoom run that `zoomrt sim` and `zoomrt tiling compare` account for a model, as options:
// the names, defaults and bounds of `zoomrt zoom` (--size/--width/--height, --steps, --scheduler,
// --keyframes, --frames-between/--keyframe-every, --zoom/--border, --prompts, --start-image),
// parsed and checked here once, and turned into the shared description of the run's work
// (runtime/npu/workload.h). Bad values: InputError naming the option (exit 2 in the CLI).
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "runtime/npu/workload.h"
#include "base/error.h"

namespace zoomrt::cli {

// Defaults are `zoomrt zoom`'s (ZoomOptions / ZoomModelOptions).
struct RunOptions {
  std::string model = "sd2-inpainting", scheduler;
  double zoom = 2;
  int size = 512, width = 0, height = 0, steps = 25, keyframes = 8, frames_between = 4;
  int keyframe_every = -1;  // -1: not given (--frames-between applies)
  int border = 0, prompts = 1;
  bool start_image = false;
};

// Parses an option's value; the library's error gains the option's name when it lacks it.
template <class F>
auto named_option(const char* option, F parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    if (std::string(e.what()).find(option) != std::string::npos) throw;
    fail_input("{}: {}", option, e.what());
  }
}

// A SCALE-Sim topology (a .csv path or a shipped name) rather than a model.
bool is_topology(const std::string& model);

// Registers every option of RunOptions but --model on `app` (each command words --model itself).
void add_run_options(CLI::App& app, RunOptions& o);

// The bounds of `zoomrt zoom` (runtime/zoom/zoom.cpp validate_zoom_options) on the run options.
void validate_run_options(const RunOptions& o);

// The run's work for `o.model`, whose options validate_run_options has checked (each command
// checks them once, before anything is loaded): frame size against the model's latent
// downscale, zoom geometry, frames and prompts. `activation_bits` sizes the vector-unit glue
// (sim_operand_bits(dtype).input).
ZoomWorkload run_workload(const RunOptions& o, int activation_bits);

}  // namespace zoomrt::cli
