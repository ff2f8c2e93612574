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
            # What the target rate would need against the point's peaks: MACs at the top V-F point
            # (the dtype's macs_per_cycle), DRAM bytes at the data bus rate (2 transfers per tCK).
            top_mhz = n["power"]["vf"][-1]["freq_mhz"]
            mac_rate = n["array"]["macs_per_cycle"]["int4" if r["dtype"].startswith("int4") else "int8"] * top_mhz * 1e6
            dram_bytes = (f["dram"]["bytes_read"] + f["dram"]["bytes_written"]) / f["frames"]
            dram_rate = n["dram"]["channels"] * n["dram"]["bus_bits"] / 8 * 2 / (n["dram"]["tck_ns"] * 1e-9)
            print(f"  {name}: {n['array']['rows']}x{n['array']['cols']} PEs, SRAM {n['sram']['bytes'] / 2**20:g} MiB, "
                  f"{n['dram']['channels']} DRAM channels, {r['power_policy']} cap {r['power_cap']} W: "
                  f"{f['fps']:.4g} FPS, {f['avg_power_w']:.4g} W, {f['area_mm2']:.4g} mm²; "
                  f"{e_frame:.4g} J/frame (MAC {mac_frame:.4g}, DRAM {f['energy_j']['dram'] / f['frames']:.4g}) "
                  f"vs budget {budget:.4g} J/frame; {f['total_macs'] / f['frames']:.4g} MACs/frame "
                  f"(x {fps_t} FPS = {f['total_macs'] / f['frames'] * fps_t / mac_rate:.3g} x peak MAC rate); "
                  f"{dram_bytes:.4g} DRAM B/frame (x {fps_t} FPS = {dram_bytes * fps_t / dram_rate:.3g} x peak DRAM rate)")


if __name__ == "__main__":
    main()
