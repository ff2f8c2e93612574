"""Fixtures for JPEG decoding (tests/runtime_image_decode_test.cpp), written to tests/fixtures/jpeg/.

Every JPEG here is encoded by Pillow (libjpeg-turbo), and <name>.rgb holds what Pillow's decoder
(libjpeg-turbo, default settings: islow IDCT, fancy upsampling) makes of it: raw interleaved
8-bit RGB, height x width x 3 (greyscale files expanded to RGB). manifest.json lists each file with
its size and kind; the test walks that list, so a new case is one line below.

- baseline 4:4:4 / 4:2:2 / 4:2:0 at quality 50..95, greyscale, odd sizes (37x23, 17x9, 1x1),
  progressive (colour and grey), restart intervals (baseline and progressive), RGB with an Adobe
  APP14 "no transform" marker (keep_rgb), and a 4:4:0 file.
- 4:4:0: Pillow cannot write it, so a 48x16 4:2:2 file gets a new SOF: 24x32 with luma sampled
  1x2. The MCU count and order stay the same (3 x 2 MCUs of two luma blocks, Cb, Cr), so it is a
  valid 4:4:0 JPEG (its picture is the same blocks rearranged), and Pillow decodes it as such.
- big_512.jpg: 512x512 4:2:0 for the speed print; only a 32x32 crop of Pillow's pixels is stored
  (big_512_crop.rgb, at x=240, y=240) plus Pillow's per-channel mean, to keep fixtures small.
- cmyk.jpg: 8x8 CMYK (Adobe), for the "unsupported" message; no pixels.

The small JPEGs are also copied into tests/fuzz/corpus/image/ as seeds (jpeg_<name>).

Run: /work/refenv/bin/python tools/reference/make_jpeg_fixtures.py
"""
import io
import json
import pathlib
import shutil

import numpy as np
from PIL import Image

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "tests" / "fixtures" / "jpeg"
seeds = root / "tests" / "fuzz" / "corpus" / "image"
out.mkdir(parents=True, exist_ok=True)


def picture(w, h, seed):
    """Smooth gradients, a disc with a hard edge, stripes and noise: all frequencies, all codes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(xx / max(w, 1) * 3.1 + yy / max(h, 1) * 1.7)
    g = 255 * yy / max(h - 1, 1)
    b = 60 + 40 * ((xx // 3 + yy // 5) % 2)
    disc = (xx - w * 0.6) ** 2 + (yy - h * 0.4) ** 2 < (min(w, h) * 0.3) ** 2
    r[disc], g[disc], b[disc] = 240, 30, 200
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encode(img, **kw):
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def make_440():
    """A valid 4:4:0 file from a 4:2:2 one (see the header)."""
    data = bytearray(encode(Image.fromarray(picture(48, 16, 7)), quality=85, subsampling=1))
    sof = data.index(b"\xff\xc0")
    assert data[sof + 5:sof + 9] == bytes([0, 16, 0, 48]) and data[sof + 11] == 0x21
    data[sof + 5:sof + 9] = bytes([0, 32, 0, 24])
    data[sof + 11] = 0x12
    return bytes(data)


# name: (kind, JPEG bytes). kind picks the tolerance in the test: 444, 422, 420, 440 or grey.
cases = {
    "q95_444": ("444", encode(Image.fromarray(picture(48, 32, 1)), quality=95, subsampling=0)),
    "q50_444": ("444", encode(Image.fromarray(picture(48, 32, 2)), quality=50, subsampling=0)),
    "q50_420": ("420", encode(Image.fromarray(picture(48, 32, 3)), quality=50, subsampling=2)),
    "q95_420": ("420", encode(Image.fromarray(picture(48, 32, 4)), quality=95, subsampling=2)),
    "q75_422": ("422", encode(Image.fromarray(picture(40, 24, 5)), quality=75, subsampling=1)),
    "grey_37x23": ("grey", encode(Image.fromarray(picture(37, 23, 6)[:, :, 1]), quality=75)),
    "odd_37x23_420": ("420", encode(Image.fromarray(picture(37, 23, 8)), quality=85, subsampling=2)),
    "odd_17x9_422": ("422", encode(Image.fromarray(picture(17, 9, 9)), quality=85, subsampling=1)),
    "odd_17x9_444": ("444", encode(Image.fromarray(picture(17, 9, 10)), quality=90, subsampling=0)),
    "one_1x1_420": ("420", encode(Image.fromarray(picture(1, 1, 11)), quality=90, subsampling=2)),
    "one_1x1_grey": ("grey", encode(Image.fromarray(picture(1, 1, 12)[:, :, 0]), quality=90)),
    "progressive_420": ("420", encode(Image.fromarray(picture(64, 48, 13)), quality=80, progressive=True)),
    "progressive_444": ("444", encode(Image.fromarray(picture(40, 32, 14)), quality=95, subsampling=0,
                                      progressive=True)),
    "progressive_grey": ("grey", encode(Image.fromarray(picture(33, 17, 15)[:, :, 2]), quality=70,
                                        progressive=True)),
    "restart_420": ("420", encode(Image.fromarray(picture(48, 40, 16)), quality=75, subsampling=2,
                                  restart_marker_blocks=2)),
    "restart_progressive": ("444", encode(Image.fromarray(picture(40, 24, 17)), quality=85, subsampling=0,
                                          progressive=True, restart_marker_rows=1)),
    "adobe_rgb": ("444", encode(Image.fromarray(picture(24, 16, 18)), quality=90, subsampling=0, keep_rgb=True)),
    "sampled_440": ("440", make_440()),
}

manifest = []
for name, (kind, data) in cases.items():
    (out / f"{name}.jpg").write_bytes(data)
    img = Image.open(io.BytesIO(data))
    rgb = np.asarray(img.convert("RGB"))
    (out / f"{name}.rgb").write_bytes(rgb.tobytes())
    manifest.append({"name": name, "kind": kind, "width": img.width, "height": img.height,
                     "progressive": bool(img.info.get("progressive", 0)), "mode": img.mode})
    shutil.copyfile(out / f"{name}.jpg", seeds / f"jpeg_{name}.jpg")

big = encode(Image.fromarray(picture(512, 512, 19)), quality=75, subsampling=2)
(out / "big_512.jpg").write_bytes(big)
big_rgb = np.asarray(Image.open(io.BytesIO(big)).convert("RGB"))
(out / "big_512_crop.rgb").write_bytes(big_rgb[240:272, 240:272].tobytes())

cmyk = Image.fromarray(picture(8, 8, 20)).convert("CMYK")
(out / "cmyk.jpg").write_bytes(encode(cmyk, quality=90))
shutil.copyfile(out / "cmyk.jpg", seeds / "jpeg_cmyk.jpg")

json.dump({"cases": manifest,
           "big_512": {"crop_x": 240, "crop_y": 240, "crop_size": 32,
                       "mean_rgb": [float(big_rgb[:, :, c].mean()) for c in range(3)]}},
          open(out / "manifest.json", "w"), indent=1)
total = sum(p.stat().st_size for p in out.iterdir())
print(f"wrote {len(list(out.iterdir()))} files, {total} bytes, to {out}")
