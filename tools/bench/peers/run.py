#!/usr/bin/env python3
"""Peer harness: zoomrt beside PyTorch+diffusers, OpenVINO and stable-diffusion.cpp on the same
work (SD2 inpainting at 512x512, the same random-weight model directory, 2 threads), each engine
at each precision in its own process with its peak RSS, engines alternated. docs/performance.md
says what it measures and quotes a run.

  tools/bench/peers/run.py --model /work/sd2-f32 --steps 4 --out peers.json
  tools/bench/peers/run.py --report peers.json more.json      # saved runs' table and targets together

Runs with the system python3 (standard library only); the peers run in the venv that
tools/bench/peers/setup_venv.sh creates (../peersenv beside the checkout, or ZOOMRT_PEERSENV,
or --venv). A peer that is not installed is skipped with one line; zoomrt alone still runs."""

import argparse
import datetime
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
import engines  # noqa: E402
import report  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def bad(msg):
    print(f"peers: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="zoomrt,torch,openvino,sdcpp", help="comma list of zoomrt, torch, openvino, sdcpp")
    ap.add_argument("--precisions", default="", help="comma list: only these precisions, each engine's in this order (default: all)")
    ap.add_argument("--work", default=",".join(common.WORK_ITEMS), help="comma list of " + ", ".join(common.WORK_ITEMS))
    ap.add_argument("--steps", type=int, default=common.TARGET_STEPS, help="denoising steps of the keyframe (default 25)")
    ap.add_argument("--repeats", type=int, default=1, help="timed repeats of each item after its warm-up (default 1)")
    ap.add_argument("--out", default="", help="write the JSON document here (default: print only the table)")
    ap.add_argument("--zoomrt", default=os.path.join(ROOT, "build", "tools", "zoomrt"), help="the zoomrt binary")
    ap.add_argument("--model", default="", help="diffusers directory, e.g. from `zoomrt make-model --config sd2-inpainting`")
    ap.add_argument("--venv", default=os.environ.get("ZOOMRT_PEERSENV", os.path.join(ROOT, "..", "peersenv")),
                    help="the peers' venv (default $ZOOMRT_PEERSENV or ../peersenv beside the checkout)")
    ap.add_argument("--cache", default=os.path.join(ROOT, "..", "peers-cache"),
                    help="inputs, converted OpenVINO models, logs (default ../peers-cache beside the checkout)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds one process may take (default 3600)")
    o = ap.parse_args(argv)
    o.engines = [e for e in o.engines.split(",") if e]
    for e in o.engines:
        if e not in engines.PRECISIONS:
            bad(f"--engines: '{e}' is not one of {', '.join(engines.PRECISIONS)}")
    o.work = [w for w in o.work.split(",") if w]
    for w in o.work:
        if w not in common.WORK_ITEMS:
            bad(f"--work: '{w}' is not one of {', '.join(common.WORK_ITEMS)}")
    o.precisions = [p for p in o.precisions.split(",") if p]
    for p in o.precisions:
        if p not in common.CLASS_OF:
            bad(f"--precisions: '{p}' is not one of {', '.join(common.CLASS_OF)}")
    if not 1 <= o.steps <= 1000:
        bad(f"--steps: {o.steps} is not between 1 and 1000")
    if not 1 <= o.repeats <= 100:
        bad(f"--repeats: {o.repeats} is not between 1 and 100")
    if not o.model:
        bad("--model: give a diffusers directory (zoomrt make-model --config sd2-inpainting --out DIR)")
    if not os.path.isfile(os.path.join(o.model, "unet", "config.json")):
        bad(f"--model: '{o.model}' is not a diffusers directory (no unet/config.json)")
    if "zoomrt" in o.engines and not os.access(o.zoomrt, os.X_OK):
        bad(f"--zoomrt: '{o.zoomrt}' is not an executable (build it: cmake --build build --target zoomrt)")
    if o.out and os.path.isdir(o.out):
        bad(f"--out: '{o.out}' is a directory")
    o.model, o.cache, o.zoomrt = os.path.abspath(o.model), os.path.abspath(o.cache), os.path.abspath(o.zoomrt)
    o.venv_python = os.path.join(os.path.abspath(o.venv), "bin", "python")
    return o


def alternated(o):
    """(engine, precision) in an order that alternates engines: one of each engine in turn, in
    --engines order; each engine's precisions in --precisions order when given."""
    queues = {e: [p for p in (o.precisions or engines.PRECISIONS[e]) if p in engines.PRECISIONS[e]] for e in o.engines}
    order = []
    while any(queues.values()):
        for e in o.engines:
            if queues[e]:
                order.append((e, queues[e].pop(0)))
    return order


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def per_step(items, key):
    """Seconds per denoising step for the 25-step estimate: the engine's UNet item (one guided
    evaluation = one step) when measured, else the keyframe's own median step."""
    u = items.get("unet") or {}
    if u.get(key) is not None:
        return u[key]
    steps = (items.get("keyframe") or {}).get("step_" + key)
    return sorted(steps)[len(steps) // 2] if steps else None


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def measure(o, log_dir, on_record):
    records, skipped = [], []
    available = {}
    for e in o.engines:
        why = None if e == "zoomrt" else engines.missing_reason(e, o.venv_python)
        available[e] = why is None
        if why:
            print(f"peers: skipping {engines.LABEL[e]}: not installed ({why})", flush=True)
            skipped.append({"engine": e, "reason": why})
    if available.get("openvino"):
        if not common.openvino_converted(o.cache):
            print("peers: converting the model to OpenVINO IR (once, not timed)", flush=True)
            rc, rss, wall, text = engines.run_process(
                [o.venv_python, os.path.join(HERE, "peer_worker.py"), "--engine", "openvino-convert", "--model", o.model,
                 "--cache", o.cache], os.path.join(log_dir, "openvino_convert.log"), o.timeout)
            if rc != 0:
                print(f"peers: skipping OpenVINO: conversion failed (exit {rc}, {log_dir}/openvino_convert.log)")
                skipped.append({"engine": "openvino", "reason": f"conversion failed, exit {rc}"})
                available["openvino"] = False
    for engine, precision in alternated(o):
        if not available[engine]:
            continue
        rec = {"engine": engine, "precision": precision, "class": common.CLASS_OF[precision], "items": {}}
        print(f"peers: {engines.LABEL[engine]} {precision} ...", flush=True)
        if engine == "zoomrt":
            for w in o.work:
                rec["items"][w] = engines.zoomrt_item(o, precision, w, log_dir)
        else:
            items, rss, info = engines.peer_items(o, engine, precision, log_dir)
            rec["info"] = info
            if items is None:
                rec["error"] = info["error"]
                print(f"peers: {engines.LABEL[engine]} {precision} failed: {info['error']}", flush=True)
            else:
                for it in items.values():
                    it["peak_rss_kb"] = rss   # one process ran every item: its peak is the process's
                rec["items"] = items
        k = rec["items"].get("keyframe")
        if k and "seconds" in k:
            for key in ("seconds", "cpu_seconds"):
                k["per_step_" + key] = per_step(rec["items"], key)
                k[key + "_25"], k[key + "_25_how"] = report.keyframe_target_seconds(k, o.steps, key)
        for w, it in rec["items"].items():
            if "error" in it:
                print(f"peers: {engines.LABEL[engine]} {precision} {w} failed: {it['error']}", flush=True)
        records.append(rec)
        on_record(records, skipped)
    return records, skipped


def print_report(records, work, targets):
    print(report.table(records, work))
    print("(wall/cpu2: wall seconds / process CPU seconds over 2 threads; * derived from whole-pipeline calls, "
          "see the record's note; RSS: peak of the process that ran it; zoomrt x: fastest same-class peer's "
          "seconds / zoomrt's, wall/cpu)")
    for t in targets:
        print(f'target {t["work"]} {t["precision"]} ({t["basis"]}): {t["ratio"]:.2f}x vs {t["against"]} '
              f'({t["need"]}): {"holds" if t["holds"] else "misses"}')


def report_saved(paths):
    """--report: the table and targets of one or more saved JSON documents together (runs
    interrupted and continued with other --precisions); each document's date and load is printed."""
    records, work, steps = [], [], None
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            bad(f"--report: '{path}': {e}")
        m = doc["machine"]
        print(f'{path}: {doc["date"]}, {doc["seconds"]:.0f} s, {"complete" if doc.get("complete", True) else "interrupted"}, '
              f'steps {doc["work"]["steps"]}, load average before {m["loadavg_before"][0]:.1f}, after {m["loadavg_after"][0]:.1f}')
        if steps not in (None, doc["work"]["steps"]):
            bad(f"--report: '{path}' used --steps {doc['work']['steps']}, the others {steps}")
        steps = doc["work"]["steps"]
        records += doc["records"]
        work += [w for w in doc["work"]["items"] if w not in work]
    report.add_ratios(records, work)
    print_report(records, work, report.targets(records, steps))
    return 0


def main(argv):
    if argv[:1] == ["--report"]:
        return report_saved(argv[1:]) if argv[1:] else bad("--report: give one or more JSON files")
    o = parse_args(argv)
    log_dir = os.path.join(o.cache, "logs")
    os.makedirs(log_dir, exist_ok=True)
    common.ensure_inputs(o.cache)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()

    def document(records, skipped, complete):
        report.add_ratios(records, o.work)
        return {
            "complete": complete,
            "date": started.isoformat(timespec="seconds"),
            "seconds": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
            "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "threads_used": common.THREADS,
                        "loadavg_before": load_before, "loadavg_after": loadavg()},
            "work": {"model": o.model, "size": common.SIZE, "steps": o.steps, "repeats": o.repeats,
                     "guidance": common.GUIDANCE, "scheduler": common.SCHEDULER, "items": o.work},
            "skipped": skipped,
            "records": records,
            "targets": report.targets(records, o.steps),
        }

    # The JSON is rewritten after every engine/precision (complete: false until the end), so an
    # interrupted run keeps what it measured.
    partial = (lambda r, s: write_json(o.out, document(r, s, False))) if o.out else (lambda r, s: None)
    records, skipped = measure(o, log_dir, partial)
    doc = document(records, skipped, True)
    print()
    print_report(records, o.work, doc["targets"])
    if o.out:
        write_json(o.out, doc)
        print(f"peers: wrote {o.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
