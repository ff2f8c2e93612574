#include "runtime/zoom/zoom_geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "base/error.h"

namespace zoomrt {

ZoomGeometry make_zoom_geometry(int width, int height, double zoom_factor, int border_px,
                                int frames_between, double feather_px) {
  if (width < 16 || height < 16 || width % 8 || height % 8)
    fail_input("--width/--height: {}x{} must be multiples of 8, at least 16", width, height);
  const int shorter = std::min(width, height);
  if (border_px > 0) {
    if (2 * int64_t(border_px) >= shorter - 1)
      fail_input("--border: {} px leaves nothing of a {} px side to keep", border_px, shorter);
    zoom_factor = double(shorter) / double(shorter - 2 * border_px);
  }
  if (!(zoom_factor > 1.0) || zoom_factor > 16.0)
    fail_input("--zoom: factor {} must be above 1 and at most 16", zoom_factor);
  if (frames_between < 0 || frames_between > 1000)
    fail_input("--frames-between: {} must be in 0..1000", frames_between);
  auto inner_of = [&](int size) {
    int inner = 2 * int(std::lround(size / zoom_factor / 2.0));
    return std::clamp(inner, 2, size - 2);  // at least one kept and one new pixel pair
  };
  ZoomGeometry g;
  g.width = width;
  g.height = height;
  g.inner_width = inner_of(width);
  g.inner_height = inner_of(height);
  g.border_x = (width - g.inner_width) / 2;
  g.border_y = (height - g.inner_height) / 2;
  g.frames_between = frames_between;
  if (!(feather_px >= 0) || feather_px > std::min(g.inner_width, g.inner_height) / 2.0)
    fail_input("--feather: {} px must be in 0..{} (half the kept centre)", feather_px,
               std::min(g.inner_width, g.inner_height) / 2);
  g.feather_px = feather_px;
  return g;
}

static double t_of(const ZoomGeometry& g, int j) { return double(j + 1) / double(g.frames_between + 1); }

double crop_width(const ZoomGeometry& g, int j) { return g.width * std::pow(g.ratio_x(), 1.0 - t_of(g, j)); }
double crop_height(const ZoomGeometry& g, int j) { return g.height * std::pow(g.ratio_y(), 1.0 - t_of(g, j)); }

namespace {

// One axis of a separable resampling: destination pixel i = sum of w * src[index].
struct AxisTaps {
  std::vector<int> begin;  // [dst + 1] offsets into index/weight
  std::vector<int> index;
  std::vector<double> weight;
};

AxisTaps axis_taps(int src_len, double x0, double len, int dst_len) {
  AxisTaps t;
  const double step = len / dst_len;
  auto clampi = [&](long p) { return int(std::clamp<long>(p, 0, src_len - 1)); };
  t.begin.push_back(0);
  for (int i = 0; i < dst_len; ++i) {
    if (step > 1.0) {  // box: the exact overlap of [a, b) with each source pixel
      const double a = x0 + i * step, b = x0 + (i + 1) * step;
      for (long p = long(std::floor(a)); double(p) < b; ++p) {
        const double overlap = std::min(b, double(p + 1)) - std::max(a, double(p));
        if (overlap <= 1e-12) continue;
        t.index.push_back(clampi(p));
        t.weight.push_back(overlap / step);
      }
    } else {  // bilinear between the two source pixel centres around the destination centre
      const double c = x0 + (i + 0.5) * step - 0.5;
      const double p0 = std::floor(c), f = c - p0;
      t.index.push_back(clampi(long(p0)));
      t.weight.push_back(1.0 - f);
      t.index.push_back(clampi(long(p0) + 1));
      t.weight.push_back(f);
    }
    t.begin.push_back(int(t.index.size()));
  }
  return t;
}

Image blank(int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(size_t(3) * size_t(w) * size_t(h), 0.0f);
  return img;
}

// Distance of pixel centre (x, y) inside the rectangle [x0, x0+w) x [y0, y0+h), <= 0 outside.
double inside_distance(int x, int y, double x0, double y0, double w, double h) {
  const double px = x + 0.5, py = y + 0.5;
  return std::min(std::min(px - x0, x0 + w - px), std::min(py - y0, y0 + h - py));
}

}  // namespace

Image resample_region(const Image& src, double x0, double y0, double src_w, double src_h, int dst_w,
                      int dst_h) {
  const AxisTaps tx = axis_taps(src.width, x0, src_w, dst_w);
  const AxisTaps ty = axis_taps(src.height, y0, src_h, dst_h);
  Image out = blank(dst_w, dst_h);
  std::vector<float> rows(size_t(src.height) * size_t(dst_w));  // horizontal pass
  for (int c = 0; c < 3; ++c) {
    const float* s = src.plane(c);
    for (int y = 0; y < src.height; ++y)
      for (int x = 0; x < dst_w; ++x) {
        double acc = 0;
        for (int k = tx.begin[x]; k < tx.begin[x + 1]; ++k) acc += tx.weight[k] * s[size_t(y) * src.width + tx.index[k]];
        rows[size_t(y) * dst_w + x] = float(acc);
      }
    float* d = out.plane(c);
    for (int y = 0; y < dst_h; ++y)
      for (int x = 0; x < dst_w; ++x) {
        double acc = 0;
        for (int k = ty.begin[y]; k < ty.begin[y + 1]; ++k) acc += ty.weight[k] * rows[size_t(ty.index[k]) * dst_w + x];
        d[size_t(y) * dst_w + x] = float(acc);
      }
  }
  return out;
}

Image resize_image(const Image& src, int dst_w, int dst_h) {
  return resample_region(src, 0, 0, src.width, src.height, dst_w, dst_h);
}

Image fit_to_frame(const Image& src, int width, int height) {
  const double scale = std::max(double(width) / src.width, double(height) / src.height);
  const double crop_w = width / scale, crop_h = height / scale;
  return resample_region(src, (src.width - crop_w) / 2, (src.height - crop_h) / 2, crop_w, crop_h, width, height);
}

double feather_weight(double dist_px, double feather_px) {
  if (dist_px <= 0) return 0;
  if (feather_px <= 0 || dist_px >= feather_px) return 1;
  return 0.5 - 0.5 * std::cos(std::numbers::pi * dist_px / feather_px);
}

OutpaintCanvas make_outpaint_canvas(const Image& keyframe, const ZoomGeometry& g) {
  OutpaintCanvas oc;
  oc.shrunk = resize_image(keyframe, g.inner_width, g.inner_height);
  oc.canvas = blank(g.width, g.height);
  oc.mask.width = g.width;
  oc.mask.height = g.height;
  oc.mask.values.assign(size_t(g.width) * size_t(g.height), 1.0f);
  for (int y = 0; y < g.inner_height; ++y)
    for (int x = 0; x < g.inner_width; ++x) {
      const size_t at = size_t(y + g.border_y) * g.width + size_t(x + g.border_x);
      oc.mask.values[at] = 0.0f;
      for (int c = 0; c < 3; ++c) oc.canvas.plane(c)[at] = oc.shrunk.plane(c)[size_t(y) * g.inner_width + x];
    }
  return oc;
}

Image composite_keyframe(const Image& inpainted, const Image& shrunk, const ZoomGeometry& g) {
  Image out = inpainted;
  for (int y = 0; y < g.inner_height; ++y)
    for (int x = 0; x < g.inner_width; ++x) {
      const float a = float(feather_weight(inside_distance(x, y, 0, 0, g.inner_width, g.inner_height), g.feather_px));
      const size_t at = size_t(y + g.border_y) * g.width + size_t(x + g.border_x);
      for (int c = 0; c < 3; ++c) {
        const float kept = shrunk.plane(c)[size_t(y) * g.inner_width + x];
        float& v = out.plane(c)[at];
        v = a == 1.0f ? kept : a * kept + (1.0f - a) * v;
      }
    }
  return out;
}

Image render_between(const Image& inner, const Image& outer, const ZoomGeometry& g, int j) {
  const double t = t_of(g, j);
  const double cw = crop_width(g, j), ch = crop_height(g, j);
  Image out = resample_region(outer, (g.width - cw) / 2, (g.height - ch) / 2, cw, ch, g.width, g.height);
  // Keyframe k spans side W * r^t in this frame, starting at W/2 * (1 - r^t); each frame pixel
  // covers r^-t of its pixels, so it is box-filtered down, never blurred up.
  const double side_w = g.width * std::pow(g.ratio_x(), t), side_h = g.height * std::pow(g.ratio_y(), t);
  const double x0 = (g.width - side_w) / 2, y0 = (g.height - side_h) / 2;
  const double step_x = g.width / side_w, step_y = g.height / side_h;
  const Image sharp = resample_region(inner, -x0 * step_x, -y0 * step_y, g.width * step_x, g.height * step_y,
                                      g.width, g.height);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) {
      const float a = float(feather_weight(inside_distance(x, y, x0, y0, side_w, side_h), g.feather_px));
      if (a == 0.0f) continue;
      const size_t at = size_t(y) * g.width + x;
      for (int c = 0; c < 3; ++c) {
        float& v = out.plane(c)[at];
        v = a * sharp.plane(c)[at] + (1.0f - a) * v;
      }
    }
  return out;
}

}  // namespace zoomrt
