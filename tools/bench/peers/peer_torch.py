"""PyTorch + diffusers: the four components as diffusers / transformers load them from the
model directory, fp32 or with bf16 weights (bf16 compute), 2 intra-op threads."""

import numpy as np
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextModel

import common
from keyframe_loop import Components

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def load_modules(model_dir, dtype):
    unet = UNet2DConditionModel.from_pretrained(model_dir, subfolder="unet", torch_dtype=dtype).eval()
    vae = AutoencoderKL.from_pretrained(model_dir, subfolder="vae", torch_dtype=dtype).eval()
    text = CLIPTextModel.from_pretrained(model_dir, subfolder="text_encoder", torch_dtype=dtype).eval()
    return text, vae, unet


def components(model_dir, precision):
    if precision not in DTYPES:
        raise SystemExit(f"peer_torch: precision '{precision}' is not fp32 or bf16")
    torch.set_num_threads(common.THREADS)
    dtype = DTYPES[precision]
    text, vae, unet = load_modules(model_dir, dtype)

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a)).to(dtype)

    def out(x):
        return x.float().numpy()

    @torch.inference_mode()
    def text_fn(ids):
        return out(text(torch.from_numpy(ids))[0])

    @torch.inference_mode()
    def enc_fn(image):
        return out(vae.encode(t(image)).latent_dist.mean)

    @torch.inference_mode()
    def unet_fn(sample, timestep, context):
        return out(unet(t(sample), torch.from_numpy(np.asarray(timestep, np.float32)), t(context)).sample)

    @torch.inference_mode()
    def dec_fn(latents):
        return out(vae.decode(t(latents)).sample)

    return Components(text_fn, enc_fn, unet_fn, dec_fn)
