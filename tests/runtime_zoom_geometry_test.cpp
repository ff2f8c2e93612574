// Zoom geometry against independent calculations: box-filter shrinking by hand, the
// geometric crop formula, the kept centre of a keyframe, and where the sharper inner
// keyframe lands in an interpolated frame.
#include <cmath>

#include <catch2/catch.hpp>

#include "runtime/zoom/zoom_geometry.h"
#include "base/error.h"

using namespace zoomrt;

namespace {

Image make_image(int w, int h, float (*f)(int c, int x, int y)) {
  Image img{w, h, std::vector<float>(size_t(3) * w * h)};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) img.plane(c)[size_t(y) * w + x] = f(c, x, y);
  return img;
}

float at(const Image& img, int c, int x, int y) { return img.plane(c)[size_t(y) * img.width + x]; }

float pattern(int c, int x, int y) { return float((x * 7 + y * 13 + c * 5) % 17) / 16.0f; }

}  // namespace

TEST_CASE("geometry from a border or a zoom factor, per axis for non-square frames") {
  const ZoomGeometry a = make_zoom_geometry(512, 512, 0, 128, 4, 8);
  CHECK(a.inner_width == 256);
  CHECK(a.inner_height == 256);
  CHECK(a.border_x == 128);
  const ZoomGeometry b = make_zoom_geometry(768, 512, 2.0, 0, 4, 8);
  CHECK(b.inner_width == 384);
  CHECK(b.inner_height == 256);
  CHECK(b.border_x == 192);
  CHECK(b.border_y == 128);
  const ZoomGeometry c = make_zoom_geometry(768, 512, 0, 64, 4, 8);  // z = 512/384 on the short side
  CHECK(c.inner_height == 384);
  CHECK(c.inner_width == 576);
  CHECK_THROWS_AS(make_zoom_geometry(500, 512, 2.0, 0, 4, 8), InputError);
  CHECK_THROWS_AS(make_zoom_geometry(512, 512, 1.0, 0, 4, 8), InputError);
  CHECK_THROWS_AS(make_zoom_geometry(512, 512, 2.0, 0, -1, 8), InputError);
  CHECK_THROWS_AS(make_zoom_geometry(512, 512, 0, 256, 4, 8), InputError);
  CHECK_THROWS_AS(make_zoom_geometry(64, 64, 2.0, 0, 4, 40), InputError);
}

TEST_CASE("shrinking 2x is the 2x2 box average, 1.5x weighs partial pixels") {
  const Image src = make_image(8, 6, pattern);
  const Image half = resize_image(src, 4, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) {
        const double mean = (double(at(src, c, 2 * x, 2 * y)) + at(src, c, 2 * x + 1, 2 * y) +
                             at(src, c, 2 * x, 2 * y + 1) + at(src, c, 2 * x + 1, 2 * y + 1)) / 4;
        CHECK(at(half, c, x, y) == Approx(mean).margin(1e-6));
      }
  // A checkerboard averages to exactly one half.
  const Image board = make_image(16, 16, [](int, int x, int y) { return float((x + y) % 2); });
  for (float v : resize_image(board, 8, 8).rgb) CHECK(v == 0.5f);
  // 6 -> 4 columns: output 0 covers [0, 1.5) = pixel 0 and half of pixel 1.
  const Image row = make_image(6, 1, [](int, int x, int) { return float(x * x) / 25.0f; });
  const Image row4 = resize_image(row, 4, 1);
  CHECK(at(row4, 0, 0, 0) == Approx((0.0 + 0.5 * 1.0 / 25) / 1.5).margin(1e-6));
  CHECK(at(row4, 0, 1, 0) == Approx((0.5 * 1.0 / 25 + 4.0 / 25) / 1.5).margin(1e-6));
}

TEST_CASE("interpolated crops follow H * (1 - 2m/H)^(1 - (j+1)/(N+1)), a constant ratio per frame") {
  const ZoomGeometry g = make_zoom_geometry(512, 384, 0, 96, 4, 8);  // m = 96 on the 384 side
  for (int j = 0; j < g.frames_between; ++j) {
    const double t = double(j + 1) / (g.frames_between + 1);
    CHECK(crop_height(g, j) == Approx(384 * std::pow(1 - 2.0 * 96 / 384, 1 - t)));
    CHECK(crop_width(g, j) == Approx(512 * std::pow(double(g.inner_width) / 512, 1 - t)));
  }
  CHECK(crop_width(g, g.frames_between) == Approx(512));
  const double ratio = crop_height(g, 1) / crop_height(g, 0);
  for (int j = 1; j <= g.frames_between; ++j) CHECK(crop_height(g, j) / crop_height(g, j - 1) == Approx(ratio));
  CHECK(std::pow(ratio, g.frames_between + 1) == Approx(2.0));  // one keyframe = the whole zoom
}

