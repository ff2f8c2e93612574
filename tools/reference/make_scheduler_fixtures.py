#!/usr/bin/env python3
"""Golden denoising trajectories from diffusers' schedulers, for tests/runtime_noise_schedulers_test.cpp.

Run: /work/refenv/bin/python tools/reference/make_scheduler_fixtures.py   (from the repo root)

Each case runs one diffusers scheduler as StableDiffusionInpaintPipeline drives it
(set_timesteps, get_timesteps for the strength, init_noise_sigma or add_noise,
scale_model_input, step) on a small latent [1, 4, 3, 3] with a stand-in "UNet" (a fixed
function of its input and the step), and records the timesteps, every step's scaled input,
model output, the noise the scheduler drew and the latents after the step. The C++ test feeds
the recorded model outputs and noise, so it checks the scheduler alone.
Writes tests/fixtures/schedulers/<case>.json.
"""
import json
import os

import numpy as np
import torch
import diffusers
from diffusers.schedulers import (scheduling_ddim, scheduling_euler_ancestral_discrete)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "schedulers")
SHAPE = (1, 4, 3, 3)

# stabilityai/stable-diffusion-2-inpainting scheduler/scheduler_config.json
SD2 = {"_class_name": "PNDMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
       "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
       "num_train_timesteps": 1000, "set_alpha_to_one": False, "skip_prk_steps": True,
       "steps_offset": 1, "trained_betas": None}

CLASSES = {"ddim": "DDIMScheduler", "pndm": "PNDMScheduler", "euler": "EulerDiscreteScheduler",
           "euler-ancestral": "EulerAncestralDiscreteScheduler",
           "dpmpp-2m": "DPMSolverMultistepScheduler"}
LINEAR = {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}
VPRED = {"prediction_type": "v_prediction"}

# name, scheduler, config changes on top of SD2's, steps, strength, eta
CASES = [
    ("pndm_sd2_10", "pndm", {}, 10, 1.0, 0.0),
    ("pndm_sd2_25", "pndm", {}, 25, 1.0, 0.0),
    ("pndm_trailing_vpred", "pndm", {"timestep_spacing": "trailing", **VPRED}, 10, 1.0, 0.0),
    ("pndm_linspace_linear", "pndm", {"timestep_spacing": "linspace", **LINEAR}, 10, 1.0, 0.0),
    ("pndm_strength06", "pndm", {}, 10, 0.6, 0.0),
    ("ddim_sd2_10", "ddim", {}, 10, 1.0, 0.0),
    ("ddim_trailing_vpred_linear", "ddim", {"timestep_spacing": "trailing", **VPRED, **LINEAR,
                                            "set_alpha_to_one": True}, 10, 1.0, 0.0),
    ("ddim_linspace_clip", "ddim", {"timestep_spacing": "linspace", "clip_sample": True}, 25, 1.0, 0.0),
    ("ddim_eta1", "ddim", {}, 10, 1.0, 1.0),
    ("ddim_strength06", "ddim", {}, 10, 0.6, 0.0),
    ("euler_sd2_10", "euler", {}, 10, 1.0, 0.0),
    ("euler_sd2_25", "euler", {}, 25, 1.0, 0.0),
    ("euler_leading", "euler", {"timestep_spacing": "leading"}, 10, 1.0, 0.0),
    ("euler_trailing_vpred_linear", "euler", {"timestep_spacing": "trailing", **VPRED, **LINEAR}, 10, 1.0, 0.0),
    ("euler_strength06", "euler", {}, 10, 0.6, 0.0),
    ("euler_ancestral_sd2_10", "euler-ancestral", {}, 10, 1.0, 0.0),
    ("euler_ancestral_sd2_25", "euler-ancestral", {}, 25, 1.0, 0.0),
    ("euler_ancestral_leading_vpred", "euler-ancestral", {"timestep_spacing": "leading", **VPRED}, 10, 1.0, 0.0),
    ("dpmpp_2m_sd2_10", "dpmpp-2m", {}, 10, 1.0, 0.0),
    ("dpmpp_2m_sd2_25", "dpmpp-2m", {}, 25, 1.0, 0.0),
    ("dpmpp_2m_leading", "dpmpp-2m", {"timestep_spacing": "leading"}, 10, 1.0, 0.0),
    ("dpmpp_2m_trailing_vpred_linear", "dpmpp-2m", {"timestep_spacing": "trailing", **VPRED, **LINEAR}, 20, 1.0, 0.0),
    ("dpmpp_2m_strength06", "dpmpp-2m", {}, 10, 0.6, 0.0),
]

