#!/usr/bin/env python3
"""Model fixtures made by diffusers / transformers, the reference implementation.

Run (from the repo root, in the venv setup_venv.sh makes):
    ../refenv/bin/python tools/reference/make_model_fixtures.py [--only PART ...]
PART is one of: models (tiny pipelines + their component I/O), manifests (full-size tensor lists),
pipeline (end-to-end inpainting runs of the tiny pipelines; needs `models` written first).
No argument: all parts, in that order. CPU, float32, fixed seeds: rerunning rewrites the same bytes.
Weights are stored as F16 (sd2_tiny under the plain file names, sd15_tiny as the "fp16" variant);
every parameter is rounded to float16 before any reference output is computed, and the outputs are
computed in float32 from the files as reloaded, so they are exact for the stored values.

Writes
  tests/fixtures/models/<sd2_tiny|sd15_tiny>/     diffusers layout (model_index.json, unet/, vae/,
                                                  text_encoder/, scheduler/), random weights
  tests/fixtures/models/<name>/io/<part>.safetensors   inputs and diffusers' outputs per component
  tests/fixtures/models/<name>/io/pipeline_<pndm|ddim>.safetensors   end-to-end inpainting
  tests/fixtures/manifests/<sd2-inpainting|sd15-inpainting>.json   config, parameter count and
                                                  tensor names/shapes (state_dict order) per component
  tests/fixtures/manifests/tiny_fixtures.json     parameter counts of the tiny components
"""
import argparse
import json
import math
import os
import shutil

import PIL.Image
import torch
from safetensors.torch import save_file

import diffusers
import transformers
from diffusers import (AutoencoderKL, DDIMScheduler, PNDMScheduler, StableDiffusionInpaintPipeline,
                       UNet2DConditionModel)
from diffusers.models.autoencoders import vae as vae_module
from transformers import CLIPTextConfig, CLIPTextModel

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS_DIR = os.path.join(ROOT, "tests", "fixtures", "models")
MANIFESTS_DIR = os.path.join(ROOT, "tests", "fixtures", "manifests")
SEQ_LEN = 77
MODELS_LIMIT_BYTES = 4_500_000     # tests/fixtures/models/ in all (target ~4 MB; "a few MB" rule)


# ---------------------------------------------------------------- configs
# The full-size configs are those of the Hugging Face repositories' config.json files, every key
# written out (diffusers/transformers fill absent keys with their defaults, and so must we). The
# version strings (_diffusers_version, transformers_version, _name_or_path) are provenance only;
# they were written from memory of those files and could not be checked offline.
CROSS_DOWN = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
CROSS_UP = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]

SD2_INPAINT_UNET = {
    "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.10.0.dev0", "act_fn": "silu",
    "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False, "cross_attention_dim": 1024, "down_block_types": CROSS_DOWN,
    "downsample_padding": 1, "dual_cross_attention": False, "flip_sin_to_cos": True, "freq_shift": 0,
    "in_channels": 9, "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
    "norm_num_groups": 32, "num_class_embeds": None, "only_cross_attention": False, "out_channels": 4,
    "sample_size": 64, "up_block_types": CROSS_UP, "use_linear_projection": True,
}
# runwayml's files predate use_linear_projection & co.: absent keys take diffusers' defaults.
SD15_INPAINT_UNET = {
    "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.6.0", "act_fn": "silu",
    "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": False,
    "cross_attention_dim": 768, "down_block_types": CROSS_DOWN, "downsample_padding": 1,
    "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 9, "layers_per_block": 2,
    "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4,
    "sample_size": 64, "up_block_types": CROSS_UP,
}


def sd_vae_config(version):
    return {
        "_class_name": "AutoencoderKL", "_diffusers_version": version, "act_fn": "silu",
        "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
        "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
        "out_channels": 3, "sample_size": 512, "up_block_types": ["UpDecoderBlock2D"] * 4,
    }


def clip_text_config(name_or_path, version, hidden, intermediate, layers, heads, act, projection):
    return {
        "_name_or_path": name_or_path, "architectures": ["CLIPTextModel"], "attention_dropout": 0.0,
        "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2, "hidden_act": act, "hidden_size": hidden,
        "initializer_factor": 1.0, "initializer_range": 0.02, "intermediate_size": intermediate,
        "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
        "num_attention_heads": heads, "num_hidden_layers": layers, "pad_token_id": 1,
        "projection_dim": projection, "torch_dtype": "float32", "transformers_version": version,
        "vocab_size": 49408,
    }


