#!/usr/bin/env python3
"""Per-dtype answer of a finished sweep (docs/sweep.md "The seed's question"): for each run.dtype,
the smallest point meeting the targets, or else the point closest to them, with what bounds it.

    python3 tools/sweep/summarize.py DIR        (standard library only)

"Closest" = the highest FPS among points within the power target (or the lowest-power point if
none is). The bound is read from the figures: energy per frame against the budget
max_avg_power_w / min_fps (and the MAC share of it, which no array size changes), and FPS
against the target.
"""
import json
import os
import sys


def main():
    out = sys.argv[1]
    targets = json.load(open(os.path.join(out, "pareto.json")))["targets"]
    fps_t, w_t = targets.get("min_fps", 0), targets.get("max_avg_power_w", float("inf"))
    by_dtype = {}
    for line in open(os.path.join(out, "points.jsonl")):
        p = json.loads(line)
        by_dtype.setdefault(p["config"]["run"]["dtype"], []).append(p)
    budget = w_t / fps_t if fps_t else float("inf")
    for dtype, pts in sorted(by_dtype.items()):
        meet = [p for p in pts if p["figures"]["fps"] >= fps_t and p["figures"]["avg_power_w"] <= w_t]
        print(f"{dtype}: {len(pts)} points, {len(meet)} meet {fps_t} FPS under {w_t} W")
        if meet:
            best = min(meet, key=lambda p: p["figures"]["area_mm2"])
            label = "smallest meeting the targets"
        else:
            within = [p for p in pts if p["figures"]["avg_power_w"] <= w_t]
            best = max(within, key=lambda p: p["figures"]["fps"]) if within else \
                min(pts, key=lambda p: p["figures"]["avg_power_w"])
            label = "highest FPS within the power target" if within else "lowest power"
        fastest = max(pts, key=lambda p: p["figures"]["fps"])
        for name, p in ((label, best), ("highest FPS at any power", fastest)):
            f, n, r = p["figures"], p["config"]["npu"], p["config"]["run"]
            e_frame = f["energy_j"]["total"] / f["frames"]
            mac_frame = f["energy_j"]["mac"] / f["frames"]
            print(f"  {name}: {n['array']['rows']}x{n['array']['cols']} PEs, SRAM {n['sram']['bytes'] / 2**20:g} MiB, "
                  f"{n['dram']['channels']} DRAM channels, {r['power_policy']} cap {r['power_cap']} W: "
                  f"{f['fps']:.4g} FPS, {f['avg_power_w']:.4g} W, {f['area_mm2']:.4g} mm²; "
                  f"{e_frame:.4g} J/frame (MAC {mac_frame:.4g}, DRAM {f['energy_j']['dram'] / f['frames']:.4g}) "
                  f"vs budget {budget:.4g} J/frame; {f['total_macs'] / f['frames']:.4g} MACs/frame")


if __name__ == "__main__":
    main()
