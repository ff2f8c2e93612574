#include "runtime/diffusion/keyframe_memory.h"

#include <algorithm>

#include "runtime/diffusion/step_cache.h"

namespace zoomrt {

const char* residency_name(Residency r) { return r == Residency::held ? "held" : "one_at_a_time"; }

MemoryNeed KeyframeMemory::peak(Residency r) const {
  const MemoryNeed& text = of(Component::text_encoder);
  MemoryNeed best = text;  // the text encoder always runs alone
  if (r == Residency::one_at_a_time) {
    for (const MemoryNeed& n : component)
      if (n.total() > best.total()) best = n;
    return best;
  }
  MemoryNeed held;
  for (Component c : {Component::unet, Component::vae_encoder, Component::vae_decoder}) {
    held.weight_bytes += of(c).weight_bytes;
    held.activation_bytes = std::max(held.activation_bytes, of(c).activation_bytes);
  }
  return held.total() > best.total() ? held : best;
}

KeyframeMemory plan_keyframe_memory(const ModelConfigs& m, int image_h, int image_w, const Precision& p,
                                    int cache_interval) {
  KeyframeMemory km;
  for (Component c : kAllComponents)
    km.component[size_t(c)] = c == Component::unet && cache_interval > 1
                                  ? caching_unet_memory(m, image_h, image_w, p)
                                  : estimate_memory(build_component_for_image(m, c, image_h, image_w), p);
  return km;
}

Residency choose_residency(const std::string& what, const KeyframeMemory& km, size_t budget) {
  if (budget > 0 && km.peak(Residency::held).total() <= budget) return Residency::held;
  check_memory_budget(what, km.peak(Residency::one_at_a_time), budget);
  return Residency::one_at_a_time;
}

}  // namespace zoomrt
