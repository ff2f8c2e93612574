"""The engines of the peer harness: which precisions each runs, whether it is installed, and the
process(es) that measure one engine at one precision. Standard library only."""

import json
import os
import re
import shutil
import subprocess

import common

HERE = os.path.dirname(os.path.abspath(__file__))

PRECISIONS = {
    "zoomrt": ["f32", "f16", "bf16", "int8-mix", "int4a8-mix"],
    "torch": ["fp32", "bf16"],
    "openvino": ["fp32", "bf16"],
    "sdcpp": ["f16", "q8_0", "q4_0", "f16-fa", "q8_0-fa", "q4_0-fa"],
}
LABEL = {"zoomrt": "zoomrt", "torch": "PyTorch+diffusers", "openvino": "OpenVINO", "sdcpp": "stable-diffusion.cpp"}
# What each peer's worker imports; one that fails to import is skipped with one line.
IMPORTS = {
    "torch": "torch, diffusers, transformers, safetensors",
    "openvino": "openvino, torch, diffusers, transformers, safetensors",
    "sdcpp": "stable_diffusion_cpp, PIL",
}
ZOOMRT_COMPONENT = {"unet": "unet", "vae_decode": "vae_decoder", "vae_encode": "vae_encoder"}


def missing_reason(engine, venv_python):
    """None when the peer can run, else why not (one line)."""
    if not os.path.exists(venv_python):
        return f"no venv python at {venv_python} (tools/bench/peers/setup_venv.sh creates it)"
    r = subprocess.run([venv_python, "-c", f"import {IMPORTS[engine]}"], capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["import failed"])[-1]
        return f"{venv_python} cannot import {IMPORTS[engine]}: {last}"
    return None


def run_process(cmd, log_path, timeout_s):
    """Runs cmd with stdout+stderr to log_path; returns (exit code, peak RSS in kB, wall seconds,
    output text). Peak RSS is the child's own ru_maxrss (os.wait4 on its pid)."""
    import threading
    import time
    with open(log_path, "w") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        killer = threading.Timer(timeout_s, p.kill)
        killer.start()
        _, status, ru = os.wait4(p.pid, 0)
        killer.cancel()
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(log_path, errors="replace") as f:
        text = f.read()
    return p.returncode, ru.ru_maxrss, wall, text


def zoomrt_item(o, precision, work, log_dir):
    """One zoomrt process for one work item; returns the item's result dict."""
    tag = f"zoomrt_{precision}_{work}"
    log = os.path.join(log_dir, tag + ".log")
    if work == "keyframe":
        out = os.path.join(o.cache, "zoom_out_" + precision)
        shutil.rmtree(out, ignore_errors=True)
        cmd = [o.zoomrt, "zoom", "--model", o.model, "--dtype", precision, "--width", str(common.SIZE),
               "--height", str(common.SIZE), "--keyframes", "1", "--steps", str(o.steps), "--scheduler",
               common.SCHEDULER, "--guidance", str(common.GUIDANCE), "--seed", str(common.SEED), "--prompt",
               common.PROMPT, "--no-video", "--no-sim", "--quiet", "--threads", str(common.THREADS), "--out", out]
        rc, rss, wall, text = run_process(cmd, log, o.timeout)
        if rc != 0:
            return {"error": f"exit {rc}: {text.strip()[-300:]}", "peak_rss_kb": rss, "log": log}
        with open(os.path.join(out, "stats.json")) as f:
            frame = json.load(f)["frames"][0]
        return {"seconds": frame["wall_s"], "cpu_seconds": frame["cpu_s"], "components": frame["components"],
                "peak_rss_kb": rss,
                "process_seconds": wall, "command": cmd,
                "note": f"zoom --keyframes 1 --steps {o.steps}: stats.json's frame wall_s; each component "
                        "is packed from the model files inside it (zoomrt holds one at a time)"}
    prof = os.path.join(log_dir, tag + "_profile.json")
    cmd = [o.zoomrt, "eval", "--model", o.model, "--component", ZOOMRT_COMPONENT[work], "--inputs",
           common.input_path(o.cache, work), "--output", os.path.join(o.cache, "zoomrt_eval_out.safetensors"),
           "--dtype", precision, "--threads", str(common.THREADS), "--repeat", str(1 + o.repeats),
           "--profile", prof]
    rc, rss, wall, text = run_process(cmd, log, o.timeout)
    if rc != 0:
        return {"error": f"exit {rc}: {text.strip()[-300:]}", "peak_rss_kb": rss, "log": log}
    found = re.findall(r"run \d+ of \d+: ([0-9.]+) s \(cpu ([0-9.]+) s\)", text)
    runs, cpu = [float(w) for w, _ in found], [float(c) for _, c in found]
    result = {"seconds": min(runs[1:]), "runs": runs[1:], "warmup": runs[0], "cpu_seconds": min(cpu[1:]),
              "cpu_runs": cpu[1:], "peak_rss_kb": rss,
              "process_seconds": wall, "command": cmd, "note": "eval --repeat: first run is the warm-up"}
    with open(prof) as f:
        result["profile"] = json.load(f)["by_class"]
    return result


def peer_items(o, engine, precision, log_dir):
    """One process of a peer engine at one precision running every asked item; returns
    (items dict, peak RSS kB, info)."""
    log = os.path.join(log_dir, f"{engine}_{precision}.log")
    cmd = [o.venv_python, os.path.join(HERE, "peer_worker.py"), "--engine", engine, "--precision", precision,
           "--model", o.model, "--cache", o.cache, "--work", ",".join(o.work), "--steps", str(o.steps),
           "--repeats", str(o.repeats)]
    rc, rss, wall, text = run_process(cmd, log, o.timeout)
    line = next((ln for ln in reversed(text.splitlines()) if ln.startswith("RESULT ")), None)
    if rc != 0 or line is None:
        tail = " | ".join(text.strip().splitlines()[-3:])
        return None, rss, {"error": f"exit {rc}: {tail[-400:]}", "log": log}
    r = json.loads(line[len("RESULT "):])
    r["info"].update({"process_seconds": wall, "log": log})
    return r["items"], rss, r["info"]
