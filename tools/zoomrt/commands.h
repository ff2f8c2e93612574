// The zoomrt subcommands: one list drives registration and help text.
// Adding a command is one line here plus one cmd_<name>.cpp that defines setup_<name>().
#pragma once
#include <CLI/CLI.hpp>

namespace zoomrt::cli {

// X(function suffix, command name, one-line help)
#define ZOOMRT_COMMANDS(X)                                                              \
  X(inspect, "inspect", "parameter counts, MACs per op type and memory plan of a model") \
  X(eval, "eval", "run one component on tensors from a safetensors file")                \
  X(quantize, "quantize", "convert weights to f16/int8/int4/palette/2:4 sparse")          \
  X(make_model, "make-model", "write a diffusers model directory with random weights")   \
  X(zoom, "zoom", "infinite zoom video from a prompt")  \
  X(tiling, "tiling", "compare tiling strategies on an NPU (tiling compare)") \
  X(sim, "sim", "simulate a model on an NPU description: cycles, DRAM traffic, energy, FPS/W") \
  X(sweep, "sweep", "simulate every NPU/run configuration of a space file: points, Pareto front, chart")

#define X(fn, name, help) void setup_##fn(CLI::App& sub);
ZOOMRT_COMMANDS(X)
#undef X

}  // namespace zoomrt::cli
