#include "scheduler/objective.h"

#include "base/error.h"

namespace zoomrt::sched {

const char* objective_name(Objective o) { return kObjectives.name(o).data(); }
const char* objective_help(Objective o) { return kObjectives.help(o).data(); }
std::vector<Objective> all_objectives() { return kObjectives.values(); }
std::string objective_names(const char* separator) { return kObjectives.names(separator); }
Objective objective_from_name(const std::string& name) { return kObjectives.parse(name, "--objective"); }

}  // namespace zoomrt::sched
