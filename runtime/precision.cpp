#include "runtime/precision.h"

#include <vector>

#include "weights/error.h"

namespace zoomrt {

namespace {

struct Named {
  const char* name;
  Precision p;
};

// Every accepted name, in help order: one entry per format, then the int4 group variants.
const std::vector<Named>& all_names() {
  static const std::vector<Named> v = [] {
    std::vector<Named> out;
#define X(e, name, help) out.push_back({name, Precision{WeightFormat::e, 64}});
    ZOOMRT_WEIGHT_FORMATS(X)
#undef X
    out.push_back({"int4-g32", Precision{WeightFormat::int4, 32}});
    out.push_back({"int4-g64", Precision{WeightFormat::int4, 64}});
    out.push_back({"int4-g128", Precision{WeightFormat::int4, 128}});
    out.push_back({"int4a8-g32", Precision{WeightFormat::int4a8, 32}});
    out.push_back({"int4a8-g64", Precision{WeightFormat::int4a8, 64}});
    out.push_back({"int4a8-g128", Precision{WeightFormat::int4a8, 128}});
    return out;
  }();
  return v;
}

}  // namespace

std::string precision_name(const Precision& p) {
  if (p.weights == WeightFormat::int4) return "int4-g" + std::to_string(p.group);
  if (p.weights == WeightFormat::int4a8) return "int4a8-g" + std::to_string(p.group);
#define X(e, name, help) \
  if (p.weights == WeightFormat::e) return name;
  ZOOMRT_WEIGHT_FORMATS(X)
#undef X
  return "?";
}

std::string precision_names() {
  std::string s;
  for (const Named& n : all_names()) s += (s.empty() ? "" : " | ") + std::string(n.name);
  return s;
}

Precision precision_from_name(const std::string& name, const std::string& what) {
  for (const Named& n : all_names())
    if (name == n.name) return n.p;
  fail_input("{}: '{}' is not one of {}", what, name, precision_names());
}

}  // namespace zoomrt
