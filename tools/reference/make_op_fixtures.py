#!/usr/bin/env python3
"""Reference inputs and outputs for the FP32 kernels in kernels/ref/, made by PyTorch.

Run (from the repo root):  /work/refenv/bin/python tools/reference/make_op_fixtures.py
CPU, float32 (what diffusers runs), fixed seeds: rerunning rewrites the same bytes.

Writes tests/fixtures/ops/<op>.safetensors, one file per op. Each file holds cases; the tensors
of case NAME are "NAME.<role>" and every case has an output "NAME.y". The test enumerates cases
from the ".y" names, so this script is the one list of cases. Attributes that the tensor shapes
do not carry are stored as "NAME.params" (int64 vector, meaning given per op below) or as float32
scalars ("NAME.scale", "NAME.eps", "NAME.shift").
"""
import math
import os
import zlib

import torch
import torch.nn.functional as F
from diffusers.models.embeddings import get_timestep_embedding
from safetensors.torch import save_file

OUT_DIR = os.path.join("tests", "fixtures", "ops")
BINARY_OPS = ["add", "sub", "mul", "div"]  # order of zoomrt::ref::BinaryOp


def ints(*values):
    return torch.tensor(values, dtype=torch.int64)


def scalar(value):
    return torch.tensor(value, dtype=torch.float32)


def randn(*shape, scale=1.0, offset=0.0):
    return torch.randn(*shape, dtype=torch.float32) * scale + offset