def scheduler_config(class_name, version, pndm):
    config = {
        "_class_name": class_name, "_diffusers_version": version, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
        "num_train_timesteps": 1000, "set_alpha_to_one": False, "steps_offset": 1, "trained_betas": None,
    }
    if pndm:
        config.update({"prediction_type": "epsilon", "skip_prk_steps": True})
    return dict(sorted(config.items()))


COMMON_NOTES = [
    "tensors: [name, shape] of every parameter (F32 in the main files), in the state_dict order of the current "
    "diffusers/transformers module built from config, named as the HF safetensors files name them",
    "file_name_rules: [file part, module part]; the HF files predate two renames: the VAE mid-block "
    "attention (query/key/value/proj_attn, now to_q/to_k/to_v/to_out.0) and transformers 5 dropping "
    "CLIPTextModel's text_model. prefix; files saved by current libraries (tests/fixtures/models) use "
    "the module names, so a loader must accept both",
    "extra_tensors: [name, shape, dtype] of non-parameter tensors the HF files also hold",
    "text_encoder: bos/eos/pad ids in this config (0/2/1) are stale; the tokenizer's BOS 49406, EOS 49407 "
    "are what prompts contain",
]

FULL_MODELS = {
    "sd2-inpainting": {
        "source": "stabilityai/stable-diffusion-2-inpainting",
        "unet": SD2_INPAINT_UNET,
        "vae": sd_vae_config("0.10.0.dev0"),
        "text_encoder": clip_text_config("hf-models/stable-diffusion-v2-768x768/text_encoder",
                                         "4.25.0.dev0", 1024, 4096, 23, 16, "gelu", 512),
        "scheduler": scheduler_config("PNDMScheduler", "0.10.0.dev0", pndm=True),
        "expected_param_counts": {"unet": 865_925_124, "vae": 83_653_863, "text_encoder": 340_387_840},
        "notes": COMMON_NOTES + ["text_encoder: 23 of OpenCLIP ViT-H/14's 24 text layers (SD2 uses the "
                                 "penultimate layer's output, then the final layer norm)"],
    },
    "sd15-inpainting": {
        "source": "runwayml/stable-diffusion-inpainting",
        "unet": SD15_INPAINT_UNET,
        "vae": sd_vae_config("0.6.0"),
        "text_encoder": clip_text_config("openai/clip-vit-large-patch14", "4.22.0.dev0",
                                         768, 3072, 12, 12, "quick_gelu", 768),
        "scheduler": scheduler_config("DDIMScheduler", "0.6.0", pndm=False),
        "expected_param_counts": {"vae": 83_653_863, "text_encoder": 123_060_480},
        "notes": COMMON_NOTES + ["unet: keys absent from the HF config.json take diffusers' defaults "
                                 "(use_linear_projection false, upcast_attention false, ...)"],
    },
}

# Tiny stand-ins with the same block structure. Token ids must stay below the tiny vocabulary, so
# BOS/EOS are the two highest ids; SD2's tokenizer pads with id 0 ("!"), SD1.5's with EOS.
TINY_VAE = {
    "block_out_channels": [16, 32], "down_block_types": ["DownEncoderBlock2D"] * 2,
    "up_block_types": ["UpDecoderBlock2D"] * 2, "layers_per_block": 1, "latent_channels": 4,
    "norm_num_groups": 8, "scaling_factor": 0.18215, "sample_size": 32,
}
TINY_DOWN = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
TINY_UP = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]


def tiny_unet(head_dim, linear_projection, cross_dim):
    return {
        "sample_size": 8, "in_channels": 9, "out_channels": 4, "down_block_types": TINY_DOWN,
        "up_block_types": TINY_UP, "block_out_channels": [16, 32, 32], "layers_per_block": 2,
        "attention_head_dim": head_dim, "use_linear_projection": linear_projection,
        "cross_attention_dim": cross_dim, "norm_num_groups": 8, "flip_sin_to_cos": True, "freq_shift": 0,
        "act_fn": "silu",
    }


def tiny_text(hidden, intermediate, act):
    return {
        "hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": 2,
        "num_attention_heads": 4, "hidden_act": act, "vocab_size": 1000, "max_position_embeddings": 77,
        "projection_dim": hidden, "bos_token_id": 998, "eos_token_id": 999, "pad_token_id": 1,
    }