drawn = []  # noise tensors the schedulers draw inside step()


def recording(randn):
    def wrapper(*args, **kwargs):
        t = randn(*args, **kwargs)
        drawn.append(t.clone())
        return t
    return wrapper


scheduling_ddim.randn_tensor = recording(scheduling_ddim.randn_tensor)
scheduling_euler_ancestral_discrete.randn_tensor = recording(scheduling_euler_ancestral_discrete.randn_tensor)


def fake_unet(x, i):
    """A stand-in for the guided UNet output: depends on its input and the step, magnitude ~1."""
    k = torch.arange(x.numel(), dtype=torch.float32).reshape(x.shape)
    return (0.6 * x + 0.5 * torch.cos(0.37 * k + 0.9 * i)).to(torch.float32)


def floats(t):
    return [float(f"{v:.9g}") for v in t.detach().to(torch.float32).flatten().tolist()]  # round-trips float32


def run_case(name, sched, changes, steps, strength, eta):
    config = dict(SD2, **changes)
    cls = getattr(diffusers, CLASSES[sched])
    s = cls.from_config(config)
    gen = torch.Generator().manual_seed(1234)
    noise = torch.randn(SHAPE, generator=gen, dtype=torch.float32)
    s.set_timesteps(steps)
    # StableDiffusionInpaintPipeline.get_timesteps
    init_timestep = min(int(steps * strength), steps)
    t_start = max(steps - init_timestep, 0)
    timesteps = s.timesteps[t_start * s.order:]
    if hasattr(s, "set_begin_index"):
        s.set_begin_index(t_start * s.order)
    case = {"scheduler": sched, "config": config, "steps": steps, "strength": strength, "eta": eta,
            "timesteps": [float(t) for t in timesteps], "init_noise_sigma": float(s.init_noise_sigma),
            "noise": floats(noise)}
    if strength < 1.0:
        image_latents = torch.linspace(-1.5, 1.5, noise.numel(), dtype=torch.float32).reshape(SHAPE)
        latents = s.add_noise(image_latents, noise, timesteps[:1])
        case["image_latents"] = floats(image_latents)
    else:
        latents = noise * s.init_noise_sigma
    case["initial_latents"] = floats(latents)
    kwargs = {"eta": eta, "generator": gen} if sched == "ddim" else {}
    if sched == "euler-ancestral":
        kwargs = {"generator": gen}
    case["steps_recorded"] = []
    for i, t in enumerate(timesteps):
        scaled = s.scale_model_input(latents, t)
        model_output = fake_unet(scaled, i)
        drawn.clear()
        latents = s.step(model_output, t, latents, **kwargs, return_dict=False)[0]
        case["steps_recorded"].append({"scaled_input": floats(scaled), "model_output": floats(model_output),
                                       "drawn_noise": [floats(d) for d in drawn], "latents": floats(latents)})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
    return len(timesteps)


def main():
    os.makedirs(OUT, exist_ok=True)
    names = []
    for c in CASES:
        n = run_case(*c)
        names.append(c[0])
        print(f"{c[0]}: {n} steps")
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"diffusers": diffusers.__version__, "torch": torch.__version__, "cases": names}, f, indent=1)


if __name__ == "__main__":
    main()
