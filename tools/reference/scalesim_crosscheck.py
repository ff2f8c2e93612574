#!/usr/bin/env python3
"""Run SCALE-Sim (pip scalesim, tested with 3.0.0) on a few conv and GEMM layers and keep its COMPUTE_REPORT rows as fixtures.

Writes tests/fixtures/sim/scalesim_compute.csv with one row per (config, layer):
  config,dataflow,rows,cols,layer,m,n,k,total_cycles,stall_cycles,overall_util,mapping_eff,compute_util
where m = output pixels, n = filters, k = window (R*S*C) as SCALE-Sim maps a conv to a GEMM.
The configs follow SCALE-Sim's samples: scale.cfg (32x32 os, 64 KiB per SRAM) and google.cfg
(256x256 ws); plus the 32x32 array in ws and is so every dataflow is covered.
Usage: /work/refenv/bin/python tools/reference/scalesim_crosscheck.py
"""
import csv
import os
import sys
import tempfile


from scalesim.scale_sim import scalesim

from scalesim_common import cfg_text



HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "fixtures", "sim", "scalesim_compute.csv")


# name, ifmap h, ifmap w, filter h, filter w, channels, filters, stride (SCALE-Sim conv format)
CONV_LAYERS = [
    ("conv_a", 16, 16, 3, 3, 8, 16, 1),
    ("conv_b", 15, 15, 3, 3, 3, 40, 2),
    ("conv_c", 9, 9, 1, 1, 64, 24, 1),
    ("conv_d", 12, 12, 5, 5, 4, 70, 1),
    ("conv_e", 20, 20, 3, 3, 16, 33, 1),
]
# name, M, N, K (SCALE-Sim GEMM format: M x K input times K x N weights)
GEMM_LAYERS = [
    ("gemm_a", 77, 64, 48),
    ("gemm_b", 40, 130, 33),
    ("gemm_c", 256, 10, 96),
]
CONFIGS = [  # name, rows, cols, df, sram KiB
    ("scale", 32, 32, "os", 64),
    ("scale_ws", 32, 32, "ws", 64),
    ("scale_is", 32, 32, "is", 64),
    ("google", 256, 256, "ws", 6144),
]


def gemm_of(layer):
    _, h, w, fh, fw, c, k, s = layer
    p = (h - fh) // s + 1
    q = (w - fw) // s + 1
    return p * q, k, fh * fw * c


def run_config(tmp, cfg, gemm):
    name, rows, cols, df, kb = cfg
    cfg_path = os.path.join(tmp, name + ".cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg_text(name, rows, cols, df, kb, kb, kb))
    topo_path = os.path.join(tmp, "topo.csv")
    layout_path = os.path.join(tmp, "layout.csv")  # required by scalesim 3, unused without custom layouts
    with open(topo_path, "w") as f, open(layout_path, "w") as lf:
        lf.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
        for l in CONV_LAYERS:
            lf.write(", ".join(str(x) for x in l) + ",\n")
        if gemm:
            f.write("Layer, M, N, K,\n")
            for l in GEMM_LAYERS:
                f.write(", ".join(str(x) for x in l) + ",\n")
        else:
            f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
            for l in CONV_LAYERS:
                f.write(", ".join(str(x) for x in l) + ",\n")
    out_dir = os.path.join(tmp, "out_" + name + ("_gemm" if gemm else ""))
    sim = scalesim(save_disk_space=True, verbose=False, config=cfg_path, topology=topo_path,
                   layout=layout_path, input_type_gemm=gemm)
    sim.run_scale(top_path=out_dir)
    report = os.path.join(out_dir, name, "COMPUTE_REPORT.csv")
    with open(report) as f:
        rows_out = [r for r in csv.reader(f)]
    return rows_out


def report_rows(tmp, cfg, gemm):
    rep = run_config(tmp, cfg, gemm)
    header = [h.strip() for h in rep[0]]
    out = []
    for li, row in enumerate(rep[1:]):
        vals = dict(zip(header, [v.strip() for v in row]))
        if gemm:
            lname, m, n, k = GEMM_LAYERS[li]
        else:
            lname = CONV_LAYERS[li][0]
            m, n, k = gemm_of(CONV_LAYERS[li])
        out.append([cfg[0], cfg[3], cfg[1], cfg[2], lname, m, n, k, vals["Total Cycles"],
                    vals["Stall Cycles"], vals["Overall Util %"], vals["Mapping Efficiency %"],
                    vals["Compute Util %"]])
    return out


def main():
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in CONFIGS:
            for gemm in (False, True):
                results += report_rows(tmp, cfg, gemm)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["config", "dataflow", "rows", "cols", "layer", "m", "n", "k", "total_cycles",
                    "stall_cycles", "overall_util", "mapping_eff", "compute_util"])
        w.writerows(results)
    print(f"wrote {len(results)} rows to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