def conv_cases():
    # name: (n, c, h, w, k, r, s, stride, pad, groups, bias); params = [stride, pad, groups]
    cases = {
        "k3_s1_p1": (2, 4, 8, 8, 5, 3, 3, 1, 1, 1, True),
        "k1_s1_p0": (1, 8, 6, 6, 4, 1, 1, 1, 0, 1, True),
        "k3_s2_p1_odd": (1, 4, 9, 9, 6, 3, 3, 2, 1, 1, True),
        "k3_s2_p0_nobias": (1, 3, 8, 8, 4, 3, 3, 2, 0, 1, False),
        "c3_h7_w5": (1, 3, 7, 5, 8, 3, 3, 1, 1, 1, True),
        "grouped2": (1, 8, 6, 5, 4, 3, 3, 1, 1, 2, True),
        "k3_s1_p0_nobias": (1, 2, 5, 5, 3, 3, 3, 1, 0, 1, False),
        "k1_s2_p0": (1, 4, 7, 6, 3, 1, 1, 2, 0, 1, True),
        "long_c64": (1, 64, 6, 6, 8, 3, 3, 1, 1, 1, True),
    }
    out = {}
    for name, (n, c, h, w, k, r, s, stride, pad, groups, bias) in cases.items():
        x = randn(n, c, h, w)
        wt = randn(k, c // groups, r, s, scale=1.0 / math.sqrt(c // groups * r * s))
        b = randn(k) if bias else None
        out[f"{name}.x"], out[f"{name}.w"] = x, wt
        if bias:
            out[f"{name}.b"] = b
        out[f"{name}.params"] = ints(stride, pad, groups)
        out[f"{name}.y"] = F.conv2d(x, wt, b, stride=stride, padding=pad, groups=groups)
    return out


def linear_cases():
    # name: (m, n, k, bias); crosses the kernel's 4-row and 64-column blocks
    cases = {"small": (5, 7, 9, True), "nobias": (3, 16, 64, False), "blocks": (6, 70, 100, True),
             "long_k": (2, 8, 1024, True), "one_row": (1, 33, 130, False)}
    out = {}
    for name, (m, n, k, bias) in cases.items():
        x, w = randn(m, k), randn(n, k, scale=1.0 / math.sqrt(k))
        b = randn(n) if bias else None
        out[f"{name}.x"], out[f"{name}.w"] = x, w
        if bias:
            out[f"{name}.b"] = b
        out[f"{name}.y"] = F.linear(x, w, b)
    return out


def attention_cases():
    # name: (b, lq, lk, heads, d, scale or None for 1/sqrt(d), causal); params = [heads, causal]
    cases = {"self": (2, 6, 6, 2, 8, None, False), "cross": (1, 5, 9, 3, 4, None, False),
             "causal": (1, 7, 7, 2, 8, None, True), "causal_lq_lt_lk": (1, 4, 6, 1, 4, None, True),
             "text_len77": (1, 16, 77, 1, 64, None, False), "scale_0p3": (2, 3, 5, 2, 6, 0.3, False)}
    out = {}
    for name, (b, lq, lk, heads, d, scale, causal) in cases.items():
        scale = 1.0 / math.sqrt(d) if scale is None else scale
        q, k, v = randn(b, lq, heads * d, scale=1.5), randn(b, lk, heads * d, scale=1.5), randn(b, lk, heads * d)
        split = lambda t: t.view(b, -1, heads, d).transpose(1, 2)  # [b, heads, l, d]
        # The contract's mask: key j > query i is masked (top-left aligned), built explicitly.
        mask = torch.ones(lq, lk, dtype=torch.bool).tril() if causal else None
        y = F.scaled_dot_product_attention(split(q), split(k), split(v), attn_mask=mask, scale=scale)
        out.update({f"{name}.q": q, f"{name}.k": k, f"{name}.v": v, f"{name}.params": ints(heads, int(causal)),
                    f"{name}.scale": scalar(scale), f"{name}.y": y.transpose(1, 2).reshape(b, lq, heads * d)})
    return out


def group_norm_cases():
    # name: (n, c, h, w, groups, eps, x offset); params = [groups]
    cases = {"g32": (1, 64, 4, 4, 32, 1e-5, 0.0), "g1": (2, 6, 5, 3, 1, 1e-6, 0.0),
             "g4_offset": (1, 8, 5, 5, 4, 1e-3, 5.0), "g2_32x32": (1, 4, 32, 32, 2, 1e-5, 1.0)}
    out = {}
    for name, (n, c, h, w, groups, eps, offset) in cases.items():
        x, gamma, beta = randn(n, c, h, w, scale=2.0, offset=offset), randn(c), randn(c)
        out.update({f"{name}.x": x, f"{name}.gamma": gamma, f"{name}.beta": beta, f"{name}.params": ints(groups),
                    f"{name}.eps": scalar(eps), f"{name}.y": F.group_norm(x, groups, gamma, beta, eps)})
    return out


def layer_norm_cases():
    cases = {"c32": (5, 32, 1e-5, 0.0), "c1024_offset": (3, 1024, 1e-6, 10.0)}
    out = {}
    for name, (m, c, eps, offset) in cases.items():
        x, gamma, beta = randn(m, c, scale=2.0, offset=offset), randn(c), randn(c)
        out.update({f"{name}.x": x, f"{name}.gamma": gamma, f"{name}.beta": beta, f"{name}.eps": scalar(eps),
                    f"{name}.y": F.layer_norm(x, (c,), gamma, beta, eps)})
    return out


def softmax_cases():
    out = {}
    for name, (m, n, scale) in {"small": (4, 10, 1.0), "wide_large": (2, 77, 20.0)}.items():
        x = randn(m, n, scale=scale)
        out[f"{name}.x"], out[f"{name}.y"] = x, torch.softmax(x, dim=-1)
    return out


ACTIVATIONS = {
    "silu": F.silu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
}


def activation_inputs():
    large = [-1e4, -1000, -100, -89, -88, -50, -20, -10, -5, -1, 0, 1, 5, 10, 20, 50, 88, 89, 100, 1000, 1e4]
    return {"normal": randn(257, scale=3.0), "large": torch.tensor(large, dtype=torch.float32)}


def activation_cases(fn):
    out = {}
    for name, x in activation_inputs().items():
        out[f"{name}.x"], out[f"{name}.y"] = x, fn(x)
    return out


def geglu_cases():
    out = {}
    for name, (m, f) in {"m4_f10": (4, 10), "m3_f33": (3, 33)}.items():
        x = randn(m, 2 * f, scale=2.0)
        hidden, gate = x.chunk(2, dim=-1)
        out[f"{name}.x"], out[f"{name}.y"] = x, hidden * F.gelu(gate)
    return out


def binary_cases():
    # name: (op, a shape, b shape); params = [op index in BINARY_OPS]
    cases = {"add_c11": ("add", (2, 4, 3, 3), (4, 1, 1)), "add_nc11": ("add", (2, 4, 3, 3), (2, 4, 1, 1)),
             "mul_row": ("mul", (3, 5), (5,)), "sub_both": ("sub", (2, 1, 4), (3, 1)),
             "div_same": ("div", (2, 3, 4), (2, 3, 4)), "mul_scalar": ("mul", (4, 3), (1,)),
             "add_rank6": ("add", (2, 1, 3, 1, 2, 2), (1, 2, 1, 3, 1, 2)), "sub_a_bcast": ("sub", (1, 4), (3, 4))}
    out = {}
    for name, (op, ashape, bshape) in cases.items():
        a = randn(*ashape)
        b = randn(*bshape, scale=0.5, offset=2.0) if op == "div" else randn(*bshape)
        y = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}[op](a, b)
        out.update({f"{name}.a": a, f"{name}.b": b, f"{name}.params": ints(BINARY_OPS.index(op)), f"{name}.y": y})
    return out


