#!/usr/bin/env python3
"""Draws DIR/pareto.png from a finished `zoomrt sweep` (DIR/points.jsonl + DIR/pareto.json).

Every point is a dot at (average power, FPS) coloured by area; the Pareto front (FPS max, power
min, area min) is ringed, the targets are dashed lines, and the smallest point meeting the
targets is labelled. Written to a temporary name and renamed, so no half-written chart remains.

    ../sweepenv/bin/python tools/sweep/chart.py DIR
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: chart.py DIR")
    out = sys.argv[1]
    with open(os.path.join(out, "pareto.json")) as f:
        report = json.load(f)
    pts = []
    with open(os.path.join(out, "points.jsonl")) as f:
        for line in f:
            fig = json.loads(line)["figures"]
            pts.append((fig["avg_power_w"], fig["fps"], fig["area_mm2"]))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    with_area = [p for p in pts if p[2] is not None]
    sc = ax.scatter([p[0] for p in with_area], [p[1] for p in with_area], c=[p[2] for p in with_area],
                    s=12, cmap="viridis")
    fig.colorbar(sc, ax=ax, label="area (mm²)")
    front = report["front"]
    ax.scatter([e["avg_power_w"] for e in front], [e["fps"] for e in front], s=60, facecolors="none",
               edgecolors="red", label=f"Pareto front ({len(front)} points)")
    t = report["targets"]
    if "min_fps" in t:
        ax.axhline(t["min_fps"], ls="--", c="gray", label=f"min FPS {t['min_fps']}")
    if "max_avg_power_w" in t:
        ax.axvline(t["max_avg_power_w"], ls="--", c="black", label=f"max power {t['max_avg_power_w']} W")
    best = report["smallest_area_meeting_targets"]
    if best:
        ax.annotate(f"smallest meeting targets: {best['area_mm2']:.3g} mm²", (best["avg_power_w"], best["fps"]),
                    xytext=(10, -20), textcoords="offset points", arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("average power, NPU + DRAM (W)")
    ax.set_ylabel("FPS")
    ax.set_yscale("log")
    ax.set_title(f"zoomrt sweep: {len(pts)} points")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, alpha=0.3)
    tmp = os.path.join(out, f".pareto.png.tmp.{os.getpid()}")
    fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    os.replace(tmp, os.path.join(out, "pareto.png"))


if __name__ == "__main__":
    main()
