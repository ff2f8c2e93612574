#!/usr/bin/env python3
"""Run SCALE-Sim (pip scalesim==3.0.0) on three configs with their own SRAM sizes and keep the cycles.

Fixture for the tiling-search test: on SCALE-Sim configs and topologies, where a tiling that folds
exactly like SCALE-Sim fits the SRAM, the exhaustive search with the latency objective must report
SCALE-Sim's compute cycles within 1 %.

Venv (outside the repo; these are the versions the committed fixture was made with, Python 3.11.7):
  python3 -m venv /work/scalesim-env && /work/scalesim-env/bin/pip install scalesim==3.0.0
  -> scalesim 3.0.0, numpy 2.4.6, pandas 3.1.1, tqdm 4.70.1, configparser 7.3.0, absl-py 2.5.1
     (matplotlib 3.11.2, numba 0.68.1 come along; scalesim imports neither on this path)
  (tools/reference/setup_venv.sh's ../refenv also has scalesim 3.0.0 + numpy 2.4.6 and works too.)
Usage (from the repo root):
  /work/scalesim-env/bin/python tools/reference/scalesim_tiled_fixtures.py

Writes (all under tests/fixtures/sim/):
  scalesim_tiled/<config>.cfg   the exact .cfg each config was run with (SCALE-Sim reads these files;
                                zoomrt::sim::parse_scalesim_cfg reads the same keys)
  scalesim_tiled/conv.csv       the conv topology as run: SCALE-Sim's 8-column conv format (no Groups /
  scalesim_tiled/gemm.csv       Padding columns: SCALE-Sim 3.0.0 would read them as a sparsity ratio),
                                and the GEMM format "Layer, M, N, K,"; both load with
                                zoomrt::sched::load_topology (conv: groups 1, padding 0, as SCALE-Sim)
  scalesim_tiled.csv            one row per (config, layer):
    config,dataflow,rows,cols,ifmap_kb,filter_kb,ofmap_kb,layer,kind,
    ifmap_h,ifmap_w,filter_h,filter_w,channels,filters,stride,m,n,k,
    total_cycles,stall_cycles,compute_util
  kind = conv or gemm. For gemm rows the conv columns hold SCALE-Sim 3.0.0's own GEMM-to-conv mapping
  (topology_utils.load_arrays_gemm): ifmap_h = M, ifmap_w = K, filter_h = 1, filter_w = K,
  channels = 1, filters = N, stride = 1, i.e. an M x 1 output of N channels with a K-long window.
  m, n, k are SCALE-Sim's GEMM view: m = output pixels (conv) or M, n = filters or N,
  k = filter_h * filter_w * channels or K. total_cycles, stall_cycles and compute_util are
  COMPUTE_REPORT.csv's "Total Cycles", "Stall Cycles" and "Compute Util %" verbatim.

SCALE-Sim is deterministic here (no sparsity, no Ramulator); rerunning rewrites the same bytes.
"""
import csv
import math
import os
import sys
import tempfile

from scalesim.scale_sim import scalesim

from scalesim_common import cfg_text



HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "fixtures", "sim"))
OUT_CSV = os.path.join(FIX, "scalesim_tiled.csv")
OUT_DIR = os.path.join(FIX, "scalesim_tiled")


# name, rows (ArrayHeight), cols (ArrayWidth), dataflow, ifmap / filter / ofmap SRAM KiB
CONFIGS = [
    ("is16", 16, 16, "is", 32, 32, 16),
    ("os48x24", 48, 24, "os", 64, 64, 32),
    ("ws128", 128, 128, "ws", 512, 512, 256),
]

# name, ifmap h, ifmap w, filter h, filter w, channels, filters, stride (SCALE-Sim conv format,
# no padding). Names must not contain "DP": SCALE-Sim 3.0.0 splits such layers per channel.
# SCALE-Sim 3.0.0 computes the output size as ceil((H - R + S) / S), which is one more than the
# usual floor((H - R) / S) + 1 whenever S does not divide H - R (32x32, 3x3, stride 2 gives 16x16,
# not 15x15: the extra row/column reads past the ifmap). The stride-2 layers below use 31x31 and 27x27
# so that both formulas agree; main() checks that for every layer.
CONV_LAYERS = [
    ("stem3x3", 32, 32, 3, 3, 3, 16, 1),      # 30x30 out, k 27
    ("res3x3", 16, 16, 3, 3, 32, 32, 1),      # 14x14 out, k 288
    ("down3x3_s2", 31, 31, 3, 3, 16, 32, 2),  # 15x15 out, k 144
    ("pw_expand", 14, 14, 1, 1, 24, 96, 1),   # 196 out, k 24
    ("proj1x1_s2", 27, 27, 1, 1, 64, 128, 2),  # 14x14 out, k 64
    ("res3x3_deep", 9, 9, 3, 3, 128, 64, 1),  # 7x7 out, k 1152
]
# name, M, N, K (SCALE-Sim GEMM format: an M x K input times K x N weights -> M x N)
GEMM_LAYERS = [
    ("vit_qkv", 197, 150, 64),
    ("g64x96x200", 64, 96, 200),
    ("g300x40x72", 300, 40, 72),
    ("g128cube", 128, 128, 128),
    ("g50x500x30", 50, 500, 30),
]

CONV_HEADER = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
               "Num Filter, Strides,\n")
GEMM_HEADER = "Layer, M, N, K,\n"


def conv_cols(layer, kind):
    """(ifmap_h, ifmap_w, filter_h, filter_w, channels, filters, stride) as SCALE-Sim sees the layer."""
    if kind == "conv":
        return tuple(layer[1:8])
    _, m, n, k = layer
    return (m, k, 1, k, 1, n, 1)  # topology_utils.load_arrays_gemm


