#include "runtime/diffusion/step_cache.h"

#include <algorithm>

#include "graph/models.h"

namespace zoomrt {

bool is_full_unet_step(const std::vector<double>& timesteps, size_t step, int interval) {
  const size_t index = size_t(std::find(timesteps.begin(), timesteps.end(), timesteps[step]) - timesteps.begin());
  return interval <= 1 || index % size_t(interval) == 0;
}

namespace {

struct UNetShape {
  int lh, lw, context_len;
};

UNetShape unet_shape(const ModelConfigs& m, int image_h, int image_w) {
  const int f = m.vae.downscale();
  return {image_h / f, image_w / f, m.text.max_position_embeddings};
}

}  // namespace

Graph build_caching_unet_for_image(const ModelConfigs& m, int image_h, int image_w) {
  const UNetShape s = unet_shape(m, image_h, image_w);
  return build_unet(m.unet, 2, s.lh, s.lw, s.context_len, /*output_cached_feature=*/true);
}

Graph build_shallow_unet_for_image(const ModelConfigs& m, int image_h, int image_w) {
  const UNetShape s = unet_shape(m, image_h, image_w);
  return build_unet_shallow(m.unet, 2, s.lh, s.lw, s.context_len);
}

MemoryNeed caching_unet_memory(const ModelConfigs& m, int image_h, int image_w, const Precision& p) {
  MemoryNeed need = estimate_memory(build_caching_unet_for_image(m, image_h, image_w), p);
  const MemoryNeed shallow = estimate_memory(build_shallow_unet_for_image(m, image_h, image_w), p);
  need.activation_bytes = std::max(need.activation_bytes, shallow.activation_bytes);
  const UNetShape s = unet_shape(m, image_h, image_w);
  need.activation_bytes += size_t(shape_numel(unet_cached_feature_shape(m.unet, 2, s.lh, s.lw))) * sizeof(float);
  return need;
}

}  // namespace zoomrt
