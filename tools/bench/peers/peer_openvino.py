"""OpenVINO: the same torch modules (diffusers / transformers, fp32) converted once to OpenVINO
IR with static 512x512 shapes (`convert`, a separate process so that its memory is not counted),
then compiled for the CPU with INFERENCE_PRECISION_HINT f32 or bf16 and 2 inference threads."""

import os

import numpy as np

import common
from keyframe_loop import Components

PRECISION_HINT = {"fp32": "f32", "bf16": "bf16"}
NAMES = common.OPENVINO_MODELS
ir_dir = common.openvino_ir_dir


def convert(model_dir, cache_dir):
    """Writes the four IR models (fp32 weights) under cache_dir/openvino_ir, each to a temporary
    name renamed when complete; models already there are kept."""
    import openvino as ov
    import torch
    from peer_torch import load_modules

    torch.set_num_threads(common.THREADS)
    text, vae, unet = load_modules(model_dir, torch.float32)
    for m in (text, vae, unet):
        m.requires_grad_(False)

    class Wrap(torch.nn.Module):   # holds the module as a submodule: its weights trace as parameters
        def __init__(self, module, fn):
            super().__init__()
            self.module, self.fn = module, fn

        def forward(self, *args):
            return self.fn(self.module, *args)

    def Text():
        return Wrap(text, lambda m, ids: m(ids)[0])

    def Enc():
        return Wrap(vae, lambda m, image: m.encode(image).latent_dist.mean)

    def Unet():
        return Wrap(unet, lambda m, sample, timestep, context: m(sample, timestep, context).sample)

    def Dec():
        return Wrap(vae, lambda m, latents: m.decode(latents).sample)

    L, S = common.LATENT, common.SIZE
    examples = {
        "text_encoder": (Text(), (torch.zeros((2, 77), dtype=torch.int64),)),
        "vae_encoder": (Enc(), (torch.zeros((1, 3, S, S)),)),
        "unet": (Unet(), (torch.zeros((2, 9, L, L)), torch.full((2,), 500.0), torch.zeros((2,) + common.CONTEXT))),
        "vae_decoder": (Dec(), (torch.zeros((1, 4, L, L)),)),
    }
    out = ir_dir(cache_dir)
    os.makedirs(out, exist_ok=True)
    for name, (module, example) in examples.items():
        final = os.path.join(out, name + ".xml")
        if os.path.exists(final):
            continue
        print(f"peer_openvino: converting {name}", flush=True)
        with torch.no_grad():
            m = ov.convert_model(module, example_input=example)
        tmp = os.path.join(out, name + ".tmp.xml")
        ov.save_model(m, tmp, compress_to_fp16=False)
        os.replace(tmp[:-4] + ".bin", final[:-4] + ".bin")
        os.replace(tmp, final)
        del m


def components(model_dir, precision, cache_dir):
    import openvino as ov
    import openvino.properties as props
    import openvino.properties.hint as hints

    if precision not in PRECISION_HINT:
        raise SystemExit(f"peer_openvino: precision '{precision}' is not fp32 or bf16")
    if not common.openvino_converted(cache_dir):
        raise SystemExit(f"peer_openvino: no converted models in {ir_dir(cache_dir)} (run.py converts them first)")
    core = ov.Core()
    cfg = {hints.inference_precision: PRECISION_HINT[precision], props.inference_num_threads: common.THREADS,
           hints.performance_mode: hints.PerformanceMode.LATENCY}
    compiled = {n: core.compile_model(os.path.join(ir_dir(cache_dir), n + ".xml"), "CPU", cfg) for n in NAMES}
    actual = {n: str(compiled[n].get_property(hints.inference_precision)) for n in NAMES}

    def call(name, *args):
        return np.asarray(compiled[name](list(args))[0])

    c = Components(lambda ids: call("text_encoder", ids),
                   lambda image: call("vae_encoder", image),
                   lambda s, t, ctx: call("unet", s, np.asarray(t, np.float32), ctx),
                   lambda z: call("vae_decoder", z))
    c.info = {"inference_precision": actual}
    return c
