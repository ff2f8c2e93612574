"""The harness's table and issue 15's targets from its records. Standard library only.

A record is one engine at one precision: {"engine", "precision", "class", "items": {work:
{"seconds", "peak_rss_kb", ...}}}. zoomrt's ratio for an item is the fastest peer of its
precision class's seconds divided by zoomrt's (above 1: zoomrt is faster)."""

import common

TARGET_RATIO = {"unet": 1.5, "vae_decode": 2.0}


def keyframe_target_seconds(item, steps, key="seconds"):
    """The keyframe at common.TARGET_STEPS steps: measured when the run used them, else the
    measured N-step keyframe plus (25 - N) times the engine's seconds per step (stated).
    key: "seconds" (wall) or "cpu_seconds" (process CPU, per-step figure per_step_cpu_seconds)."""
    if item is None or item.get(key) is None:
        return None, None
    if steps == common.TARGET_STEPS:
        return item[key], "measured"
    per_step = item.get("per_step_" + key)
    if per_step is None:
        return None, None
    return item[key] + (common.TARGET_STEPS - steps) * per_step, \
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
    """ratio: on wall seconds; ratio_cpu: on process CPU seconds (the figure a loaded machine
    disturbs least), against the peer fastest by that measure."""
    for r in records:
        if r["engine"] != "zoomrt":
            continue
        for work in work_items:
            it = r["items"].get(work)
            if not it or "seconds" not in it:
                continue
            for key, name in (("seconds", "ratio"), ("cpu_seconds", "ratio_cpu")):
                if work == "keyframe":
                    key = key + "_25"
                best = fastest_peer(records, work, r["class"], key)
                if best and it.get(key):
                    it["fastest_peer" + name[5:]] = {key: best[0], "engine": best[1]}
                    it[name] = best[0] / it[key]


def targets(records, steps):
    """Issue 15 item 2, per zoomrt precision: holds / misses by how much."""
    out = []
    for r in records:
        if r["engine"] != "zoomrt":
            continue
        for work, need in TARGET_RATIO.items():
            it = r["items"].get(work) or {}
            for name in ("ratio", "ratio_cpu"):
                if name in it:
                    out.append({"precision": r["precision"], "work": work, "basis": name[6:] or "wall",
                                "need": f">= {need}x fastest {r['class']} peer", "ratio": it[name],
                                "holds": it[name] >= need, "against": it["fastest_peer" + name[5:]]["engine"]})
        it = r["items"].get("keyframe") or {}
        for key, basis in (("seconds_25", "wall"), ("cpu_seconds_25", "cpu")):
            every = fastest_peer(records, "keyframe", None, key) if it.get(key) else None
            if every:
                ratio = every[0] / it[key]
                out.append({"precision": r["precision"], "work": "keyframe_25", "basis": basis,
                            "need": "faster than every peer at every precision", "ratio": ratio,
                            "holds": ratio > 1.0, "against": every[1]})
    return out


def fmt_s(x):
    return "-" if x is None else f"{x:.2f}"


def pair(a, b, f=fmt_s):
    return f"{f(a)}/{f(b)}"


def table(records, work_items):
    """Per item: wall seconds / process CPU seconds divided by the threads (what the item would
    take on 2 idle cores if both were busy throughout), peak RSS, zoomrt's ratio wall/cpu."""
    head = ["engine", "precision", "class"]
    for w in work_items:
        head += [f"{w} s wall/cpu2", "RSS GB"] + (["25-step s wall/cpu2"] if w == "keyframe" else []) + ["zoomrt x"]
    rows = [head]
    per_thread = lambda x: None if x is None else x / common.THREADS
    ratio = lambda x: "-" if x is None else f"{x:.2f}"
    for r in records:
        row = [r["engine"], r["precision"], r["class"]]
        for w in work_items:
            it = r["items"].get(w) or {}
            if "error" in it or r.get("error"):
                row += ["failed", "-"] + (["-"] if w == "keyframe" else []) + ["-"]
                continue
            rss = it.get("peak_rss_kb")
            row += [pair(it.get("seconds"), per_thread(it.get("cpu_seconds"))) + ("*" if it.get("derived") else ""),
                    "-" if rss is None else f"{rss / 1e6:.2f}"]
            if w == "keyframe":
                row.append(pair(it.get("seconds_25"), per_thread(it.get("cpu_seconds_25"))))
            row.append(pair(it.get("ratio"), it.get("ratio_cpu"), ratio) if r["engine"] == "zoomrt" else "")
        rows.append(row)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
