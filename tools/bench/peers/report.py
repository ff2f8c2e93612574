"""The harness's table and issue 15's targets from its records. Standard library only.

A record is one engine at one precision: {"engine", "precision", "class", "items": {work:
{"seconds", "peak_rss_kb", ...}}}. zoomrt's ratio for an item is the fastest peer of its
precision class's seconds divided by zoomrt's (above 1: zoomrt is faster)."""

import common

TARGET_RATIO = {"unet": 1.5, "vae_decode": 2.0}


def keyframe_target_seconds(item, steps):
    """The keyframe at common.TARGET_STEPS steps: measured when the run used them, else the
    measured N-step keyframe plus (25 - N) times the engine's seconds per step (stated)."""
    if item is None or "seconds" not in item:
        return None, None
    if steps == common.TARGET_STEPS:
        return item["seconds"], "measured"
    per_step = item.get("per_step_seconds")
    if per_step is None:
        return None, None
    return item["seconds"] + (common.TARGET_STEPS - steps) * per_step, \
        f"{steps}-step keyframe + {common.TARGET_STEPS - steps} x {per_step:.2f} s/step"


def fastest_peer(records, work, cls=None, key="seconds"):
    best = None
    for r in records:
        if r["engine"] == "zoomrt" or (cls and r["class"] != cls):
            continue
        it = r["items"].get(work) or {}
        s = it.get(key)
        if s is not None and (best is None or s < best[0]):
            best = (s, f'{r["engine"]} {r["precision"]}')
    return best


def add_ratios(records, work_items):
    for r in records:
        if r["engine"] != "zoomrt":
            continue
        for work in work_items:
            it = r["items"].get(work)
            if not it or "seconds" not in it:
                continue
            key = "seconds_25" if work == "keyframe" else "seconds"
            best = fastest_peer(records, work, r["class"], key)
            if best and it.get(key):
                it["fastest_peer"] = {"seconds": best[0], "engine": best[1]}
                it["ratio"] = best[0] / it[key]


def targets(records, steps):
    """Issue 15 item 2, per zoomrt precision: holds / misses by how much."""
    out = []
    for r in records:
        if r["engine"] != "zoomrt":
            continue
        for work, need in TARGET_RATIO.items():
            it = r["items"].get(work) or {}
            if "ratio" in it:
                out.append({"precision": r["precision"], "work": work, "need": f">= {need}x fastest {r['class']} peer",
                            "ratio": it["ratio"], "holds": it["ratio"] >= need,
                            "against": it["fastest_peer"]["engine"]})
        it = r["items"].get("keyframe") or {}
        if it.get("seconds_25"):
            every = fastest_peer(records, "keyframe", None, "seconds_25")
            if every:
                ratio = every[0] / it["seconds_25"]
                out.append({"precision": r["precision"], "work": "keyframe_25",
                            "need": "faster than every peer at every precision", "ratio": ratio,
                            "holds": ratio > 1.0, "against": every[1]})
    return out


def fmt_s(x):
    return "-" if x is None else f"{x:.2f}"


def table(records, work_items):
    head = ["engine", "precision", "class"]
    for w in work_items:
        head += [f"{w} s", "RSS GB"] + (["25-step s"] if w == "keyframe" else []) + ["zoomrt x"]
    rows = [head]
    for r in records:
        row = [r["engine"], r["precision"], r["class"]]
        for w in work_items:
            it = r["items"].get(w) or {}
            if "error" in it or r.get("error"):
                row += ["failed", "-"] + (["-"] if w == "keyframe" else []) + ["-"]
                continue
            s = it.get("seconds")
            rss = it.get("peak_rss_kb")
            row += [fmt_s(s) + ("*" if it.get("derived") else ""), "-" if rss is None else f"{rss / 1e6:.2f}"]
            if w == "keyframe":
                row.append(fmt_s(it.get("seconds_25")))
            row.append(f'{it["ratio"]:.2f}' if "ratio" in it else "")
        rows.append(row)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
