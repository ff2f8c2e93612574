"""`zoomrt sweep`: every point at (average power, FPS) coloured by area, the Pareto front (FPS max,
power min, area min) ringed, the targets dashed, the smallest point meeting them labelled.

Input: a finished sweep's folder (points.jsonl: figures.fps, .avg_power_w, .area_mm2 per line;
pareto.json: front, targets, smallest_area_meeting_targets).
"""
import os

from common import ChartInputError, need, number, read_json, read_jsonl, spans_decades


def load(directory):
    if not os.path.isdir(directory):
        raise ChartInputError(f"{directory}: not a sweep folder (points.jsonl, pareto.json)")
    return {"report": read_json(os.path.join(directory, "pareto.json")),
            "points": read_jsonl(os.path.join(directory, "points.jsonl")), "dir": directory}


def draw(plt, fig, ax, data, where):
    report, lines = data["report"], data["points"]
    pts = []
    for n, line in enumerate(lines, 1):
        f = need(line, "figures", f"{where}/points.jsonl: line {n}")
        at = f"{where}/points.jsonl: line {n}: figures"
        area = f.get("area_mm2")
        pts.append((number(f, "avg_power_w", at), number(f, "fps", at), None if area is None else number(f, "area_mm2", at)))
    if not pts:
        raise ChartInputError(f"{where}/points.jsonl: no points")
    with_area = [p for p in pts if p[2] is not None]
    without = [p for p in pts if p[2] is None]
    if with_area:
        sc = ax.scatter([p[0] for p in with_area], [p[1] for p in with_area], c=[p[2] for p in with_area], s=14,
                        cmap="viridis", label=f"points ({len(pts)})")
        fig.colorbar(sc, ax=ax, label="area (mm²)")
    if without:
        ax.scatter([p[0] for p in without], [p[1] for p in without], s=14, c="0.5", label="points without area")
    front = need(report, "front", f"{where}/pareto.json")
    ax.scatter([number(e, "avg_power_w", f"{where}/pareto.json: front") for e in front],
               [number(e, "fps", f"{where}/pareto.json: front") for e in front], s=70, facecolors="none",
               edgecolors="red", linewidths=1.3, label=f"Pareto front ({len(front)} points)")
    t = report.get("targets") or {}
    if "min_fps" in t:
        ax.axhline(t["min_fps"], ls="--", c="gray", label=f"target: at least {t['min_fps']:g} FPS")
    if "max_avg_power_w" in t:
        ax.axvline(t["max_avg_power_w"], ls="--", c="black", label=f"target: at most {t['max_avg_power_w']:g} W")
    best = report.get("smallest_area_meeting_targets")
    if best:
        ax.annotate(f"smallest meeting the targets: {best['area_mm2']:.3g} mm²", (best["avg_power_w"], best["fps"]),
                    xytext=(12, -22), textcoords="offset points", fontsize=9, arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("average power, NPU + DRAM (W)")
    ax.set_ylabel("frames per second (FPS)")
    if spans_decades([p[1] for p in pts], 1):
        ax.set_yscale("log")
    if spans_decades([p[0] for p in pts], 1):
        ax.set_xscale("log")
    ax.set_title(f"zoomrt sweep: {len(pts)} points, {len(front)} on the Pareto front over FPS, power and area")
    ax.legend(loc="lower right", fontsize=9)
    ax.grid(True, alpha=0.3)
