"""What every engine of the peer harness shares: the work's fixed figures, the input files,
the precision classes. Standard library only (the driver runs without the peers' venv)."""

import json
import os
import random
import struct

SIZE = 512                    # image side; latents are SIZE / 8
LATENT = SIZE // 8
CONTEXT = (77, 1024)          # SD2's text embeddings per prompt
PROMPT = "a lighthouse on a cliff at sunset"
NEGATIVE = ""
GUIDANCE = 7.5
SEED = 1
SCHEDULER = "ddim"            # one UNet evaluation (batch 2, guided) per step on every engine
TARGET_STEPS = 25             # the steps of issue 15's keyframe target
THREADS = 2

WORK_ITEMS = ("unet", "vae_decode", "vae_encode", "keyframe")

# Precision classes of issue 15: zoomrt is compared with the fastest peer of its own class.
CLASS_OF = {
    "f32": "fp32", "fp32": "fp32",
    "f16": "16-bit", "bf16": "16-bit", "f16-fa": "16-bit",
    "int8-mix": "8-bit", "q8_0": "8-bit", "q8_0-fa": "8-bit",
    "int4a8-mix": "4-bit", "q4_0": "4-bit", "q4_0-fa": "4-bit",
}
CLASSES = ("fp32", "16-bit", "8-bit", "4-bit")

# Input files (safetensors, F32): the same tensors for zoomrt eval and the Python peers.
INPUTS = {
    "unet": {"sample": (2, 9, LATENT, LATENT), "timestep": (2,), "encoder_hidden_states": (2,) + CONTEXT},
    "vae_decode": {"latents": (1, 4, LATENT, LATENT)},
    "vae_encode": {"image": (1, 3, SIZE, SIZE)},
}


def input_path(cache_dir, work):
    return os.path.join(cache_dir, f"inputs_{work}.safetensors")


def _values(name, shape, rng):
    n = 1
    for d in shape:
        n *= d
    if name == "timestep":
        return [500.0] * n
    if name == "image":
        return [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return [rng.gauss(0.0, 1.0) for _ in range(n)]


def write_safetensors(path, tensors):
    """tensors: name -> (shape, list of floats), written as F32 to a temporary name, then renamed."""
    header, blobs, offset = {}, [], 0
    for name, (shape, values) in tensors.items():
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def ensure_inputs(cache_dir):
    """Writes the input files once (fixed seed); later runs reuse them."""
    os.makedirs(cache_dir, exist_ok=True)
    for work, spec in INPUTS.items():
        path = input_path(cache_dir, work)
        if os.path.exists(path):
            continue
        rng = random.Random(SEED)
        write_safetensors(path, {name: (shape, _values(name, shape, rng)) for name, shape in spec.items()})


OPENVINO_MODELS = ("text_encoder", "vae_encoder", "unet", "vae_decoder")


def openvino_ir_dir(cache_dir):
    return os.path.join(cache_dir, "openvino_ir")


def openvino_converted(cache_dir):
    return all(os.path.exists(os.path.join(openvino_ir_dir(cache_dir), n + ".xml")) for n in OPENVINO_MODELS)
