#include "runtime/exec/precision.h"

#include <algorithm>

#include "base/error.h"

namespace zoomrt {

namespace {

struct Named {
  const char* name;  // "" for the group variants (printed by plain_name)
  LayerPrecision p;
};

// Every plain format name (one class format, no overrides), in help order: the X-macro's names,
// then the variants, which print through plain_name.
const std::vector<Named>& plain_names() {
  static const std::vector<Named> v = [] {
    std::vector<Named> out;
#define X(e, name, help) out.push_back({name, LayerPrecision{WeightFormat::e}});
    ZOOMRT_WEIGHT_FORMATS(X)
#undef X
    out.push_back({"int8w", LayerPrecision{WeightFormat::int8, 64, true}});
    for (int g : {32, 64, 128}) out.push_back({"", LayerPrecision{WeightFormat::int4, g}});
    for (int g : {32, 64, 128}) out.push_back({"", LayerPrecision{WeightFormat::int4a8, g}});
    for (bool ch : {false, true})
      for (int b = 2; b <= 8; ++b) out.push_back({"", LayerPrecision{WeightFormat::palette, 64, false, b, ch}});
    return out;
  }();
  return v;
}

// The group variants print their group; "int4" and "int4a8" parse as g64, "palette4" is itself.
std::string plain_name(const LayerPrecision& p) {
  if (p.weights == WeightFormat::int4) return "int4-g" + std::to_string(p.group);
  if (p.weights == WeightFormat::int4a8) return "int4a8-g" + std::to_string(p.group);
  if (p.weights == WeightFormat::int8 && p.weights_only) return "int8w";
  if (p.weights == WeightFormat::palette) return "palette" + std::to_string(p.bits) + (p.per_channel ? "-ch" : "");
#define X(e, name, help) \
  if (p.weights == WeightFormat::e) return name;
  ZOOMRT_WEIGHT_FORMATS(X)
#undef X
  return "?";
}

bool parse_plain(std::string_view name, LayerPrecision& out) {
  for (const Named& n : plain_names()) {
    const LayerPrecision p = n.p;
    if (name == plain_name(p) || (*n.name && name == n.name)) return out = p, true;
  }
  return false;
}

// Named mixed policies (docs/kernels.md "Precision policy": why these classes). The plain names
// stay uniform: `int8` is int8 everywhere, as `zoomrt quantize --to int8` writes it.
struct Preset {
  const char* name;
  const char* policy;
};
constexpr Preset kPresets[] = {
    {"int8-mix", "int8,conv_io=f16,shortcut=f16,proj=f16"},
    {"int4-mix", "int8,conv_io=f16,resnet=int4-g64"},
    {"int4a8-mix", "int8,conv_io=f16,resnet=int4a8-g64"},
    {"palette4-mix", "int8,conv_io=f16,resnet=palette4-ch"},
};

void set_override(Precision& p, OpClass c, const LayerPrecision& lp) {
  std::erase_if(p.overrides, [&](const Precision::Override& o) { return o.cls == c; });
  if (!(lp == p.base)) p.overrides.push_back({c, lp});
  std::sort(p.overrides.begin(), p.overrides.end(),
            [](const Precision::Override& a, const Precision::Override& b) { return a.cls < b.cls; });
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

OpClass op_class_of_weight(std::string_view n) {
  // Order matters: time_emb_proj and conv_shortcut live inside "resnets", to_out / proj_in
  // inside "attentions", "ff.net.0.proj" is not proj_in / proj_out.
  if (contains(n, "time_emb")) return OpClass::time;
  if (contains(n, "conv_shortcut") || contains(n, "nin_shortcut")) return OpClass::shortcut;
  if (contains(n, "samplers.")) return OpClass::sampler;
  for (const char* q : {"to_q.", "to_k.", "to_v.", "q_proj.", "k_proj.", "v_proj."})
    if (contains(n, q)) return OpClass::qkv;
  if (contains(n, "to_out.") || contains(n, "out_proj.")) return OpClass::attn_out;
  if (contains(n, "proj_in.") || contains(n, "proj_out.")) return OpClass::proj;
  if (contains(n, ".ff.") || n.starts_with("ff.") || contains(n, "mlp.fc")) return OpClass::ff;
  if (contains(n, "resnets.")) return OpClass::resnet;
  if (n == "conv_in.weight" || n == "conv_out.weight" || n.ends_with(".conv_in.weight") ||
      n.ends_with(".conv_out.weight"))
    return OpClass::conv_io;
  return OpClass::other;
}

const char* op_class_name(OpClass c) {
  switch (c) {
#define X(e, name, help) \
  case OpClass::e: return name;
    ZOOMRT_OP_CLASSES(X)
#undef X
  }
  return "?";
}

std::string op_class_names() {
  std::string s;
#define X(e, name, help) s += (s.empty() ? "" : " | ") + std::string(name);
  ZOOMRT_OP_CLASSES(X)
#undef X
  return s;
}

LayerPrecision Precision::for_class(OpClass c) const {
  for (const Override& o : overrides)
    if (o.cls == c) return o.p;
  return base;
}

bool Precision::all_f32() const {
  if (base.weights != WeightFormat::f32) return false;
  return std::all_of(overrides.begin(), overrides.end(),
                     [](const Override& o) { return o.p.weights == WeightFormat::f32; });
}

std::string layer_precision_name(const LayerPrecision& p) { return plain_name(p); }

std::string precision_name(const Precision& p) {
  for (const Preset& pr : kPresets)
    if (precision_from_name(pr.policy) == p) return pr.name;
  std::string s = plain_name(p.base);
  for (const Precision::Override& o : p.overrides) s += std::string(",") + op_class_name(o.cls) + "=" + plain_name(o.p);
  return s;
}

std::string precision_names() {
  std::string s;
  for (const Named& n : plain_names())
    if (*n.name) s += (s.empty() ? "" : " | ") + std::string(n.name);
  for (const Named& n : plain_names())  // the palette variants in one entry: 14 names
    if (!*n.name && n.p.weights != WeightFormat::palette) s += " | " + plain_name(n.p);
  s += " | palette2..8 | palette2..8-ch";
  for (const Preset& pr : kPresets) s += " | " + std::string(pr.name);
  return s + "; add per-class overrides as BASE,CLASS=FORMAT,... (CLASS: " + op_class_names() + ")";
}

Precision precision_from_name(const std::string& name, const std::string& what) {
  std::vector<std::string_view> parts;
  for (size_t b = 0; b <= name.size();) {
    const size_t e = std::min(name.find(',', b), name.size());
    parts.push_back(std::string_view(name).substr(b, e - b));
    b = e + 1;
  }
  Precision p;
  LayerPrecision base;
  const Preset* preset = nullptr;
  for (const Preset& pr : kPresets)
    if (parts[0] == pr.name) preset = &pr;
  if (preset)
    p = precision_from_name(preset->policy, what);
  else if (parse_plain(parts[0], base))
    p = Precision{base, {}};
  else
    fail_input("{}: '{}' is not one of {}", what, name, precision_names());
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    const std::string_view cls = parts[i].substr(0, eq);
    int c = -1;
    for (int k = 0; k < kOpClassCount; ++k)
      if (cls == op_class_name(OpClass(k))) c = k;
    LayerPrecision lp;
    if (eq == std::string_view::npos || c < 0 || !parse_plain(parts[i].substr(eq + 1), lp))
      fail_input("{}: '{}' in '{}' is not CLASS=FORMAT (CLASS: {})", what, parts[i], name, op_class_names());
    set_override(p, OpClass(c), lp);
  }
  return p;
}

}  // namespace zoomrt
