"""Fixtures for the zoom tests (tests/runtime_zoom_*_test.cpp), written to tests/fixtures/zoom/.

- to_u8.json: float32 values and what diffusers' numpy_to_pil makes of them,
  (np.clip(x, 0, 1) * 255).round().astype("uint8") on float32 arrays (round half to even).
- formula.png (RGB, 40x24) and grey.png (L, 40x24): pixel values from a formula the test recomputes.
- start.jpg (96x64, quality 90) and start_jpg_pil.png: the JPEG as PIL/libjpeg decodes it; the runtime's
  decoder follows libjpeg-turbo's arithmetic; the test still allows a level or two (chroma edges).

Run: /work/refenv/bin/python tools/reference/make_zoom_fixtures.py
"""
import json
import pathlib

import numpy as np
from PIL import Image

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "zoom"
out.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(3)
values = [0.0, 1.0, -0.25, 1.5, 0.5, 0.2, 0.999, 0.001, 1e-9]
values += [(k + 0.5) / 255.0 for k in range(0, 255, 17)]  # near ties
values += list(rng.uniform(-0.1, 1.1, 24))
x = np.array(values, dtype=np.float32)
u8 = (np.clip(x, 0, 1) * 255).round().astype("uint8")
json.dump({"bits": [int(v) for v in x.view(np.uint32)], "u8": [int(v) for v in u8]},
          open(out / "to_u8.json", "w"), indent=1)

w, h = 40, 24
yy, xx = np.mgrid[0:h, 0:w]
rgb = np.stack([(xx * 6) % 256, (yy * 10) % 256, (xx * 3 + yy * 7) % 256], axis=-1).astype("uint8")
Image.fromarray(rgb, "RGB").save(out / "formula.png")
Image.fromarray(((xx * 5 + yy) % 256).astype("uint8"), "L").save(out / "grey.png")

w, h = 96, 64
yy, xx = np.mgrid[0:h, 0:w]
smooth = np.stack([xx * 255 / (w - 1), yy * 255 / (h - 1), 128 + 0 * xx], axis=-1).astype("uint8")
Image.fromarray(smooth, "RGB").save(out / "start.jpg", quality=90)
Image.fromarray(np.asarray(Image.open(out / "start.jpg").convert("RGB")), "RGB").save(out / "start_jpg_pil.png")
print("wrote", sorted(p.name for p in out.iterdir()))
