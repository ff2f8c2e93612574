#!/usr/bin/env python3
"""Writes the safetensors fixtures for tests/weights_safetensors_test.cpp with the Python
`safetensors` library (the reference implementation of the format):

  tests/fixtures/weights/reference.safetensors      every dtype zoomrt reads, a scalar, empty
                                                    tensors, non-finite and subnormal values,
                                                    two metadata entries
  tests/fixtures/weights/reference_f32.safetensors  F32 only, one metadata entry: our writer
                                                    must reproduce these bytes exactly
  tests/fixtures/weights/reference_values.json      per file: metadata, tensor order in the
                                                    file, and per tensor dtype, shape and
                                                    values as float32 (non-finite as strings)

Run: /work/refenv/bin/python tools/reference/make_safetensors_fixture.py
"""
import json
import math
import pathlib
import struct

import torch
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "weights"

DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int8: "I8", torch.uint8: "U8", torch.int32: "I32", torch.int64: "I64",
               torch.bool: "BOOL"}


def mixed_tensors():
    inf, nan = float("inf"), float("nan")
    return {
        "f32.matrix": torch.tensor([[0.0, -1.5, 3.14159274], [1e-30, -0.0, inf]],
                                   dtype=torch.float32),
        "f16.values": torch.tensor([1.0, -2.0, 0.1, 65504.0, 6e-8, -0.0, -inf, nan],
                                   dtype=torch.float16).reshape(2, 4),
        "bf16.values": torch.tensor([1.5, -3e38, 1e-40, 0.3333], dtype=torch.bfloat16),
        "i8.values": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "u8.values": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "i32.values": torch.tensor([[-2147483648, 2147483647], [0, 123456789]],
                                   dtype=torch.int32),
        "i64.values": torch.tensor([-(2**40) - 3, 2**53 + 1, 7], dtype=torch.int64),
        "bool.mask": torch.tensor([True, False, False, True, True], dtype=torch.bool),
        "scalar": torch.tensor(42.25, dtype=torch.float32),
        "empty.f32": torch.zeros((0, 3), dtype=torch.float32),
        "empty.f16": torch.zeros((2, 0), dtype=torch.float16),
    }


def f32_tensors():
    g = torch.Generator().manual_seed(7)
    return {
        "conv.weight": torch.randn((2, 3, 3, 3), generator=g),
        "conv.bias": torch.randn((2,), generator=g),
        "norm.scale": torch.tensor(0.5),
        "zero.size": torch.zeros((0,)),
    }


def as_json_float(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def describe(path, tensors, metadata):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    order = [k for k in header if k != "__metadata__"]
    return {
        "metadata": metadata,
        "order": order,
        "tensors": {
            name: {
                "dtype": DTYPE_NAMES[t.dtype],
                "shape": list(t.shape),
                "values": [as_json_float(v) for v in t.float().flatten().tolist()],
            }
            for name, t in tensors.items()
        },
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "reference.safetensors": (mixed_tensors(), {"format": "pt", "note": "zoomrt fixture \u2713"}),
        "reference_f32.safetensors": (f32_tensors(), {"format": "pt"}),
    }
    values = {}
    for name, (tensors, metadata) in files.items():
        path = OUT / name
        save_file(tensors, str(path), metadata=metadata)
        values[name] = describe(path, tensors, metadata)
    with open(OUT / "reference_values.json", "w") as f:
        json.dump(values, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
