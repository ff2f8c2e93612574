"""One zoom keyframe as zoomrt computes keyframe 0 (an all-masked black canvas outpainted), for
engines that expose the four components separately (PyTorch, OpenVINO): text encoder on the
prompt pair, VAE encode of the masked image, N guided DDIM steps (one batch-2 UNet call each),
VAE decode. The same loop diffusers' StableDiffusionInpaintPipeline runs, with the phases timed.
Runs in the peers' venv (numpy, torch, diffusers)."""

import time

import numpy as np
import torch
from diffusers import DDIMScheduler
from transformers import CLIPTokenizer

import common

VAE_SCALE = 0.18215


class Components:
    """Callables on numpy arrays (float32 unless noted): text(ids int64 [2,77]) -> [2,77,1024],
    vae_encode(image [1,3,H,W]) -> latent mean [1,4,h,w], unet(sample [2,9,h,w], t [2],
    context [2,77,1024]) -> [2,4,h,w], vae_decode(latents [1,4,h,w]) -> [1,3,H,W]."""

    def __init__(self, text, vae_encode, unet, vae_decode):
        self.text, self.vae_encode, self.unet, self.vae_decode = text, vae_encode, unet, vae_decode


def tokenize(model_dir):
    tok = CLIPTokenizer.from_pretrained(model_dir, subfolder="tokenizer")
    ids = tok([common.NEGATIVE, common.PROMPT], padding="max_length", max_length=common.CONTEXT[0],
              truncation=True, return_tensors="np").input_ids
    return ids.astype(np.int64)


def run_keyframe(c, model_dir, steps):
    """Returns {"seconds": whole keyframe, "text", "vae_encode", "step_seconds": [...], "vae_decode"}."""
    sched = DDIMScheduler.from_pretrained(model_dir, subfolder="scheduler")
    c_start = time.process_time()
    t_start = time.perf_counter()
    ids = tokenize(model_dir)
    context = c.text(ids)
    t_text = time.perf_counter()

    image = -np.ones((1, 3, common.SIZE, common.SIZE), np.float32)   # black canvas
    mask = np.ones((1, 1, common.SIZE, common.SIZE), np.float32)     # all masked: outpaint everything
    masked_image = image * (mask < 0.5)
    masked_latents = c.vae_encode(masked_image) * VAE_SCALE
    t_enc = time.perf_counter()

    mask_latent = np.ones((1, 1, common.LATENT, common.LATENT), np.float32)
    extra = np.concatenate([np.concatenate([mask_latent, masked_latents], 1)] * 2, 0)
    gen = torch.Generator().manual_seed(common.SEED)
    latents = torch.randn((1, 4, common.LATENT, common.LATENT), generator=gen) * sched.init_noise_sigma
    sched.set_timesteps(steps)
    step_seconds = []
    for t in sched.timesteps:
        s0 = time.perf_counter()
        x = sched.scale_model_input(torch.cat([latents] * 2), t).numpy()
        x = np.concatenate([x, extra], 1).astype(np.float32)
        noise = torch.from_numpy(np.asarray(c.unet(x, np.full((2,), float(t), np.float32), context), np.float32))
        uncond, cond = noise.chunk(2)
        latents = sched.step(uncond + common.GUIDANCE * (cond - uncond), t, latents).prev_sample
        step_seconds.append(time.perf_counter() - s0)
    t_steps = time.perf_counter()
    c.vae_decode((latents / VAE_SCALE).numpy().astype(np.float32))
    t_end = time.perf_counter()
    return {"seconds": t_end - t_start, "cpu_seconds": time.process_time() - c_start, "text": t_text - t_start, "vae_encode": t_enc - t_text,
            "step_seconds": step_seconds, "steps_total": t_steps - t_enc, "vae_decode": t_end - t_steps}


def time_calls(fn, repeats, note):
    """One warm-up call, then `repeats` timed calls: the best wall seconds, and the process CPU
    seconds (all threads) of each call."""
    fn()
    runs, cpu = [], []
    for _ in range(repeats):
        c0, s0 = time.process_time(), time.perf_counter()
        fn()
        runs.append(time.perf_counter() - s0)
        cpu.append(time.process_time() - c0)
    return {"seconds": min(runs), "runs": runs, "cpu_seconds": min(cpu), "cpu_runs": cpu, "note": note}


def run_items(c, model_dir, cache_dir, work, steps, repeats):
    """The work items of the harness on one engine's components; returns name -> result."""
    from safetensors.numpy import load_file
    res = {}
    if "unet" in work:
        i = load_file(common.input_path(cache_dir, "unet"))
        res["unet"] = time_calls(lambda: c.unet(i["sample"], i["timestep"], i["encoder_hidden_states"]), repeats,
                                 "one batch-2 call (guidance), after 1 warm-up call")
    if "vae_decode" in work:
        i = load_file(common.input_path(cache_dir, "vae_decode"))
        res["vae_decode"] = time_calls(lambda: c.vae_decode(i["latents"]), repeats, "after 1 warm-up call")
    if "vae_encode" in work:
        i = load_file(common.input_path(cache_dir, "vae_encode"))
        res["vae_encode"] = time_calls(lambda: c.vae_encode(i["image"]), repeats, "after 1 warm-up call")
    if "keyframe" in work:
        if not {"unet", "vae_decode", "vae_encode"} & set(work):
            run_keyframe(c, model_dir, 1)   # warm-up when no item before it warmed the components
        k = run_keyframe(c, model_dir, steps)
        k["note"] = f"text encoder + VAE encode + {steps} DDIM steps + VAE decode, models loaded"
        res["keyframe"] = k
    return res
