"""Odd-format PNG fixtures (tests/runtime_image_decode_test.cpp), written to tests/fixtures/png/.

Standard library only (zlib, struct): every file is written here byte by byte, so the encoder
under test is not the one that made them. Each <name>.png comes with <name>.rgb, the 8-bit RGB
(height x width x 3) that the rules of runtime/media/decoders.h give, computed here from the
sample values, not by any decoder:
- 16-bit samples keep their high byte (v >> 8),
- 1/2/4-bit grey is scaled by bit replication (v * 255 / (2^depth - 1)),
- palettes are looked up, grey is copied to R, G and B,
- alpha (a channel or a tRNS chunk) is dropped; gAMA is not applied.
Those are the rules stb_image followed, which decoded start images before libpng.
Kinds: 16-bit RGB, 16-bit grey + alpha, 8-bit RGBA, grey at 1, 2 and 4 bits, palette at 4 bits
with tRNS and at 8 bits, 16-bit grey with tRNS and a gAMA chunk, Adam7-interlaced RGB, RGBA
split over three IDAT chunks. manifest.json lists them; the test walks that list. The PNGs are
also copied into tests/fuzz/corpus/image/ as seeds (png_<name>.png).

Run: python3 tools/reference/make_png_fixtures.py
"""
import json
import pathlib
import struct
import zlib

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "tests" / "fixtures" / "png"

GREY, RGB, PALETTE, GREY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GREY: 1, RGB: 3, PALETTE: 1, GREY_ALPHA: 2, RGBA: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, depth):
    """One scanline's bytes for `samples` at `depth` bits each (big-endian, MSB first)."""
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    per = 8 // depth
    row = bytearray()
    for i in range(0, len(samples), per):
        byte = 0
        group = samples[i:i + per]
        for k, s in enumerate(group):
            byte |= s << (8 - depth * (k + 1))
        row.append(byte)
    return bytes(row)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def raw_data(pixels, w, h, ctype, depth, interlaced):
    """Filter-type-0 scanlines; `pixels[y][x]` is a tuple of samples."""
    rows = []
    if not interlaced:
        passes = [(0, 0, 1, 1)]
    else:
        passes = ADAM7
    for x0, y0, dx, dy in passes:
        for y in range(y0, h, dy):
            xs = list(range(x0, w, dx))
            if not xs:
                continue
            samples = [s for x in xs for s in pixels[y][x]]
            rows.append(b"\x00" + pack_row(samples, depth))
    return b"".join(rows)


def png(w, h, ctype, depth, pixels, interlaced=False, extra=(), idat_parts=1):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlaced else 0)
    data = zlib.compress(raw_data(pixels, w, h, ctype, depth, interlaced), 9)
    parts = [data[len(data) * i // idat_parts:len(data) * (i + 1) // idat_parts] for i in range(idat_parts)]
    body = chunk(b"IHDR", ihdr) + b"".join(chunk(k, d) for k, d in extra)
    body += b"".join(chunk(b"IDAT", p) for p in parts) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def sample(x, y, c, top):
    return (x * 37 + y * 101 + c * 59 + x * y * 13) % (top + 1)


cases = []


def add(name, w, h, ctype, depth, to_rgb, palette=None, **kw):
    n = CHANNELS[ctype]
    top = (1 << depth) - 1 if ctype != PALETTE else len(palette) - 1
    pixels = [[tuple(sample(x, y, c, top) for c in range(n)) for x in range(w)] for y in range(h)]
    extra = list(kw.pop("extra", []))
    if palette is not None:
        extra.insert(0, (b"PLTE", b"".join(bytes(p) for p in palette)))
    data = png(w, h, ctype, depth, pixels, extra=extra, **kw)
    (out / f"{name}.png").write_bytes(data)
    (root / "tests" / "fuzz" / "corpus" / "image" / f"png_{name}.png").write_bytes(data)
    rgb = bytes(v for row in pixels for px in row for v in to_rgb(px))
    (out / f"{name}.rgb").write_bytes(rgb)
    cases.append({"name": name, "width": w, "height": h, "color_type": ctype, "bit_depth": depth,
                  "interlaced": bool(kw.get("interlaced", False))})


def grey_scaled(depth):
    return lambda px: [px[0] * 255 // ((1 << depth) - 1)] * 3


def main():
    out.mkdir(parents=True, exist_ok=True)
    palette16 = [((i * 53) % 256, (i * 97 + 11) % 256, (255 - i * 16) % 256) for i in range(16)]
    palette256 = [((i * 7) % 256, (i * 13 + 5) % 256, (i * 29 + 3) % 256) for i in range(256)]
    add("rgb16", 23, 11, RGB, 16, lambda px: [v >> 8 for v in px])
    add("grey_alpha16", 19, 7, GREY_ALPHA, 16, lambda px: [px[0] >> 8] * 3)
    add("rgba8", 21, 9, RGBA, 8, lambda px: list(px[:3]))
    add("grey1", 19, 5, GREY, 1, grey_scaled(1))
    add("grey2", 17, 6, GREY, 2, grey_scaled(2))
    add("grey4", 13, 7, GREY, 4, grey_scaled(4))
    add("palette4_trns", 15, 8, PALETTE, 4, lambda px: list(palette16[px[0]]), palette=palette16,
        extra=[(b"tRNS", bytes(range(0, 160, 10)))])
    add("palette8", 29, 6, PALETTE, 8, lambda px: list(palette256[px[0]]), palette=palette256)
    add("grey16_trns_gama", 11, 9, GREY, 16, lambda px: [px[0] >> 8] * 3,
        extra=[(b"gAMA", struct.pack(">I", 100000)), (b"tRNS", struct.pack(">H", 1234))])
    add("interlaced_rgb8", 27, 19, RGB, 8, lambda px: list(px), interlaced=True)
    add("rgba8_three_idat", 16, 12, RGBA, 8, lambda px: list(px[:3]), idat_parts=3)
    (out / "manifest.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")


main()
