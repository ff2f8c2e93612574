// A sweep space: a base configuration (an NPU description and `zoomrt sim` run options), axes
// that vary fields of it, constraints that prune combinations, and targets (docs/sweep.md).
//
//   {"base": {"npu": "phone-npu" | "path.json" | {...}, "run": {"size": 512, ...}},
//    "axes": {"npu.array.rows": [16, 32], "npu.sram.bytes": {"geometric": [1048576, 8388608, 2]},
//             "run.dtype": ["int8", "int4"], ...},
//    "constraints": ["npu.array.rows * npu.array.cols <= 65536"],
//    "targets": {"min_fps": 30, "max_avg_power_w": 2, "max_area_mm2": 10}}
//
// Axis paths: "npu.<key path>" patches the NPU description (checked by the NPU reader, whose
// error names the key), with three derived axes: npu.dram.standard (a preset name or .json
// path whose `dram` object replaces the base's), npu.power.vf_scale (every V-F point's
// frequency times the value) and npu.array.rows/cols (macs_per_cycle scales with rows x cols
// unless an axis sets it). "run.<option>" sets a run option; the caller names the options and
// their defaults (run_defaults), so the library stays independent of the CLI.
// Errors: InputError "<file>: <key>: <problem>", one line.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/expr.h"

namespace zoomrt::sweep {

struct Axis {
  std::string path;                    // "npu.array.rows", "run.dtype"
  std::vector<nlohmann::json> values;  // scalars, in the order they are swept
  bool tiling_free = false;            // changes no tiling plan: swept innermost (see order_axes)
};

struct Targets {
  double min_fps = 0;          // 0: none
  double max_avg_power_w = 0;  // 0: none
  double max_area_mm2 = 0;     // 0: none
  bool any() const { return min_fps > 0 || max_avg_power_w > 0 || max_area_mm2 > 0; }
};

struct Space {
  std::string origin;       // the file, for errors
  nlohmann::json base_npu;  // the NPU description (without "sources" and "description")
  nlohmann::json base_run;  // every run option, defaults filled in
  std::vector<Axis> axes;   // enumeration order: the first axis varies slowest
  std::vector<Constraint> constraints;
  Targets targets;
};

// Reads a space; `run_defaults` is an object of every run option with its default value (its
// JSON type is the type the option takes). Checks keys, axis paths and value types; the NPU
// reader's checks of each patched description happen in enumerate_points.
Space parse_space(const std::string& text, const std::string& origin,
                  const nlohmann::json& run_defaults);
Space load_space(const std::string& path, const nlohmann::json& run_defaults);

// Axis paths whose values change no tiling plan or DRAM replay (the plan caches' key, see
// scheduler/plan_cost.cpp npu_key): area constants, power policy and cap. Swept innermost so
// consecutive points share the plan caches.
bool axis_is_tiling_free(const std::string& path);

}  // namespace zoomrt::sweep
