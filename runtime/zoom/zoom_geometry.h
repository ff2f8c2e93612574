// The pixel geometry of a zoom-out (after v8hid/infinite-zoom-stable-diffusion, see
// docs/zoom.md for the derivation): how keyframe k+1 is built around keyframe k, and how the
// frames between two keyframes are rendered from them. Everything here is plain, single-
// threaded resampling on zoomrt::Image (planar RGB in [0, 1]); results never depend on threads.
//
// Frame W x H. Keyframe k+1 shows keyframe k shrunk by the zoom factor z into its centre:
// the inner rectangle is inner_w x inner_h (even sizes, so the border is a whole number of
// pixels per side: border_x = (W - inner_w) / 2). Per axis, r = inner / size (~ 1/z).
// Interpolated frame j (0 <= j < N) between keyframes k and k+1 sits at t = (j+1)/(N+1) and
// shows the centred crop of keyframe k+1 of size W * r_x^(1-t) by H * r_y^(1-t), so every
// frame zooms by the same ratio z^(1/(N+1)); keyframe k, which covers the crop's centre at
// W * r_x^t frame pixels, is pasted over it because it is sharper there.
#pragma once
#include "runtime/media/image.h"

namespace zoomrt {

struct ZoomGeometry {
  int width = 0, height = 0;              // frame size in pixels
  int inner_width = 0, inner_height = 0;  // keyframe k inside keyframe k+1, pixels
  int border_x = 0, border_y = 0;         // (size - inner) / 2, pixels per side
  int frames_between = 4;                 // N interpolated frames between two keyframes
  double feather_px = 8;                  // width of the seam ramp inside the kept region

  double ratio_x() const { return double(inner_width) / width; }   // r_x
  double ratio_y() const { return double(inner_height) / height; }  // r_y
};

// Builds the geometry from a zoom factor (> 1) or, when border_px > 0, from the border of the
// shorter side: z = S / (S - 2 * border_px), S = min(width, height). The inner size per axis is
// size / z rounded to the nearest even number. InputError on sizes or values out of range.
ZoomGeometry make_zoom_geometry(int width, int height, double zoom_factor, int border_px,
                                int frames_between, double feather_px);

// Crop of keyframe k+1 shown by interpolated frame j, in keyframe pixels: W * r_x^(1-t),
// t = (j+1)/(N+1). j = N gives the whole keyframe.
double crop_width(const ZoomGeometry& g, int j);
double crop_height(const ZoomGeometry& g, int j);

// Samples the source rectangle [x0, x0 + src_w) x [y0, y0 + src_h) (source pixel units,
// pixel i covering [i, i+1)) onto a dst_w x dst_h grid. Per axis: box (area) filter where one
// destination pixel covers more than one source pixel, bilinear at pixel centres otherwise;
// samples outside the source clamp to the edge.
Image resample_region(const Image& src, double x0, double y0, double src_w, double src_h, int dst_w,
                      int dst_h);

// Whole image to dst_w x dst_h (area filter when shrinking).
Image resize_image(const Image& src, int dst_w, int dst_h);

// Scales to cover W x H keeping the aspect, then crops the centre: a start image of any size.
Image fit_to_frame(const Image& src, int width, int height);

// Seam weight of the kept (pasted) image at `dist_px` inside its edge: a raised-cosine ramp
// from 0 at the edge to 1 at feather_px and beyond (a hard edge when feather_px <= 0).
double feather_weight(double dist_px, double feather_px);

// The outpainting request for keyframe k+1: `shrunk` = keyframe k area-resized to the inner
// size; `canvas` = shrunk pasted in the centre of a black frame; `mask` = 1 on the border.
struct OutpaintCanvas {
  Image canvas, shrunk;
  Mask mask;
};
OutpaintCanvas make_outpaint_canvas(const Image& keyframe, const ZoomGeometry& g);

// Keyframe k+1: the inpainter's output with `shrunk` pasted back over the centre with the
// feathered seam. Pixels at least feather_px inside the inner edge equal `shrunk` exactly.
Image composite_keyframe(const Image& inpainted, const Image& shrunk, const ZoomGeometry& g);

// Interpolated frame j (0 <= j < N) between keyframe k (`inner`) and k+1 (`outer`).
Image render_between(const Image& inner, const Image& outer, const ZoomGeometry& g, int j);

}  // namespace zoomrt
