"""stable-diffusion.cpp through stable-diffusion-cpp-python. It loads the diffusers directory
itself (its loader maps the diffusers / transformers tensor names) and converts the weights at
load to the asked type (wtype f16, q8_0, q4_0; it keeps conv weights that its kernels need in
f16 and the norms in f32). It has no call for a bare UNet or VAE, so every work item comes from
inpainting calls (`generate_image` with the black canvas and an all-white mask), timed by its own
log lines and its per-step progress callback:
  unet        the median sampling step (euler: one guided UNet evaluation = two batch-1 calls)
  vae_decode  its "latent 1 decoded, taking" line
  vae_encode  its "encode_first_stage completed" line halved: its inpaint path encodes the init
              image and the masked image (two VAE encodes) in that span
  keyframe    the whole generate_image call (text encoder, the two encodes, N steps, decode)
No warm-up call: on 2 cores one call takes minutes, and the items come from one call of N >= 2
steps (its first step, which allocates the UNet's compute graph, is not the one reported: the
fastest step is). Its VAE figures include the first-call graph allocation of the VAE."""

import ctypes
import re
import sys
import time

from PIL import Image

import common

LOG = []       # its log lines, and the process CPU seconds when each came
LOG_CPU = []


def _cpu_between(start_pattern, end_pattern, since):
    """Process CPU seconds from the log line matching start_pattern to the next matching end_pattern."""
    start = None
    for i in range(since, len(LOG)):
        if start is None and re.search(start_pattern, LOG[i]):
            start = LOG_CPU[i]
        elif start is not None and re.search(end_pattern, LOG[i]):
            return LOG_CPU[i] - start
    return None


def _install_log_capture():
    import stable_diffusion_cpp as sd_cpp

    @sd_cpp.sd_log_callback
    def cb(level, text, data):
        LOG.append(text.decode("utf-8", errors="replace"))
        LOG_CPU.append(time.process_time())

    sd_cpp.sd_set_log_callback(cb, ctypes.c_void_p(0))
    _install_log_capture.keep = cb   # the C side holds a pointer to it


def _seconds(pattern, since):
    found = [float(m.group(1)) for line in LOG[since:] if (m := re.search(pattern, line))]
    return found[-1] if found else None


def run(model_dir, precision, work, steps, repeats):
    from stable_diffusion_cpp import StableDiffusion

    wtype, _, fa = precision.partition("-")
    if wtype not in ("f16", "q8_0", "q4_0") or fa not in ("", "fa"):
        raise SystemExit(f"peer_sdcpp: precision '{precision}' is not f16, q8_0, q4_0 (optionally -fa)")
    sd = StableDiffusion(model_path=model_dir, n_threads=common.THREADS, wtype=wtype, flash_attn=fa == "fa",
                         diffusion_flash_attn=fa == "fa", prediction="eps", verbose=True)
    _install_log_capture()
    canvas = Image.new("RGB", (common.SIZE, common.SIZE), (0, 0, 0))
    mask = Image.new("L", (common.SIZE, common.SIZE), 255)

    def generate(n):
        step_times, step_cpu = [], [time.process_time()]

        def progress(step, total, t):
            step_times.append(t)
            step_cpu.append(time.process_time())

        since = len(LOG)
        c0, s0 = time.process_time(), time.perf_counter()
        sd.generate_image(prompt=common.PROMPT, negative_prompt=common.NEGATIVE, init_image=canvas, mask_image=mask,
                          width=common.SIZE, height=common.SIZE, cfg_scale=common.GUIDANCE, sample_method="euler",
                          sample_steps=n, strength=1.0, seed=common.SEED,
                          progress_callback=progress)
        wall, cpu = time.perf_counter() - s0, time.process_time() - c0
        enc = _seconds(r"encode_first_stage completed, taking ([0-9.]+)s", since)
        cond = _seconds(r"get_learned_condition completed, taking ([0-9.]+)s", since)
        # CPU of each step: between progress callbacks (the first from the call's start: skipped)
        cpus = [b - a for a, b in zip(step_cpu, step_cpu[1:])][1:n]
        return {"seconds": wall, "cpu_seconds": cpu, "step_seconds": step_times[-n:], "step_cpu_seconds": cpus,
                "vae_decode_cpu": _cpu_between(r"decoding \d+ latents", r"latent 1 decoded", since),
                "vae_encode_x2": enc, "text_plus_encodes": cond,
                "vae_decode": _seconds(r"latent 1 decoded, taking ([0-9.]+)s", since),
                "sampling": _seconds(r"sampling completed, taking ([0-9.]+)s", since)}

    runs = [generate(max(steps, 2)) for _ in range(repeats)]
    res = {}
    if "unet" in work:
        per = [min(r["step_seconds"]) for r in runs if r["step_seconds"]]
        cpu = [min(r["step_cpu_seconds"]) for r in runs if r["step_cpu_seconds"]]
        res["unet"] = {"seconds": min(per), "runs": per, "cpu_seconds": min(cpu) if cpu else None, "derived": True,
                       "note": "fastest euler step of a generate_image call (2 batch-1 UNet calls, guidance)"}
    if "vae_decode" in work:
        per = [r["vae_decode"] for r in runs if r["vae_decode"] is not None]
        cpu = [r["vae_decode_cpu"] for r in runs if r["vae_decode_cpu"] is not None]
        res["vae_decode"] = {"seconds": min(per), "runs": per, "cpu_seconds": min(cpu) if cpu else None, "derived": True,
                             "note": "its 'latent 1 decoded' log line"}
    if "vae_encode" in work:
        per = [r["vae_encode_x2"] / 2 for r in runs if r["vae_encode_x2"] is not None]
        res["vae_encode"] = {"seconds": min(per), "runs": per, "derived": True,
                             "note": "half its 'encode_first_stage' span (init image + masked image)"}
    if "keyframe" in work:
        best = min(runs, key=lambda r: r["seconds"])
        best["note"] = (f"generate_image, {max(steps, 2)} euler steps: text encoder, 2 VAE encodes, "
                        "steps, VAE decode, model loaded")
        res["keyframe"] = best
    if any(v is None for r in runs for v in r.values()):
        print("peer_sdcpp: some log lines were not found; log tail:\n" + "".join(LOG[-20:]), file=sys.stderr)
    return res
