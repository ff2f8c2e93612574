"""Step-caching fixtures (zoomrt zoom --cache-interval; tests/runtime_step_cache_test.cpp).

The reference is DeepCache's own implementation (PyPI package `DeepCache`, class DeepCacheSDHelper)
on diffusers' StableDiffusionInpaintPipeline: the tiny sd2_tiny and sd15_tiny pipelines, the inputs
and random draws of their end-to-end pipeline fixtures (make_model_fixtures.py: same prompt
embeddings, picture, mask, initial latents and generator seed), but STEPS steps, run with
DeepCacheSDHelper.set_params(cache_interval=N, cache_branch_id=0) for N in INTERVALS (N = 1 is the
control: it must equal the pipeline without DeepCache bit for bit), for PNDM and DDIM.

Writes tests/fixtures/models/<name>/io/pipeline_deepcache.safetensors:
  timesteps_<sched>                the scheduler's timesteps (one UNet call each)
  latents_<sched>_n<N>             the final latents (what the VAE decodes, before 1/scaling_factor)
  full_calls_<sched>_n<N>          1 where DeepCache ran the whole UNet at that call, 0 where the shallow one
The test reads the inputs from the committed pipeline_<sched>.safetensors; this script checks that
the run here draws the same ones.

Run: /work/refenv/bin/python tools/reference/make_deepcache_fixtures.py   (a few seconds)
"""
import os
import sys

import PIL.Image
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as mmf  # noqa: E402  (the tiny pipelines, their inputs, the recorder)

from importlib.metadata import version  # noqa: E402

from DeepCache import DeepCacheSDHelper  # noqa: E402

STEPS = 6
INTERVALS = (1, 2, 3)
SCHEDULERS = ("pndm", "ddim")


class FullCallRecorder:
    """Which UNet calls ran the whole UNet: the mid block's first resnet runs only in those (on the
    other calls DeepCache's wrapper of the mid block returns its cached output without calling it;
    a hook on the mid block itself would fire either way)."""

    def __init__(self, pipe):
        self.calls, self.full = 0, []
        self.handles = [
            pipe.unet.mid_block.resnets[0].register_forward_pre_hook(lambda mod, args: self._mark()),
            pipe.unet.conv_in.register_forward_pre_hook(lambda mod, args: self._start()),
        ]

    def _start(self):
        self.full.append(0)

    def _mark(self):
        self.full[-1] = 1

    def close(self):
        for h in self.handles:
            h.remove()


@torch.no_grad()
def run(name, spec, scheduler_name, interval):
    """Final latents, timesteps, per-call full flags and recorded inputs of one pipeline run;
    interval None: without DeepCache."""
    pipe = mmf.load_tiny_pipeline(os.path.join(mmf.MODELS_DIR, name), spec["variant"])
    pipe.scheduler = mmf.PIPELINE_SCHEDULERS[scheduler_name].from_config(pipe.scheduler.config)
    inputs = mmf.pipeline_inputs(spec["seed"] + 200, pipe.unet.config.cross_attention_dim)
    helper = None
    if interval is not None:
        helper = DeepCacheSDHelper(pipe=pipe)
        helper.set_params(cache_interval=interval, cache_branch_id=0)
        helper.enable()
    recorder = mmf.PipelineRecorder(pipe)  # wraps unet via a forward hook: DeepCache's wrapper stays inside
    calls = FullCallRecorder(pipe)
    try:
        pipe(prompt_embeds=inputs["prompt_embeds"], negative_prompt_embeds=inputs["negative_prompt_embeds"],
             image=PIL.Image.fromarray(inputs["image_u8"][0].numpy()),
             mask_image=PIL.Image.fromarray(inputs["mask_u8"][0].numpy()),
             height=mmf.PIPELINE_SIDE, width=mmf.PIPELINE_SIDE, strength=1.0, num_inference_steps=STEPS,
             guidance_scale=mmf.PIPELINE_GUIDANCE, latents=inputs["latents"].clone(),
             generator=torch.Generator().manual_seed(spec["seed"] + 300), output_type="latent")
    finally:
        calls.close()
        recorder.close()
        if helper is not None:
            helper.disable()
    seen = dict(recorder.seen)
    seen["masked_image_noise"] = recorder.vae_noise[0]
    timesteps = torch.stack([t for _, t, _ in recorder.step_calls]).to(torch.int64)
    latents = recorder.step_calls[-1][2]
    return latents, timesteps, torch.tensor(calls.full, dtype=torch.int64), seen, inputs


def check_same_inputs(name, scheduler_name, seen, inputs):
    """The committed pipeline fixture's inputs are those this run drew (the test reads them there)."""
    ref = load_file(os.path.join(mmf.MODELS_DIR, name, "io", f"pipeline_{scheduler_name}.safetensors"))
    for key, value in (("image", seen["image"]), ("mask", seen["mask"]), ("latents", inputs["latents"]),
                       ("masked_image_noise", seen["masked_image_noise"]),
                       ("prompt_embeds", inputs["prompt_embeds"]),
                       ("negative_prompt_embeds", inputs["negative_prompt_embeds"])):
        if not torch.equal(ref[key], value):
            raise RuntimeError(f"{name}/{scheduler_name}: '{key}' differs from pipeline_{scheduler_name}.safetensors")


def main():
    mmf.diffusers.utils.logging.set_verbosity_error()
    mmf.diffusers.utils.logging.disable_progress_bar()
    mmf.transformers.utils.logging.set_verbosity_error()
    mmf.transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for name, spec in mmf.TINY_MODELS.items():
        tensors = {}
        for scheduler_name in SCHEDULERS:
            plain, timesteps, _, seen, inputs = run(name, spec, scheduler_name, None)
            check_same_inputs(name, scheduler_name, seen, inputs)
            tensors[f"timesteps_{scheduler_name}"] = timesteps
            for n in INTERVALS:
                latents, ts, full, _, _ = run(name, spec, scheduler_name, n)
                if not torch.equal(ts, timesteps):
                    raise RuntimeError(f"{name}/{scheduler_name}/N={n}: other timesteps")
                if n == 1 and not torch.equal(latents, plain):
                    raise RuntimeError(f"{name}/{scheduler_name}: DeepCache at interval 1 changed the latents")
                if n > 1 and torch.equal(latents, plain):
                    raise RuntimeError(f"{name}/{scheduler_name}/N={n}: caching changed nothing")
                diff = (latents - plain).abs().max().item()
                print(f"  {name} {scheduler_name} N={n}: full calls {full.tolist()}, max |latents - uncached| {diff:.3g}")
                tensors[f"latents_{scheduler_name}_n{n}"] = latents
                tensors[f"full_calls_{scheduler_name}_n{n}"] = full
        path = os.path.join(mmf.MODELS_DIR, name, "io", "pipeline_deepcache.safetensors")
        mmf.save_tensors(path, tensors,
                         f"{name}: StableDiffusionInpaintPipeline with DeepCacheSDHelper (DeepCache {version('DeepCache')}) "
                         f"(cache_branch_id 0) at intervals {list(INTERVALS)}, {STEPS} steps, guidance "
                         f"{mmf.PIPELINE_GUIDANCE}, inputs of pipeline_<scheduler>.safetensors; "
                         "tools/reference/make_deepcache_fixtures.py")


if __name__ == "__main__":
    main()
