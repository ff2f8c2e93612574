// Step caching (`zoomrt zoom --cache-interval N`, docs/zoom.md "Step caching"): training-free reuse
// of the UNet's deep features between full evaluations, as DeepCache (Ma et al., CVPR 2024; the
// `DeepCache` package's DeepCacheSDHelper with cache_branch_id 0, skip_mode "uniform") runs
// diffusers' UNet2DConditionModel:
//   - the UNet call of a step is a full evaluation when the index of its timestep in the
//     scheduler's timestep list (the first index holding that value, as list.index() finds it:
//     PNDM repeats one timestep) is a multiple of N; the full UNet also outputs the cached
//     feature, the input of the last layer of the last up block (graph/models.h);
//   - every other call runs the shallow UNet: time embedding, conv_in, that last up layer on
//     concat(cached feature, conv_in's output), the output head.
// Both guidance halves are one batch-2 call, so the cache is one [2, C, h, w] tensor holding each
// half's own feature. N = 1 is the uncached pipeline, graph for graph.
#pragma once
#include <cstddef>
#include <vector>

#include "graph/graph.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/exec/precision.h"
#include "runtime/model/model.h"

namespace zoomrt {

// Whether the UNet call at `step` is a full evaluation under cache interval `interval` (>= 1).
bool is_full_unet_step(const std::vector<double>& timesteps, size_t step, int interval);

// The pipeline's UNet graphs for an image_h x image_w keyframe (batch 2, the text encoder's
// sequence length): the full one with the "cached_feature" output, and the shallow one.
Graph build_caching_unet_for_image(const ModelConfigs& m, int image_h, int image_w);
Graph build_shallow_unet_for_image(const ModelConfigs& m, int image_h, int image_w);

// What the UNet phase holds with step caching, by the figures of runtime/exec/memory_budget.h:
// the caching UNet's packed weights and arena, the shallow UNet's arena where it exceeds the full
// one's (otherwise it runs in the full one's, runtime/exec/executor.h), and the cached feature
// kept between calls (activation bytes).
MemoryNeed caching_unet_memory(const ModelConfigs& m, int image_h, int image_w, const Precision& p);

}  // namespace zoomrt
