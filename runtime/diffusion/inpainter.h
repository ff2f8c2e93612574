// The seam between the zoom driver and the diffusion model: one call outpaints the masked
// part of an image. The Stable Diffusion implementation lives in runtime/diffusion/sd_pipeline.h; tests
// of the zoom geometry use simple fakes.
#pragma once
#include <cstdint>
#include <string>

#include "runtime/media/image.h"

namespace zoomrt {

struct InpaintRequest {
  const Image* image = nullptr;  // the canvas: kept pixels plus whatever lies under the mask
  const Mask* mask = nullptr;
  std::string prompt, negative_prompt;
  uint64_t seed = 0;  // the initial noise is drawn from this seed alone
};

// Time spent per component in one call, for stats.json.
struct InpaintTimings {
  double text_encoder_s = 0, vae_encoder_s = 0, unet_s = 0, vae_decoder_s = 0, total_s = 0;
};

class Inpainter {
 public:
  virtual ~Inpainter() = default;
  // Returns an image of the same size; pixels under mask = 0 are not guaranteed unchanged
  // (they pass through the VAE), so callers paste kept pixels back.
  virtual Image inpaint(const InpaintRequest& req, InpaintTimings* timings) = 0;
};

}  // namespace zoomrt
