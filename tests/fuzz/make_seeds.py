#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/<target>/ (small, valid or nearly valid inputs
that start each fuzzer deep in its parser). Run with the reference environment:
    /work/refenv/bin/python tests/fuzz/make_seeds.py
Inputs come from the Python libraries (safetensors, PIL) and the repository's own fixtures and
presets, never from zoomrt. Files the fuzzers add later live in build-fuzz/, not here."""
import io
import json
import shutil
import struct
from pathlib import Path

import numpy as np
from PIL import Image
from safetensors.numpy import save

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"
MODELS = ROOT / "tests" / "fixtures" / "models"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors_seeds():
    put("safetensors", "f32_f16", save({"w": np.arange(6, dtype=np.float32).reshape(2, 3),
                                       "b": np.ones(3, dtype=np.float16)}, metadata={"format": "pt"}))
    put("safetensors", "ints_scalar_empty", save({"i": np.array([1, -2], dtype=np.int64), "s": np.array(3.0, dtype=np.float32),
                                                  "e": np.zeros((0, 4), dtype=np.int32), "u": np.array([7], dtype=np.uint8),
                                                  "q": np.array([-1], dtype=np.int8), "t": np.array([True])}))
    header = json.dumps({"x": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    put("safetensors", "bf16_hand", struct.pack("<Q", len(header)) + header + b"\x80\x3f\x00\x40")
    overlap = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    put("safetensors", "overlap", struct.pack("<Q", len(overlap)) + overlap + bytes(12))


def json_seeds():
    index = {"metadata": {"total_size": 24}, "weight_map": {"x": "a.safetensors", "y": "a.safetensors"}}
    put("safetensors_index", "two_tensors.json", json.dumps(index))
    put("safetensors_index", "missing_shard.json", json.dumps({"weight_map": {"x": "b.safetensors"}}))
    put("safetensors_index", "escape.json", json.dumps({"weight_map": {"x": "../idx/a.safetensors"}}))
    for model in ("sd2_tiny", "sd15_tiny"):
        put("model_index", model + ".json", (MODELS / model / "model_index.json").read_bytes())
        for comp in ("unet", "vae", "text_encoder"):
            put("model_config", f"{model}_{comp}.json", (MODELS / model / comp / "config.json").read_bytes())
        put("scheduler_config", model + ".json", (MODELS / model / "scheduler" / "scheduler_config.json").read_bytes())
    for cls, extra in (("DDIMScheduler", {"clip_sample": True, "timestep_spacing": "trailing"}),
                       ("EulerDiscreteScheduler", {"prediction_type": "v_prediction"}),
                       ("DPMSolverMultistepScheduler", {"beta_schedule": "linear", "final_sigmas_type": "sigma_min"})):
        put("scheduler_config", cls + ".json", json.dumps({"_class_name": cls, "num_train_timesteps": 1000,
                                                           "beta_start": 0.00085, "beta_end": 0.012, **extra}))
    for p in sorted((ROOT / "sim" / "presets").glob("*.json")):
        put("npu_json", p.name, p.read_bytes())


def option_seeds():
    """scheduler_steps: "<steps> <strength>" then a scheduler config; zoom_options: the zoom
    command's numbers, NUL, one --prompt-at item (issue 16)."""
    for f in sorted((OUT / "scheduler_config").glob("*.json")):
        put("scheduler_steps", f.stem + "_25.txt", b"25 1.0\n" + f.read_bytes())
        put("scheduler_steps", f.stem + "_7_strength.txt", b"7 0.6\n" + f.read_bytes())
    put("scheduler_steps", "issue16_offset.txt",
        '20 1\n{"num_train_timesteps": 100000, "steps_offset": 99999, "beta_start": 1e-6, "beta_end": 2e-5, '
        '"skip_prk_steps": true}')
    put("scheduler_steps", "issue16_two_timesteps.txt", '20 1\n{"num_train_timesteps": 2, "skip_prk_steps": true}')
    put("zoom_options", "defaults.txt", "512 512 8 4 2 0 8 30 25 7.5\x003:a castle")
    put("zoom_options", "border.txt", "64 64 3 0 2 16 2 30 2 7.5\x001:a tower")
    put("zoom_options", "extremes.txt", "64 64 100000 9 2 1073741824 8 240 1000 100\x002:x")


def text_seeds():
    put("scalesim_cfg", "example.cfg",
        "[general]\nrun_name = scale_example_run_32x32_os\n\n[architecture_presets]\n"
        "ArrayHeight:    32\nArrayWidth :    32\nIfmapSramSzkB:    64\nFilterSramSzkB:   64\n"
        "OfmapSramSzkB:    64\nIfmapOffset:    0\nFilterOffset:   10000000\nOfmapOffset:    20000000\n"
        "Bandwidth : 10\nDataflow : ws\nMemoryBanks: 1\n\n[run_presets]\nInterfaceBandwidth: CALC\n")
    for p in sorted((ROOT / "scheduler" / "topologies").glob("*.csv")):
        put("topology_csv", p.name, p.read_bytes())
    put("topology_csv", "gemm.csv", "Layer, M, N, K,\nfc1, 64, 128, 256,\n# comment\nfc2, 1, 10, 128\n")
    put("topology_csv", "conv_groups.csv", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
        "Channels, Num Filter, Strides, Groups, Padding,\ndw, 16, 16, 3, 3, 8, 8, 1, 8, 1,\n")
    put("prompt_schedule", "basic.txt", "# zoom prompts\n0: a forest\n\n3: a castle, highly detailed\n7:the sea\n")
    put("prompt_schedule", "item.txt", "2: a mountain")
    put("prompt_schedule", "unicode.txt", "0: caf\u00e9 \u2615\n12: \u65e5\u672c\n")
    for name, text in (("ascii", "a photo of an astronaut riding a horse"),
                       ("unicode", "Caf\u00e9 na\u00efve \u65e5\u672c\u8a9e \U0001F600, 3.14 it's!!"),
                       ("special", "<|startoftext|>hello<|endoftext|> !!! don't"),
                       ("long", " ".join(["word"] * 100))):
        put("prompt_text", name, text)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1, "!": 2, "a": 3, "b": 4, "a</w>": 5, "b</w>": 6,
             "ab</w>": 7, "ab": 8}
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
               "pad_token": "!"}
    config = {"model_max_length": 8, "bos_token": {"content": "<|startoftext|>", "normalized": True}}
    merges = "#version: 0.2\na b</w>\na b\n"
    put("tokenizer_files", "tiny", "\0".join([json.dumps(vocab), merges, json.dumps(special), json.dumps(config),
                                               "ab ba ! a"]))


def image_seeds():
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for name, img, fmt, kw in (("rgb.png", Image.fromarray(rgb), "PNG", {}),
                               ("rgba.png", Image.fromarray(rgb).convert("RGBA"), "PNG", {}),
                               ("grey16.png", Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257), "PNG", {}),
                               ("palette.png", Image.fromarray(rgb).convert("P"), "PNG", {}),
                               ("rgb.jpg", Image.fromarray(rgb), "JPEG", {"quality": 90}),
                               ("progressive.jpg", Image.fromarray(rgb), "JPEG", {"progressive": True}),
                               ("grey.jpg", Image.fromarray(rgb[:, :, 1]), "JPEG", {})):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        put("image", name, buf.getvalue())


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    safetensors_seeds()
    json_seeds()
    option_seeds()
    text_seeds()
    image_seeds()
    print(f"wrote {sum(1 for _ in OUT.rglob('*') if _.is_file())} seed files under {OUT}")