def mnk(layer, kind):
    if kind == "gemm":
        return tuple(layer[1:4])
    _, h, w, fh, fw, c, nf, s = layer
    p = (h - fh) // s + 1
    q = (w - fw) // s + 1
    # topology_utils.topo_calc_hyperparams
    p_ss = math.ceil((h - fh + s) / s)
    q_ss = math.ceil((w - fw + s) / s)
    if (p, q) != (p_ss, q_ss):
        sys.exit(f"{layer[0]}: SCALE-Sim would make a {p_ss}x{q_ss} output, not {p}x{q}; "
                 "pick H - R and W - S divisible by the stride")
    return p * q, nf, fh * fw * c


def write_inputs():
    os.makedirs(OUT_DIR, exist_ok=True)
    cfg_paths = {}
    for name, rows, cols, df, ikb, fkb, okb in CONFIGS:
        path = os.path.join(OUT_DIR, name + ".cfg")
        with open(path, "w") as f:
            f.write(cfg_text(name, rows, cols, df, ikb, fkb, okb))
        cfg_paths[name] = path
    topo = {"conv": os.path.join(OUT_DIR, "conv.csv"), "gemm": os.path.join(OUT_DIR, "gemm.csv")}
    with open(topo["conv"], "w") as f:
        f.write(CONV_HEADER)
        for l in CONV_LAYERS:
            f.write(", ".join(str(x) for x in l) + ",\n")
    with open(topo["gemm"], "w") as f:
        f.write(GEMM_HEADER)
        for l in GEMM_LAYERS:
            f.write(", ".join(str(x) for x in l) + ",\n")
    return cfg_paths, topo


def run_one(tmp, cfg, cfg_path, topo_path, kind):
    """Runs SCALE-Sim on one (config, topology file); returns COMPUTE_REPORT.csv as dicts."""
    name = cfg[0]
    layout_path = os.path.join(tmp, "layout.csv")  # required by scalesim 3; unused without custom layouts
    with open(layout_path, "w") as lf:
        lf.write(CONV_HEADER)
        for l in CONV_LAYERS:
            lf.write(", ".join(str(x) for x in l) + ",\n")
    out_dir = os.path.join(tmp, f"out_{name}_{kind}")
    sim = scalesim(save_disk_space=True, verbose=False, config=cfg_path, topology=topo_path,
                   layout=layout_path, input_type_gemm=(kind == "gemm"))
    sim.run_scale(top_path=out_dir)
    with open(os.path.join(out_dir, name, "COMPUTE_REPORT.csv")) as f:
        rep = list(csv.reader(f))
    header = [h.strip() for h in rep[0]]
    return [dict(zip(header, [v.strip() for v in row])) for row in rep[1:] if any(v.strip() for v in row)]


def fold_estimate(df, rows, cols, m, n, k):
    """SCALE-Sim 3.0.0's mapping (S_r, S_c, T) per dataflow and its demand-matrix length.

    R x C = ArrayHeight x ArrayWidth, folds = ceil(S_r / R) * ceil(S_c / C), folds run back to back:
      os: S_r = m, S_c = n, T = k; a fold is T + (C - 1) drain + (R - 1) skew = T + R + C - 2 cycles
      ws: S_r = k, S_c = n, T = m; is: S_r = k, S_c = m, T = n; a fold also has R cycles of
          stationary-operand fill first: T + 2R + C - 2
    and the reported Total Cycles (last ofmap write's cycle, counted from 0) are that sum minus 1.
    """
    sr, sc, t = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[df]
    folds = math.ceil(sr / rows) * math.ceil(sc / cols)
    per_fold = t + rows + cols - 2 + (rows if df in ("ws", "is") else 0)
    return folds, folds * per_fold - 1


def main():
    cfg_paths, topo = write_inputs()
    results = []
    off = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in CONFIGS:
            name, rows, cols, df, ikb, fkb, okb = cfg
            for kind, layers in (("conv", CONV_LAYERS), ("gemm", GEMM_LAYERS)):
                rep = run_one(tmp, cfg, cfg_paths[name], topo[kind], kind)
                if len(rep) != len(layers):
                    sys.exit(f"{name}/{kind}: {len(rep)} report rows for {len(layers)} layers")
                for layer, vals in zip(layers, rep):
                    if vals["LayerID"] != str(layers.index(layer)):
                        sys.exit(f"{name}/{kind}: unexpected LayerID {vals['LayerID']}")
                    m, n, k = mnk(layer, kind)
                    total = int(vals["Total Cycles"])
                    stall = int(vals["Stall Cycles"])
                    folds, est = fold_estimate(df, rows, cols, m, n, k)
                    print(f"{name:8s} {kind} {layer[0]:12s} m={m:4d} n={n:4d} k={k:5d} folds={folds:3d} "
                          f"total={total:7d} stall={stall:5d} fold_formula={est:7d} "
                          f"ratio={total / est:.4f}", file=sys.stderr)
                    off += total != est or stall != 0
                    if total <= 0:
                        sys.exit(f"{name}/{layer[0]}: total cycles {total}")
                    results.append([name, df, rows, cols, ikb, fkb, okb, layer[0], kind,
                                    *conv_cols(layer, kind), m, n, k, total, stall,
                                    vals["Compute Util %"]])
    with open(OUT_CSV, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["config", "dataflow", "rows", "cols", "ifmap_kb", "filter_kb", "ofmap_kb", "layer",
                    "kind", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "filters",
                    "stride", "m", "n", "k", "total_cycles", "stall_cycles", "compute_util"])
        w.writerows(results)
    print(f"wrote {len(results)} rows to {OUT_CSV}; {off} differ from the fold formula "
          "or have stall cycles", file=sys.stderr)


if __name__ == "__main__":
    main()