# Weights are stored as F16; "variant" picks the file names, so both of a loader's paths are used:
# None = plain names holding F16 tensors (diffusion_pytorch_model.safetensors, model.safetensors),
# "fp16" = diffusers' variant names (diffusion_pytorch_model.fp16.safetensors, model.fp16.safetensors).
# Head counts divide every width: sd2_tiny 16/2, 32/4 (8 channels per head); sd15_tiny 4 heads
# everywhere (4 resp. 8 channels per head); text encoders 4 heads of 8 resp. 6.
TINY_MODELS = {
    "sd2_tiny": {
        "seed": 2000, "pad_id": 0, "variant": None,
        "unet": tiny_unet([2, 4, 4], True, 32), "vae": TINY_VAE, "text_encoder": tiny_text(32, 64, "gelu"),
        "scheduler": FULL_MODELS["sd2-inpainting"]["scheduler"],
    },
    "sd15_tiny": {
        "seed": 1500, "pad_id": 999, "variant": "fp16",
        "unet": tiny_unet(4, False, 24), "vae": TINY_VAE, "text_encoder": tiny_text(24, 48, "quick_gelu"),
        "scheduler": FULL_MODELS["sd2-inpainting"]["scheduler"],
    },
}


# ---------------------------------------------------------------- building and randomising models
def build_text_encoder(config_dict):
    return CLIPTextModel(CLIPTextConfig.from_dict(config_dict))


def build_components(spec):
    """Builds unet, vae and text_encoder from config dicts the way from_pretrained would."""
    return {
        "unet": UNet2DConditionModel.from_config(spec["unet"]),
        "vae": AutoencoderKL.from_config(spec["vae"]),
        "text_encoder": build_text_encoder(spec["text_encoder"]),
    }


@torch.no_grad()
def randomise_(model, seed):
    """Overwrites every parameter with seeded random values.

    Default inits leave some paths at zero (zero-initialised biases, norms at exactly 1/0) and
    would let a wrong or missing bias go unnoticed. Weights get N(0, 1/fan_in) so activations stay
    O(1) through the residual stacks; norm weights 1 + N(0, 0.1²); biases and norm shifts small
    but non-zero.
    """
    gen = torch.Generator().manual_seed(seed)
    touched = set()
    for mod_name, mod in model.named_modules():
        for p_name, p in mod.named_parameters(recurse=False):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if isinstance(mod, (torch.nn.GroupNorm, torch.nn.LayerNorm)):
                value = (1.0 if p_name == "weight" else 0.0) + 0.1 * noise
            elif p_name == "bias":
                value = 0.05 * noise
            elif isinstance(mod, torch.nn.Embedding):
                value = 0.5 * noise
            elif p.dim() >= 2:
                value = noise / math.sqrt(p[0].numel())
            else:
                raise RuntimeError(f"randomise_: no rule for parameter {mod_name}.{p_name} {tuple(p.shape)}")
            p.copy_(value)
            touched.add(f"{mod_name}.{p_name}" if mod_name else p_name)
    missed = {n for n, _ in model.named_parameters()} - touched
    if missed:
        raise RuntimeError(f"randomise_: parameters left untouched: {sorted(missed)}")
    return model


@torch.no_grad()
def round_to_f16_(model):
    """Rounds every parameter to the nearest float16 value, kept as float32.

    Done before anything is computed, so the float32 reference outputs are exact for the F16 files.
    """
    for p in model.parameters():
        p.data = p.data.half().float()
    return model


def check_reloaded(name, components, rounded):
    """The reloaded float32 parameters must equal the rounded values bit for bit."""
    for part, expected in rounded.items():
        got = dict(components[part].named_parameters())
        if got.keys() != expected.keys():
            raise RuntimeError(f"{name}/{part}: reloaded parameter names differ")
        for key, value in expected.items():
            if got[key].dtype != torch.float32 or not torch.equal(got[key], value):
                raise RuntimeError(f"{name}/{part}: {key} reloaded as {got[key].dtype}, not the rounded value")


