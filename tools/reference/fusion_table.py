#!/usr/bin/env python3
"""The fusion savings table of docs/tiling.md from `zoomrt tiling compare --json` files.

Usage: fusion_table.py FILE.json...   (topology runs: the whole model; model runs: the unet and
vae_decoder phases). For each, `fused` against the best per-layer strategy (the lowest objective
among the others, ties broken by energy): DRAM bytes, accesses (bursts) and energy, and their change. Standard library only.
"""
import json
import sys


def rows(path):
    j = json.load(open(path))
    per_layer = [s for s in j["strategies"] if s != "fused"]
    if "phases" in j:
        for ph in j["phases"]:
            if ph["name"] in ("unet", "vae_decoder"):
                yield j, f'{j["model"]} {ph["name"]}', ph["results"], per_layer
    else:
        yield j, j["model"], j["totals"], per_layer


def value(r, objective):
    b = r["dram_bytes_read"] + r["dram_bytes_written"]
    return {"energy": r["energy_j"], "latency": r["latency_s"], "edp": r["energy_j"] * r["latency_s"],
            "accesses": r["dram_accesses"], "bytes": b}[objective]


def main():
    print("| model | NPU | objective | best per-layer | DRAM bytes | accesses | energy | DRAM energy |")
    print("|---|---|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        for j, name, res, per_layer in rows(path):
            best = min(per_layer, key=lambda s: (value(res[s], j["objective"]), res[s]["energy_j"]))
            b, f = res[best], res["fused"]
            def pct(x, y):
                return f"{100.0 * (y - x) / x:+.1f} %" if x else "-"
            bb = b["dram_bytes_read"] + b["dram_bytes_written"]
            fb = f["dram_bytes_read"] + f["dram_bytes_written"]
            # A bytes or accesses search does not minimise energy: its energies are not compared.
            energy = j["objective"] not in ("bytes", "accesses")
            e = pct(b["energy_j"], f["energy_j"]) if energy else "-"
            de = pct(b["dram_energy_j"], f["dram_energy_j"]) if energy else "-"
            print(f'| {name} | {j["npu"]} | {j["objective"]} | {best} | {bb / 2**20:.1f} -> {fb / 2**20:.1f} MiB '
                  f'({pct(bb, fb)}) | {pct(b["dram_accesses"], f["dram_accesses"])} | {e} | {de} |')


if __name__ == "__main__":
    main()
