#!/usr/bin/env python3
"""DRAMsim3 statistics for DRAM traces written by `zoomrt sim --dram-trace` (issue 12 item 4).

For each case below: run zoomrt to write the trace (deterministic), write a DRAMsim3 .ini that
matches the NPU preset's DRAM (sim/presets/<npu>.json), replay the trace in DRAMsim3 for the
cycles it needs to finish every request, and keep its statistics. Output (committed):
  tests/fixtures/sim/dramsim3/<npu>.ini        the DRAMsim3 configuration
  tests/fixtures/sim/dramsim3/stats.json       per case: the zoomrt command, a fingerprint of the
                                               trace (lines, FNV-1a 64 of its text, last cycle)
                                               and DRAMsim3's counters and energies
The traces themselves are not committed (tens of MB); tests/cli_sim_dramsim3_test.cpp writes
them again with the same command, checks the fingerprint, and replays them in sim::DramModel.

DRAMsim3 is not part of zoomrt and is never built in this tree. To get a binary:
  git clone https://github.com/umd-memsys/DRAMsim3 && cd DRAMsim3
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target dramsim3main
  (the figures committed here: DRAMsim3 at commit 2981759, "fix DTHERMAL compile error")
Then, from the repository root:
  python3 tools/reference/dramsim3_fixtures.py --dramsim3 /path/to/DRAMsim3/build/dramsim3main \
      --dramsim3-src /path/to/DRAMsim3 --zoomrt build/tools/zoomrt

What the .ini takes from the preset: channels, ranks (through channel_size), bank groups, banks
per group, rows, columns (device columns: row_bytes * 8 / device_width), device width, bus width,
BL (burst_bytes * 8 / bus_bits), tCK, CL, tRCD, tRP, tRAS, tFAW, tRFC, tREFI, VDD, IDD0, IDD2N,
IDD3N, IDD4R, IDD4W, IDD5AB, the address mapping (same fields, same order) and open page.
What the preset does not have is taken from DRAMsim3's own LPDDR4_8Gb_x16_2400.ini (CWL, tRRD,
tWTR, tWR, tRTP, tCCD_S/L, tPPD, tCKE, tXP, ..., IDD2P/IDD3P/IDD6x, queue sizes), and is listed
in the "differences" field of stats.json and in docs/sim.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "sim", "dramsim3")

# name -> zoomrt sim arguments (the trace cap included). Kept in step with the test.
CASES = [
    ("vgg16_ws", ["--model", "vgg16", "--strategy", "weight-stationary", "--dram-ranges", "0",
                  "--dram-trace-lines", "300000"]),
    ("vgg16_os", ["--model", "vgg16", "--strategy", "output-stationary", "--dram-ranges", "0",
                  "--dram-trace-lines", "300000"]),
    ("vgg16_romanet", ["--model", "vgg16", "--strategy", "romanet", "--dram-ranges", "0",
                       "--dram-trace-lines", "300000"]),
    # --packed-addresses: every layer from address 0, as before the model's DRAM allocation; the
    # next case is the same run at its planned addresses (the default).
    ("tiny_unet_adaptive", ["--model", "tiny", "--strategy", "adaptive",
                            "--dram-trace-lines", "300000", "--packed-addresses"]),
    ("tiny_unet_adaptive_planned", ["--model", "tiny", "--strategy", "adaptive",
                                    "--dram-trace-lines", "300000"]),
    # The fused strategy's layouts: chains run row tile by row tile (docs/tiling.md).
    ("vgg16_fused", ["--model", "vgg16", "--strategy", "fused", "--dram-ranges", "0",
                     "--dram-trace-lines", "300000"]),
    ("tiny_unet_fused", ["--model", "tiny", "--strategy", "fused", "--dram-trace-lines", "300000"]),
]
NPU = "phone-npu"
NO_REFRESH_TREFI = 100000000  # cycles: no refresh within any trace here

# Taken from DRAMsim3's LPDDR4_8Gb_x16_2400.ini because the preset has no such key.
DRAMSIM3_ONLY_TIMING = ["AL", "CWL", "tRFC2", "tRFC4", "tRPRE", "tWPRE", "tRRD_S", "tRRD_L", "tWTR_S",
                        "tWTR_L", "tWR", "tWR2", "tRTP", "tCCD_S", "tCCD_L", "tCKE", "tCKESR", "tXS", "tXP",
                        "tRTRS", "tPPD"]
DRAMSIM3_ONLY_POWER = ["IPP0", "IDD2P", "IDD3P", "IDD6x"]


def log2(v):
    n = v.bit_length() - 1
    if (1 << n) != v:
        sys.exit(f"{v} is not a power of two")
    return n


def read_ini(path):
    sec, out = None, {}
    for line in open(path):
        line = line.split(";")[0].strip()
        if line.startswith("["):
            sec = line.strip("[]")
            out[sec] = {}
        elif "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            out[sec][k] = v
    return out


def make_ini(npu, base):
    d = npu["dram"]
    idd = d["idd"]
    dev_cols = d["row_bytes"] * 8 // d["bus_bits"]  # one row of one device, in device-width columns
    bl = d["burst_bytes"] * 8 // d["bus_bits"]
    devices = d["bus_bits"] // d["device_width_bits"]
    megs_per_rank = dev_cols * d["device_width_bits"] // 8 * (d["rows"] // 1024) // 1024 * d["banks"] * devices
    mapping = "".join(d["address_mapping"].split(","))
    timing = {"tCK": d["tck_ns"], "CL": d["cl"], "tRCD": d["trcd"], "tRP": d["trp"], "tRAS": d["tras"],
              "tFAW": d["tfaw"], "tRFC": d["trfc"], "tREFI": d["trefi"]}
    for k in DRAMSIM3_ONLY_TIMING:
        timing[k] = base["timing"][k]
    power = {"VDD": idd["vdd"], "IDD0": idd["idd0"], "IDD2N": idd["idd2n"], "IDD3N": idd["idd3n"],
             "IDD4W": idd["idd4w"], "IDD4R": idd["idd4r"], "IDD5AB": idd["idd5ab"]}
    for k in DRAMSIM3_ONLY_POWER:
        power[k] = base["power"][k]
    lines = [f"; DRAMsim3 configuration matching zoomrt's {npu['name']} preset (tools/reference/dramsim3_fixtures.py)",
             "[dram_structure]", "protocol = LPDDR4", f"bankgroups = {d['bank_groups']}",
             f"banks_per_group = {d['banks'] // d['bank_groups']}", f"rows = {d['rows']}", f"columns = {dev_cols}",
             f"device_width = {d['device_width_bits']}", f"BL = {bl}", "", "[timing]"]
    lines += [f"{k} = {v}" for k, v in timing.items()]
    lines += ["", "[power]"] + [f"{k} = {v}" for k, v in power.items()]
    lines += ["", "[system]", f"channel_size = {megs_per_rank * d['ranks']}", f"channels = {d['channels']}",
              f"bus_width = {d['bus_bits']}", f"address_mapping = {mapping}", "queue_structure = PER_BANK",
              "refresh_policy = RANK_LEVEL_STAGGERED", "row_buf_policy = OPEN_PAGE", "cmd_queue_size = 8",
              "trans_queue_size = 32", "", "[other]", "epoch_period = 100000000", "output_level = 1", ""]
    differences = [
        "timings DRAMsim3 needs and zoomrt does not model, from DRAMsim3's LPDDR4_8Gb_x16_2400.ini: "
        + ", ".join(f"{k}={base['timing'][k]}" for k in DRAMSIM3_ONLY_TIMING),
        "currents zoomrt does not use (no power-down, no self-refresh in either run): "
        + ", ".join(f"{k}={base['power'][k]}" for k in DRAMSIM3_ONLY_POWER),
        f"tCCD: zoomrt {d['tccd']} (= BL/2, the data-bus bound); DRAMsim3 burst_cycle = BL/2 = {bl // 2} with "
        f"tCCD_S/L {base['timing']['tCCD_S']}/{base['timing']['tCCD_L']} below it",
        f"tFAW: zoomrt's {d['tfaw']} (JEDEC 40 ns) used in both (DRAMsim3's LPDDR4 ini has {base['timing']['tFAW']})",
        "controller: DRAMsim3 queues (32 transactions, 8 commands per bank), FR-FCFS with at most 4 row hits "
        "before a pending conflict may precharge, reads before writes (write drain at 32); zoomrt serves bursts "
        "in trace order",
    ]
    assert megs_per_rank * d["ranks"] > 0
    return "\n".join(lines), differences


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def trace_facts(path):
    data = open(path, "rb").read()
    reads = writes = last = 0
    for line in data.splitlines():
        _, op, cyc = line.split()
        if op == b"READ":
            reads += 1
        else:
            writes += 1
        last = int(cyc)
    return {"lines": reads + writes, "reads": reads, "writes": writes, "last_cycle": last,
            "fnv1a64": f"{fnv1a64(data):016x}"}


def run_dramsim3(binary, ini, trace, cycles, work):
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    subprocess.run([binary, ini, "-t", trace, "-c", str(cycles), "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    stats = json.load(open(os.path.join(out, "dramsim3.json")))
    return stats


def summed(stats, key):
    """Sum over channels (and over ranks for per-rank vectors)."""
    total = 0.0
    for ch in stats.values():
        v = ch[key]
        total += sum(float(x) for x in v.values()) if isinstance(v, dict) else float(v)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dramsim3", required=True, help="path of a dramsim3main binary")
    ap.add_argument("--dramsim3-src", required=True, help="DRAMsim3 source tree (for configs/LPDDR4_8Gb_x16_2400.ini)")
    ap.add_argument("--zoomrt", default=os.path.join(ROOT, "build", "tools", "zoomrt"))
    ap.add_argument("--cases", nargs="*", help="only these case names")
    args = ap.parse_args()
    npu = json.load(open(os.path.join(ROOT, "sim", "presets", NPU + ".json")))
    base = read_ini(os.path.join(args.dramsim3_src, "configs", "LPDDR4_8Gb_x16_2400.ini"))
    ini_text, differences = make_ini(npu, base)
    os.makedirs(OUT, exist_ok=True)
    ini = os.path.join(OUT, NPU + ".ini")
    open(ini, "w").write(ini_text)
    ini_no_refresh = os.path.join(tempfile.mkdtemp(), NPU + "_no_refresh.ini")
    open(ini_no_refresh, "w").write("\n".join(
        f"tREFI = {NO_REFRESH_TREFI}" if line.split("=")[0].strip() == "tREFI" else line
        for line in ini_text.split("\n")))
    fixture_path = os.path.join(OUT, "stats.json")
    fixture = json.load(open(fixture_path)) if os.path.exists(fixture_path) else {}
    fixture["npu"] = NPU
    fixture["ini"] = os.path.relpath(ini, ROOT)
    fixture["differences"] = differences
    fixture.setdefault("cases", {})
    tck = npu["dram"]["tck_ns"]
    with tempfile.TemporaryDirectory() as work:
        for name, zargs in CASES:
            if args.cases and name not in args.cases:
                continue
            trace = os.path.join(work, name + ".trc")
            cmd = ["sim", "--npu", NPU] + zargs + ["--dram-trace", trace, "--no-layers"]
            subprocess.run([args.zoomrt] + cmd, check=True, stdout=subprocess.DEVNULL)
            facts = trace_facts(trace)
            # Cycles: from the last issue cycle up, in 5 % steps, until DRAMsim3 has finished every
            # request (the same interval is then replayed in zoomrt, idle tail included).
            cycles = facts["last_cycle"] + 2000
            while True:
                st = run_dramsim3(args.dramsim3, ini, trace, cycles, work)
                done = summed(st, "num_reads_done") + summed(st, "num_writes_done")
                if done >= facts["lines"]:
                    break
                cycles = int(cycles * 1.05)
            keys_counters = ["num_cycles", "num_reads_done", "num_writes_done", "num_read_cmds", "num_write_cmds",
                             "num_read_row_hits", "num_write_row_hits", "num_act_cmds", "num_pre_cmds",
                             "num_ondemand_pres", "num_ref_cmds"]
            keys_energy = ["act_energy", "read_energy", "write_energy", "ref_energy", "act_stb_energy",
                           "pre_stb_energy", "total_energy"]
            ds = {k: int(summed(st, k)) for k in keys_counters}
            ds["num_cycles"] = cycles  # per channel (every channel runs the same cycles)
            # DRAMsim3's energies are VDD x mA x cycles: x tCK (ns) gives pJ.
            for k in keys_energy:
                ds[k.replace("_energy", "_pj")] = summed(st, k) * tck
            # The same replay with refresh switched off (tREFI beyond the run): the row-buffer
            # behaviour alone, which the test compares to ours without refresh (docs/sim.md:
            # refresh met mid-stream is where the two differ most).
            st0 = run_dramsim3(args.dramsim3, ini_no_refresh, trace, cycles, work)
            ds0 = {k: int(summed(st0, k)) for k in ["num_act_cmds", "num_read_row_hits", "num_write_row_hits",
                                                    "num_read_cmds", "num_write_cmds", "num_ref_cmds"]}
            fixture["cases"][name] = {"zoomrt": "zoomrt " + " ".join(cmd[:-3] + ["--dram-trace", "T"]),
                                      "args": zargs, "trace": facts, "dramsim3": ds,
                                      "dramsim3_no_refresh": ds0}
            hits = ds["num_read_row_hits"] + ds["num_write_row_hits"]
            print(f"{name}: {facts['lines']} lines, {cycles} cycles, hit rate "
                  f"{hits / max(1, ds['num_read_cmds'] + ds['num_write_cmds']):.4f}, ACT {ds['num_act_cmds']}, "
                  f"REF {ds['num_ref_cmds']}, energy {ds['total_pj'] / 1e6:.3f} uJ")
    with open(fixture_path + ".tmp", "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(fixture_path + ".tmp", fixture_path)


if __name__ == "__main__":
    main()