def upsample_cases():
    x = randn(2, 3, 4, 5)
    return {"n2c3h4w5.x": x, "n2c3h4w5.y": F.interpolate(x, scale_factor=2, mode="nearest")}


def concat_cases():
    # name: (axis, shapes); params = [axis]; inputs are NAME.x0, NAME.x1, ...
    cases = {"axis1": (1, [(2, 3, 4), (2, 5, 4), (2, 1, 4)]), "axis0": (0, [(1, 3), (2, 3)]),
             "last": (2, [(2, 2, 3), (2, 2, 1)])}
    out = {}
    for name, (axis, shapes) in cases.items():
        xs = [randn(*s) for s in shapes]
        out.update({f"{name}.x{i}": x for i, x in enumerate(xs)})
        out[f"{name}.params"], out[f"{name}.y"] = ints(axis), torch.cat(xs, dim=axis)
    return out


def slice_cases():
    # name: (shape, axis, start, len); params = [axis, start, len]
    cases = {"mid": ((2, 6, 3), 1, 2, 3), "last": ((3, 4, 8), 2, 4, 4), "first": ((5, 2), 0, 0, 2)}
    out = {}
    for name, (shape, axis, start, length) in cases.items():
        x = randn(*shape)
        out.update({f"{name}.x": x, f"{name}.params": ints(axis, start, length),
                    f"{name}.y": x.narrow(axis, start, length).clone()})
    return out


def permute_cases():
    # name: (shape, perm); params = perm
    cases = {"nchw_nhwc": ((2, 3, 4, 5), (0, 2, 3, 1)), "rank3": ((2, 3, 4), (2, 0, 1)),
             "rank6": ((2, 1, 3, 2, 2, 3), (5, 3, 1, 0, 2, 4)), "heads": ((2, 5, 3, 4), (0, 2, 1, 3))}
    out = {}
    for name, (shape, perm) in cases.items():
        x = randn(*shape)
        out.update({f"{name}.x": x, f"{name}.params": ints(*perm), f"{name}.y": x.permute(*perm).contiguous()})
    return out


def timestep_cases():
    # name: (dim, flip_sin_to_cos, downscale_freq_shift); params = [dim, flip]
    t = torch.tensor([0, 1, 20, 250, 500, 981, 999], dtype=torch.int64)  # diffusers passes int64 steps
    cases = {"sd_unet_320": (320, True, 0.0), "d32_noflip_shift1": (32, False, 1.0),
             "d33_odd_flip_shift1": (33, True, 1.0), "d64_noflip": (64, False, 0.0)}
    out = {}
    for name, (dim, flip, shift) in cases.items():
        out.update({f"{name}.t": t.float(), f"{name}.params": ints(dim, int(flip)), f"{name}.shift": scalar(shift),
                    f"{name}.y": get_timestep_embedding(t, dim, flip_sin_to_cos=flip, downscale_freq_shift=shift)})
    return out


def embedding_cases():
    ids, table = torch.tensor([3, 0, 9, 3, 7, 1, 8], dtype=torch.int64), randn(10, 6)
    return {"v10_d6.ids": ids, "v10_d6.table": table, "v10_d6.y": F.embedding(ids, table)}


FAMILIES = {
    "conv2d": conv_cases, "linear": linear_cases, "attention": attention_cases,
    "group_norm": group_norm_cases, "layer_norm": layer_norm_cases, "softmax_rows": softmax_cases,
    **{name: (lambda fn=fn: activation_cases(fn)) for name, fn in ACTIVATIONS.items()},
    "geglu": geglu_cases, "binary": binary_cases, "upsample_nearest2x": upsample_cases,
    "concat": concat_cases, "slice": slice_cases, "permute": permute_cases,
    "timestep_embedding": timestep_cases, "embedding": embedding_cases,
}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for op, make in FAMILIES.items():
        torch.manual_seed(zlib.crc32(op.encode()))  # per file: editing one family leaves the others alone
        tensors = {name: t.contiguous() for name, t in make().items()}
        path = os.path.join(OUT_DIR, f"{op}.safetensors")
        # One metadata key only: the library writes a map with several keys in random order.
        save_file(tensors, path, metadata={"generator": f"tools/reference/make_op_fixtures.py, torch {torch.__version__}"})
        size = os.path.getsize(path)
        total += size
        print(f"{path}: {sum(n.endswith('.y') for n in tensors)} cases, {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