# ---------------------------------------------------------------- tiny pipelines and their I/O
def save_tensors(path, tensors, note):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # One metadata key: safetensors writes several in hash order, which would change the bytes per run.
    metadata = {"note": f"{note} [tools/reference/make_model_fixtures.py; diffusers {diffusers.__version__}, "
                        f"transformers {transformers.__version__}, torch {torch.__version__.split('+')[0]}]"}
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, path, metadata=metadata)
    stats = ", ".join(f"{k} {list(v.shape)} std {v.float().std().item():.3g}" for k, v in tensors.items())
    print(f"  {os.path.relpath(path, ROOT)}: {stats}")


def make_input_ids(spec, gen):
    """Two prompts: BOS, random ids, EOS, then padding (SD2 pads with id 0 "!", SD1.5 with EOS)."""
    te = spec["text_encoder"]
    bos, eos, vocab = te["bos_token_id"], te["eos_token_id"], te["vocab_size"]
    ids = torch.full((2, SEQ_LEN), spec["pad_id"], dtype=torch.int64)
    for row, n_words in enumerate((6, 40)):
        words = torch.randint(2, vocab - 2, (n_words,), generator=gen, dtype=torch.int64)
        ids[row, 0] = bos
        ids[row, 1:1 + n_words] = words
        ids[row, 1 + n_words] = eos
    return ids


@torch.no_grad()
def write_component_io(name, spec, parts, io_dir):
    gen = torch.Generator().manual_seed(spec["seed"] + 100)
    unet, vae, te = parts["unet"], parts["vae"], parts["text_encoder"]
    cross = unet.config.cross_attention_dim

    input_ids = make_input_ids(spec, gen)
    hidden = te(input_ids=input_ids).last_hidden_state
    save_tensors(os.path.join(io_dir, "text_encoder.safetensors"),
                 {"input_ids": input_ids, "last_hidden_state": hidden},
                 f"{name}: last_hidden_state = text_encoder(input_ids)[0] (final layer norm applied)")

    # Timesteps differ within the batch so a per-batch time embedding bug shows.
    for file_name, side, steps in (("unet", 8, [981.0, 21.0]), ("unet_16", 16, [761.0, 761.0])):
        sample = torch.randn((2, unet.config.in_channels, side, side), generator=gen)
        timestep = torch.tensor(steps, dtype=torch.float32)
        context = torch.randn((2, SEQ_LEN, cross), generator=gen)
        noise_pred = unet(sample, timestep, encoder_hidden_states=context).sample
        save_tensors(os.path.join(io_dir, f"{file_name}.safetensors"),
                     {"sample": sample, "timestep": timestep, "encoder_hidden_states": context,
                      "noise_pred": noise_pred},
                     f"{name}: noise_pred = unet(sample, timestep, encoder_hidden_states).sample")

    # A smooth image plus noise, in [-1, 1].
    ramp = torch.linspace(-1.0, 1.0, 32)
    smooth = torch.stack([ramp[None, :].expand(32, 32), ramp[:, None].expand(32, 32),
                          (ramp[None, :] * ramp[:, None])])[None]
    image = (0.7 * smooth + 0.3 * (2 * torch.rand((1, 3, 32, 32), generator=gen) - 1)).clamp(-1, 1)
    dist = vae.encode(image).latent_dist
    save_tensors(os.path.join(io_dir, "vae_encoder.safetensors"),
                 {"image": image, "mean": dist.mean, "logvar": dist.logvar},
                 f"{name}: mean/logvar = vae.encode(image).latent_dist "
                 "(quant_conv applied, logvar clamped to [-30, 20])")

    latents = torch.randn((1, vae.config.latent_channels, 16, 16), generator=gen)
    decoded = vae.decode(latents).sample
    save_tensors(os.path.join(io_dir, "vae_decoder.safetensors"),
                 {"latents": latents, "image": decoded},
                 f"{name}: image = vae.decode(latents).sample (post_quant_conv applied; latents unscaled)")


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def load_tiny_pipeline(model_dir, variant):
    """The pipeline as stored, upcast to float32 (exact: the files hold F16 values)."""
    pipe = StableDiffusionInpaintPipeline.from_pretrained(
        model_dir, dtype=torch.float32, variant=variant, tokenizer=None, safety_checker=None,
        feature_extractor=None, image_encoder=None)
    pipe.set_progress_bar_config(disable=True)
    for part in ("unet", "vae", "text_encoder"):
        getattr(pipe, part).eval()
    return pipe