TEST_CASE("outpaint canvas: mask exactly on the border, the shrunk frame in the centre") {
  const ZoomGeometry g = make_zoom_geometry(32, 24, 2.0, 0, 2, 3);
  const Image frame = make_image(32, 24, pattern);
  const OutpaintCanvas oc = make_outpaint_canvas(frame, g);
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 32; ++x) {
      const bool inside = x >= 8 && x < 24 && y >= 6 && y < 18;
      CHECK(oc.mask.values[size_t(y) * 32 + x] == (inside ? 0.0f : 1.0f));
      if (inside) CHECK(at(oc.canvas, 1, x, y) == at(oc.shrunk, 1, x - 8, y - 6));
    }
}

TEST_CASE("keyframe composite: unfeathered centre equals the shrunk frame exactly, border the inpainting") {
  const ZoomGeometry g = make_zoom_geometry(32, 32, 2.0, 0, 2, 3);
  const Image shrunk = make_image(16, 16, pattern);
  const Image painted = make_image(32, 32, [](int, int, int) { return 0.25f; });
  const Image key = composite_keyframe(painted, shrunk, g);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      const int ix = x - 8, iy = y - 8;
      const bool inside = ix >= 0 && ix < 16 && iy >= 0 && iy < 16;
      const int dist = inside ? std::min(std::min(ix, 15 - ix), std::min(iy, 15 - iy)) : -1;
      if (!inside) CHECK(at(key, 0, x, y) == 0.25f);
      if (dist >= 3) CHECK(at(key, 0, x, y) == at(shrunk, 0, ix, iy));  // centre >= 3 px in: untouched
      if (dist == 0) {  // pixel centre 0.5 px in: weight (1 - cos(pi/6)) / 2
        const double w = 0.5 - 0.5 * std::cos(3.14159265358979 * 0.5 / 3);
        CHECK(at(key, 0, x, y) == Approx(w * at(shrunk, 0, ix, iy) + (1 - w) * 0.25).margin(1e-6));
      }
    }
}

TEST_CASE("interpolated frame: the inner keyframe fills W * r^t in the centre, the outer crop the rest") {
  const ZoomGeometry g = make_zoom_geometry(64, 64, 2.0, 0, 3, 0);  // hard seam for a crisp edge
  const Image inner = make_image(64, 64, [](int, int, int) { return 1.0f; });
  const Image outer = make_image(64, 64, [](int, int, int) { return 0.0f; });
  for (int j = 0; j < g.frames_between; ++j) {
    const double t = double(j + 1) / (g.frames_between + 1);
    const double side = 64 * std::pow(0.5, t), x0 = (64 - side) / 2;
    const Image f = render_between(inner, outer, g, j);
    for (int x = 0; x < 64; ++x) {
      const double cx = x + 0.5;
      const bool in = cx > x0 && cx < x0 + side;
      CHECK(at(f, 0, x, 32) == (in ? 1.0f : 0.0f));
      CHECK(at(f, 2, 32, x) == (in ? 1.0f : 0.0f));
    }
  }
}

TEST_CASE("the outer crop is bilinear upsampling of the centred crop") {
  const ZoomGeometry g = make_zoom_geometry(64, 64, 2.0, 0, 1, 0);
  // A horizontal ramp stays a ramp: value = source x coordinate at the sampled point.
  const Image outer = make_image(64, 64, [](int, int x, int) { return (x + 0.5f) / 64.0f; });
  Image inner = outer;
  const Image f = render_between(inner, outer, g, 0);  // t = 1/2, crop 64 / sqrt(2)
  const double crop = 64 / std::sqrt(2.0), x0 = (64 - crop) / 2;
  for (int x = 0; x < 8; ++x) {  // left edge: outside the pasted centre
    const double u = x0 + (x + 0.5) * crop / 64;  // source position of the pixel centre
    CHECK(at(f, 0, x, 0) == Approx(u / 64).margin(1e-5));
  }
}

TEST_CASE("fit_to_frame scales to cover and crops the centre") {
  const Image wide = make_image(128, 32, [](int, int x, int) { return x < 48 || x >= 80 ? 0.0f : 1.0f; });
  const Image f = fit_to_frame(wide, 32, 32);  // the centre 32 columns, all ones
  for (float v : f.rgb) CHECK(v == Approx(1.0f));
  const Image big = fit_to_frame(wide, 64, 64);  // 2x up of the centre 32 columns
  CHECK(big.width == 64);
  CHECK(at(big, 0, 10, 10) == Approx(1.0f));
}

TEST_CASE("feather weight ramps from 0 at the edge to 1 at the feather width") {
  CHECK(feather_weight(0, 8) == 0);
  CHECK(feather_weight(4, 8) == Approx(0.5));
  CHECK(feather_weight(8, 8) == 1);
  CHECK(feather_weight(0.1, 0) == 1);
  CHECK(feather_weight(-1, 0) == 0);
}
