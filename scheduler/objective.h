// Objective: the one cost every tiling strategy minimises and every table ranks by
// (`--objective` on sim, zoom and tiling compare). Values of one plan come from cost_plan
// (scheduler/plan_cost.h): the full model — DRAM row buffers under the plan's layout, SRAM
// energy, compute cycles with fill/drain, overlap under double buffering — at the NPU's highest
// V–F point (the `fixed` policy; a power policy changes frequencies after planning).
#pragma once
#include <string>
#include <vector>

#include "base/enum_table.h"

namespace zoomrt::sched {

// X(enumerator, name, help)
#define ZOOMRT_OBJECTIVES(X)                                                                   \
  X(energy, "energy", "total energy: MAC + SRAM + DRAM + static (default)")                   \
  X(latency, "latency", "time: compute and DRAM overlapped under double buffering")           \
  X(edp, "edp", "energy x delay (per layer; a model's total is its energy x its latency)")    \
  X(accesses, "accesses", "DRAM accesses (bursts)")                                           \
  X(bytes, "bytes", "DRAM bytes moved")

enum class Objective {
#define X(e, name, help) e,
  ZOOMRT_OBJECTIVES(X)
#undef X
};
// Names, help texts and parsing of the objectives (base/enum_table.h).
inline constexpr auto kObjectives = make_enum_table<Objective>({
#define X(e, name, help) {Objective::e, name, help},
    ZOOMRT_OBJECTIVES(X)
#undef X
});
const char* objective_name(Objective o);
const char* objective_help(Objective o);
// InputError "--objective: 'x' is not one of energy | ..." for an unknown name.
Objective objective_from_name(const std::string& name);
std::vector<Objective> all_objectives();
std::string objective_names(const char* separator = " | ");

}  // namespace zoomrt::sched