def make_tiny_model(name, spec):
    out_dir = os.path.join(MODELS_DIR, name)
    print(f"{name}:")
    parts = build_components(spec)
    for offset, part in enumerate(("unet", "vae", "text_encoder")):
        randomise_(parts[part], spec["seed"] + offset)
        round_to_f16_(parts[part])
        parts[part].eval()
    rounded = {part: {k: p.detach().clone() for k, p in model.named_parameters()} for part, model in parts.items()}
    for model in parts.values():
        model.half()  # the files hold F16; the values are already F16-representable, so nothing changes
    scheduler = PNDMScheduler.from_config(spec["scheduler"])
    pipe = StableDiffusionInpaintPipeline(
        vae=parts["vae"], text_encoder=parts["text_encoder"], tokenizer=None, unet=parts["unet"],
        scheduler=scheduler, safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    pipe.save_pretrained(out_dir, safe_serialization=True, variant=spec["variant"])
    # The reference outputs come from the model as reloaded from disk (float32), so they describe the files.
    reloaded = load_tiny_pipeline(out_dir, spec["variant"])
    check_reloaded(name, reloaded.components, rounded)
    write_component_io(name, spec, reloaded.components, os.path.join(out_dir, "io"))
    print(f"  {name}: {dir_bytes(out_dir) / 1e6:.2f} MB on disk (before the pipeline fixtures)")
    return {part: param_counts(part, model) for part, model in parts.items()}


# ---------------------------------------------------------------- end-to-end inpainting runs
PIPELINE_SCHEDULERS = {"pndm": PNDMScheduler, "ddim": DDIMScheduler}
PIPELINE_STEPS = 3
PIPELINE_GUIDANCE = 7.5
PIPELINE_SIDE = 32      # pixels; the tiny VAE makes 16x16 latents of it
MASK_BORDER = 7         # odd on purpose: the latent mask then shows which pixel nearest-resize picks


def pipeline_inputs(seed, cross_dim):
    """A uint8 RGB picture, a border mask (255 = repaint) and random prompt embeddings / latents."""
    gen = torch.Generator().manual_seed(seed)
    side = PIPELINE_SIDE
    ramp = torch.linspace(0.0, 1.0, side)
    picture = torch.stack([ramp[None, :].expand(side, side), ramp[:, None].expand(side, side),
                           0.5 + 0.5 * torch.sin(6.0 * ramp[None, :] + 4.0 * ramp[:, None])], dim=-1)
    picture = picture * 0.8 + 0.2 * torch.rand((side, side, 3), generator=gen)
    image_u8 = (picture.clamp(0, 1) * 255).round().to(torch.uint8)
    mask_u8 = torch.full((side, side), 255, dtype=torch.uint8)
    mask_u8[MASK_BORDER:side - MASK_BORDER, MASK_BORDER:side - MASK_BORDER] = 0
    return {
        "image_u8": image_u8[None], "mask_u8": mask_u8[None],
        "prompt_embeds": torch.randn((1, SEQ_LEN, cross_dim), generator=gen),
        "negative_prompt_embeds": torch.randn((1, SEQ_LEN, cross_dim), generator=gen),
        "latents": torch.randn((1, 4, side // 2, side // 2), generator=gen),
    }


class PipelineRecorder:
    """Captures what diffusers computes inside one pipeline call, without changing any of it."""

    def __init__(self, pipe):
        self.seen, self.handles = {}, []
        self.unet_calls, self.step_calls, self.vae_noise = [], [], []
        wrap = self._wrap
        wrap(pipe.image_processor, "preprocess", lambda args, out: self.seen.setdefault("image", out))
        wrap(pipe.mask_processor, "preprocess", lambda args, out: self.seen.setdefault("mask", out))
        wrap(pipe, "prepare_mask_latents", self._on_mask_latents)
        wrap(pipe.scheduler, "step", lambda args, out: self.step_calls.append((args[0], args[1], out[0])))
        wrap(vae_module, "randn_tensor", lambda args, out: self.vae_noise.append(out))
        self.handles.append(pipe.unet.register_forward_hook(
            lambda mod, args, out: self.unet_calls.append((args[0], out[0]))))
        self.handles.append(pipe.vae.decoder.register_forward_hook(
            lambda mod, args, out: self.seen.setdefault("image_decoded", out)))

    def _wrap(self, owner, attr, record):
        original = getattr(owner, attr)

        def wrapped(*args, **kwargs):
            out = original(*args, **kwargs)
            record(args, out)
            return out
        setattr(owner, attr, wrapped)
        self.handles.append(_Restore(owner, attr, original))

    def _on_mask_latents(self, args, out):
        self.seen["masked_image"] = args[1]
        for key, value in zip(("mask_latent", "masked_image_latents"), out):
            if not torch.equal(value[:1], value[1:]):  # duplicated for guidance: both halves equal
                raise RuntimeError(f"{key}: guidance halves differ")
            self.seen[key] = value[:1]

    def close(self):
        for handle in reversed(self.handles):
            handle.remove()


class _Restore:
    def __init__(self, owner, attr, original):
        self.owner, self.attr, self.original = owner, attr, original

    def remove(self):
        setattr(self.owner, self.attr, self.original)


@torch.no_grad()
def make_pipeline_fixture(name, spec, scheduler_name):
    pipe = load_tiny_pipeline(os.path.join(MODELS_DIR, name), spec["variant"])
    pipe.scheduler = PIPELINE_SCHEDULERS[scheduler_name].from_config(pipe.scheduler.config)
    if pipe.vae_scale_factor != 2:
        raise RuntimeError(f"{name}: vae_scale_factor {pipe.vae_scale_factor}, expected 2 for a 2-block VAE")
    inputs = pipeline_inputs(spec["seed"] + 200, pipe.unet.config.cross_attention_dim)
    recorder = PipelineRecorder(pipe)
    try:
        result = pipe(
            prompt_embeds=inputs["prompt_embeds"], negative_prompt_embeds=inputs["negative_prompt_embeds"],
            image=PIL.Image.fromarray(inputs["image_u8"][0].numpy()),      # H×W×3 uint8: RGB
            mask_image=PIL.Image.fromarray(inputs["mask_u8"][0].numpy()),  # H×W uint8: L
            height=PIPELINE_SIDE, width=PIPELINE_SIDE, strength=1.0, num_inference_steps=PIPELINE_STEPS,
            guidance_scale=PIPELINE_GUIDANCE, latents=inputs["latents"].clone(),
            generator=torch.Generator().manual_seed(spec["seed"] + 300), output_type="np")
    finally:
        recorder.close()
    seen = recorder.seen
    if len(recorder.vae_noise) != 1:
        raise RuntimeError(f"{name}: expected one VAE posterior sample, saw {len(recorder.vae_noise)}")
    tensors = dict(inputs)
    tensors.update({key: seen[key] for key in ("image", "mask", "masked_image", "masked_image_latents",
                                               "mask_latent")})
    tensors["masked_image_noise"] = recorder.vae_noise[0]
    tensors["timesteps"] = torch.stack([t for _, t, _ in recorder.step_calls]).to(torch.int64)
    # Size budget: the bulky UNet input/output ([2,9,h,w] + [2,4,h,w]) is kept for the first and the
    # last call only (unet_in_i is cat(latents_{i-1} twice, mask, masked_image_latents) anyway); the
    # small guided noise and stepped latents of every call stay, so each scheduler step can be checked.
    calls = len(recorder.unet_calls)
    for i, ((unet_in, unet_out), (noise_pred, _, latents)) in enumerate(zip(recorder.unet_calls,
                                                                            recorder.step_calls)):
        if i in (0, calls - 1):
            tensors[f"unet_in_{i}"] = unet_in
            tensors[f"unet_out_{i}"] = unet_out
        tensors[f"noise_pred_{i}"] = noise_pred
        tensors[f"latents_{i}"] = latents
    tensors["image_decoded"] = seen["image_decoded"]
    tensors["image_out"] = torch.from_numpy(result.images).permute(0, 3, 1, 2)
    save_tensors(os.path.join(MODELS_DIR, name, "io", f"pipeline_{scheduler_name}.safetensors"), tensors,
                 f"{name}: StableDiffusionInpaintPipeline, {scheduler_name.upper()}, {PIPELINE_STEPS} steps, "
                 f"guidance {PIPELINE_GUIDANCE}, strength 1, {PIPELINE_SIDE}x{PIPELINE_SIDE}; "
                 "see tools/reference/README.md")


# ---------------------------------------------------------------- manifests
def count(module):
    return sum(p.numel() for p in module.parameters())


def param_counts(part, model):
    counts = {"param_count": count(model), "tensor_count": len(model.state_dict())}
    if part == "vae":
        counts["param_count_encoder"] = count(model.encoder) + count(model.quant_conv)
        counts["param_count_decoder"] = count(model.decoder) + count(model.post_quant_conv)
    return counts


# The HF files were written by 2022 diffusers/transformers, and their names differ from what the
# current modules call the same tensors: (file name part, module name part), applied left to right.
FILE_NAME_RULES = {
    "unet": [],
    "vae": [(f"mid_block.attentions.0.{old}.", f"mid_block.attentions.0.{new}.")
            for old, new in (("query", "to_q"), ("key", "to_k"), ("value", "to_v"), ("proj_attn", "to_out.0"))],
    "text_encoder": [("text_model.", "")],
}
# Tensors the HF files hold beyond the parameters: [name, shape, dtype].
FILE_EXTRA_TENSORS = {"text_encoder": [["text_model.embeddings.position_ids", [1, 77], "I64"]]}


def file_name(part, module_name):
    for old, new in FILE_NAME_RULES[part]:
        if new == "":
            module_name = old + module_name
        elif new in module_name:
            module_name = module_name.replace(new, old)
    return module_name


def describe(part, model, config):
    """A manifest entry: tensor names as the HF safetensors files spell them, in state_dict order."""
    state = model.state_dict()
    if sum(t.numel() for t in state.values()) != count(model):
        raise RuntimeError(f"{part}: state_dict holds more than the parameters (persistent buffers?)")
    entry = {"config": config}
    entry.update(param_counts(part, model))
    entry["file_name_rules"] = [list(rule) for rule in FILE_NAME_RULES[part]]
    entry["extra_tensors"] = FILE_EXTRA_TENSORS.get(part, [])
    entry["tensors"] = [[file_name(part, key), list(t.shape)] for key, t in state.items()]
    return entry


def make_manifest(config_name, spec):
    with torch.device("meta"):
        parts = build_components(spec)
    manifest = {"source": spec["source"], "notes": spec["notes"]}
    for part, model in parts.items():
        manifest[part] = describe(part, model, spec[part])
        expected = spec["expected_param_counts"].get(part)
        got = manifest[part]["param_count"]
        verdict = "" if expected is None else ("  matches REFERENCE.md" if got == expected
                                              else f"  DIFFERS from REFERENCE.md {expected:,}")
        print(f"{config_name}: {part} {got:,} parameters, {manifest[part]['tensor_count']} tensors{verdict}")
    manifest["scheduler"] = {"config": spec["scheduler"]}
    write_json(os.path.join(MANIFESTS_DIR, f"{config_name}.json"), manifest)


def to_json(value, indent=0):
    """JSON with dicts spread over lines but short flat lists (shapes, [name, shape] rows) on one line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {to_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}" if items else "{}"
    flat = json.dumps(value)
    if isinstance(value, list) and value and (len(flat) > 100 or any(
            isinstance(v, list) and any(isinstance(w, list) for w in v) for v in value)):
        return "[\n" + ",\n".join(pad + to_json(v, indent + 1) for v in value) + "\n" + "  " * indent + "]"
    return flat


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(to_json(value) + "\n")
    os.replace(tmp, path)
    print(f"  wrote {os.path.relpath(path, ROOT)}")


# ---------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=["models", "manifests", "pipeline"],
                        default=["models", "manifests", "pipeline"])
    args = parser.parse_args()
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)  # one reduction order, whatever the machine
    torch.use_deterministic_algorithms(True)
    if "models" in args.only:
        tiny_counts = {name: make_tiny_model(name, spec) for name, spec in TINY_MODELS.items()}
        write_json(os.path.join(MANIFESTS_DIR, "tiny_fixtures.json"), tiny_counts)
    if "manifests" in args.only:
        for config_name, spec in FULL_MODELS.items():
            make_manifest(config_name, spec)
    if "pipeline" in args.only:
        for name, spec in TINY_MODELS.items():
            for scheduler_name in PIPELINE_SCHEDULERS:
                make_pipeline_fixture(name, spec, scheduler_name)
    total = dir_bytes(MODELS_DIR)
    print(f"tests/fixtures/models: {total / 1e6:.2f} MB"
          + (f" (over the {MODELS_LIMIT_BYTES / 1e6:.1f} MB budget)" if total > MODELS_LIMIT_BYTES else ""))


if __name__ == "__main__":
    main()
