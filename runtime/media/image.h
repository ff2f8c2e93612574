// The pixel types every part of a zoom passes around: an RGB image and an inpainting mask, both
// planar floats. Reading and writing them as files is runtime/media/image_io.h.
#pragma once
#include <cstddef>
#include <vector>

namespace zoomrt {

// An RGB image, planar [3, height, width], values in [0, 1].
struct Image {
  int width = 0, height = 0;
  std::vector<float> rgb;
  float* plane(int c) { return rgb.data() + size_t(c) * size_t(width) * size_t(height); }
  const float* plane(int c) const { return rgb.data() + size_t(c) * size_t(width) * size_t(height); }
};

// [height, width], 1 = repaint, 0 = keep (diffusers' convention: white = repaint).
struct Mask {
  int width = 0, height = 0;
  std::vector<float> values;
};

}  // namespace zoomrt
