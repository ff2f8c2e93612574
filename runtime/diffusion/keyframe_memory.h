// What one zoom keyframe holds in memory at its peak (issue 15, keyframe memory), planned from
// the graphs before anything is packed, by the same per-component figures as
// runtime/exec/memory_budget.h (packed weights + activation arena of each component).
//
// A keyframe runs its components in phases: the text encoder (only when the prompt pair is not
// encoded yet), the VAE encoder, the UNet's steps, the VAE decoder. The pipeline
// (runtime/diffusion/sd_pipeline.h) holds them in one of two ways:
//   one_at_a_time  each component's executor lives for its phase only: built (weights packed),
//                  run, freed. Peak: the largest component's weights + arena. The UNet and the
//                  VAE are packed again for every keyframe.
//   held           the text encoder is freed once the prompts are encoded (and the others are
//                  freed before it runs again, at a prompt change); the UNet and VAE weights stay
//                  packed across keyframes, each arena only while its component runs. Peak: the
//                  text encoder alone, or the UNet + VAE weights with the largest of their arenas.
// Either way the arenas of idle components are released, so the peak is one phase's, not the
// sum of all components.
#pragma once
#include <array>
#include <string>

#include "runtime/exec/memory_budget.h"
#include "runtime/model/model.h"
#include "runtime/exec/precision.h"

namespace zoomrt {

enum class Residency { one_at_a_time, held };
const char* residency_name(Residency r);

struct KeyframeMemory {
  std::array<MemoryNeed, std::size(kAllComponents)> component;  // indexed like kAllComponents
  const MemoryNeed& of(Component c) const { return component[size_t(c)]; }
  // The largest phase under `r`: its weights (packed, held) and activations (arenas).
  MemoryNeed peak(Residency r) const;
};

// The figures of every component at the shapes of an image_h x image_w keyframe. With step
// caching (cache_interval > 1) the UNet's are those of runtime/diffusion/step_cache.h: the caching
// UNet, the larger of its and the shallow UNet's arenas, and the cached feature.
KeyframeMemory plan_keyframe_memory(const ModelConfigs& m, int image_h, int image_w, const Precision& p,
                                    int cache_interval = 1);

// `held` when the user set a budget (`budget` > 0) that held's peak fits, else `one_at_a_time`;
// InputError (check_memory_budget, naming `what`) when even that peak exceeds the budget
// (0: this machine's physical memory).
Residency choose_residency(const std::string& what, const KeyframeMemory& km, size_t budget);

}  // namespace zoomrt
