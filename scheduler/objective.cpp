#include "scheduler/objective.h"

#include <iterator>

#include "base/error.h"

namespace zoomrt::sched {

namespace {
struct ObjectiveInfo {
  const char* name;
  const char* help;
};
constexpr ObjectiveInfo kObjectives[] = {
#define X(e, name, help) {name, help},
    ZOOMRT_OBJECTIVES(X)
#undef X
};
}  // namespace

const char* objective_name(Objective o) { return kObjectives[static_cast<int>(o)].name; }
const char* objective_help(Objective o) { return kObjectives[static_cast<int>(o)].help; }

std::vector<Objective> all_objectives() {
  std::vector<Objective> v;
  for (size_t i = 0; i < std::size(kObjectives); ++i) v.push_back(static_cast<Objective>(i));
  return v;
}

std::string objective_names(const char* separator) {
  std::string s;
  for (Objective o : all_objectives()) s += (s.empty() ? "" : separator) + std::string(objective_name(o));
  return s;
}

Objective objective_from_name(const std::string& name) {
  for (Objective o : all_objectives())
    if (name == objective_name(o)) return o;
  fail_input("--objective: unknown objective '{}' (expected one of {})", name, objective_names(", "));
}

}  // namespace zoomrt::sched
