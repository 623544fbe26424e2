#!/usr/bin/env python3
"""Checks that advlab's safetensors file is a real PyTorch state dict.

usage: python3 tests/torch_interop.py MODEL.safetensors INPUTS.bin PROBS.bin [FGSM.idx EPS]

  MODEL.safetensors  weights written by advlab (advlab_weights_save)
  INPUTS.bin         float32 little-endian, N x 1 x 28 x 28, scaled to [0,1]
  PROBS.bin          float32 little-endian, N x classes: advlab's softmax
                     probabilities for the same inputs
  FGSM.idx, EPS      optional: `advlab attack --attack fgsm --eps EPS --out`
                     for the same inputs, checked against ART's definition
                     computed by torch: clip(x + eps*sign(grad), 0, 1), with
                     sign(0) = 0 and the label the model's own prediction

The script builds the equivalent torch.nn model for the file's
__metadata__ "arch", loads the tensors with load_state_dict(strict=True) as
they are (no renaming, no transposing), runs the inputs and checks every
probability against advlab's to within 1e-5. It exits non-zero with a
message if anything differs.

It needs only torch: the `safetensors` package is not required, because the
format is simple enough to read with struct and json.
"""
import array
import json
import re
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-5
IMAGE = (1, 28, 28)
PRESETS = {
    "tutorial": "c4k5-p2-c10k5-p2-d100-d10",
    "madry": "c32k5-p2-c64k5-p2-d1024-d10",
    "gowal-small": "c16k4s2-c32k4-d100-d10",
}
# One layer of an advlab spec: cNkK[sS][pP], p2 or dN.
TOKEN = re.compile(r"^(?:c(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?|(p2)|d(\d+))$")


class InteropError(Exception):
    pass


def read_f32(blob):
    """Little-endian float32 bytes as a flat tensor, whatever the host order."""
    if len(blob) % 4:
        raise InteropError(f"{len(blob)} bytes is not a whole number of float32 values")
    values = array.array("f")
    values.frombytes(blob)
    if sys.byteorder == "big":
        values.byteswap()
    return torch.frombuffer(values, dtype=torch.float32).clone()


def read_safetensors(path):
    """Returns (metadata dict, {name: tensor}) from a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise InteropError(f"{path}: {len(blob)} bytes is too short for safetensors")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise InteropError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n :]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise InteropError(f"{path}: {name}: dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise InteropError(f"{path}: {name}: data_offsets [{begin},{end}] out of range")
        tensors[name] = read_f32(data[begin:end]).reshape(info["shape"])
    return metadata, tensors


class Net(nn.Module):
    """Any advlab arch spec, in plain PyTorch: built from the spec itself.

    cNkK[sS][pP] is Conv2d(C, N, K, stride=S, padding=P) (zero padding) then
    ReLU; p2 is a 2x2 max-pool (odd edges dropped); dN is Linear then ReLU,
    except the last, whose outputs are the logits. Dense layers see the
    feature maps flattened in (C, H, W) order, exactly as advlab. The layers
    are named conv1.., fc1.. in order, as advlab's tensors are.
    """

    def __init__(self, spec):
        super().__init__()
        self.steps = []
        channels, side, convs, denses = IMAGE[0], IMAGE[1], 0, 0
        tokens = spec.split("-")
        for t, token in enumerate(tokens):
            m = TOKEN.match(token)
            if not m:
                raise InteropError(f'arch "{spec}": layer "{token}" is not cNkK[sS][pP], p2 or dN')
            out, k, stride, pad, pool, dense = m.groups()
            if out:
                convs += 1
                stride, pad = int(stride or 1), int(pad or 0)
                name = f"conv{convs}"
                setattr(self, name, nn.Conv2d(channels, int(out), int(k), stride, pad))
                channels, side = int(out), (side + 2 * pad - int(k)) // stride + 1
                self.steps.append((name, True))
            elif pool:
                side //= 2
                self.steps.append(("pool", False))
            else:
                denses += 1
                name = f"fc{denses}"
                if denses == 1:
                    self.steps.append(("flatten", False))
                setattr(self, name, nn.Linear(channels * side * side, int(dense)))
                channels, side = int(dense), 1
                self.steps.append((name, t + 1 < len(tokens)))
        self.classes = channels

    def forward(self, x):
        for name, relu in self.steps:
            if name == "pool":
                x = F.max_pool2d(x, 2)
            elif name == "flatten":
                x = torch.flatten(x, 1)
            else:
                x = getattr(self, name)(x)
                if relu:
                    x = F.relu(x)
        return x


def net_for(arch):
    return Net(PRESETS.get(arch, arch))


def check(model_path, inputs_path, probs_path):
    metadata, state = read_safetensors(model_path)
    if "arch" not in metadata:
        raise InteropError(f'{model_path}: no "arch" in __metadata__')
    if metadata.get("input_scale", "[0,1]") != "[0,1]":
        raise InteropError(f"{model_path}: input_scale {metadata['input_scale']}, expected [0,1]")
    model = net_for(metadata["arch"])
    # strict=True: every name and shape must match the torch model, both ways.
    model.load_state_dict(state, strict=True)
    model.eval()

    with open(inputs_path, "rb") as f:
        x = read_f32(f.read())
    image_size = IMAGE[0] * IMAGE[1] * IMAGE[2]
    if x.numel() == 0 or x.numel() % image_size:
        raise InteropError(f"{inputs_path}: {x.numel()} floats is not N x {image_size}")
    x = x.reshape(-1, *IMAGE)
    with open(probs_path, "rb") as f:
        want = read_f32(f.read())
    classes = model.classes
    if want.numel() != x.shape[0] * classes:
        raise InteropError(
            f"{probs_path}: {want.numel()} floats, expected {x.shape[0]} x {classes}")
    want = want.reshape(x.shape[0], classes)

    with torch.no_grad():
        got = torch.softmax(model(x), dim=1)
    diff = (got - want).abs()
    worst = diff.max().item()
    agree = (got.argmax(1) == want.argmax(1)).sum().item()
    summary = (f"{metadata['arch']}: {x.shape[0]} images, max |p_torch - p_advlab| = {worst:.3g}"
               f" (tolerance {TOLERANCE:g}), argmax agrees on {agree}/{x.shape[0]}")
    if not worst <= TOLERANCE:  # also catches NaN
        i, j = divmod(int(diff.argmax().item()), classes)
        raise InteropError(f"{summary}; worst at image {i} class {j}: "
                           f"torch {got[i, j].item():.8g}, advlab {want[i, j].item():.8g}")
    print(f"torch_interop: ok, {summary}")


def read_float_idx(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 16 or struct.unpack(">I", blob[:4])[0] != 0x00000D03:
        raise InteropError(f"{path}: not a float32 rank-3 IDX file")
    n, h, w = struct.unpack(">III", blob[4:16])
    values = array.array("f", blob[16:])
    if sys.byteorder == "little":
        values.byteswap()  # IDX is big-endian
    if len(values) != n * h * w:
        raise InteropError(f"{path}: {len(values)} floats, header says {n}x{h}x{w}")
    return torch.tensor(values, dtype=torch.float32).reshape(n, 1, h, w)


def check_fgsm(model_path, inputs_path, fgsm_path, eps):
    """advlab's FGSM images against ART's definition, computed by torch."""
    _, state = read_safetensors(model_path)
    model = net_for(read_safetensors(model_path)[0]["arch"])
    model.load_state_dict(state, strict=True)
    model.eval()
    with open(inputs_path, "rb") as f:
        x = read_f32(f.read()).reshape(-1, *IMAGE)
    got = read_float_idx(fgsm_path)
    if got.shape != x.shape:
        raise InteropError(f"{fgsm_path}: shape {tuple(got.shape)}, inputs {tuple(x.shape)}")
    x = x.clone().requires_grad_(True)
    logits = model(x)
    labels = logits.argmax(1).detach()
    F.cross_entropy(logits, labels, reduction="sum").backward()
    grad = x.grad
    want = torch.clamp(x.detach() + float(eps) * torch.sign(grad), 0.0, 1.0)
    differ = got != want
    count = int(differ.sum().item())
    # float32 summation order differs between torch and advlab, so a
    # gradient within rounding of 0 may take either sign; nothing else may.
    tiny = grad.abs() <= 1e-6 * grad.abs().amax(dim=(1, 2, 3), keepdim=True)
    unexplained = int((differ & ~tiny).sum().item())
    summary = (f"FGSM eps {eps}: {x.numel() - count}/{x.numel()} pixels identical to torch's "
               f"clip(x + eps*sign(grad))"
               + (f"; the {count} others have |grad| within rounding of 0" if count else "")
               if unexplained == 0 else
               f"FGSM eps {eps}: {unexplained} pixels differ from torch's clip(x + eps*sign(grad))")
    if unexplained:
        raise InteropError(summary)
    print(f"torch_interop: ok, {summary}")


def main(argv):
    if len(argv) not in (4, 6):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        check(*argv[1:4])
        if len(argv) == 6:
            check_fgsm(argv[1], argv[2], argv[4], argv[5])
    except (InteropError, OSError, ValueError, KeyError, RuntimeError) as e:
        # RuntimeError is what load_state_dict raises on a name or shape mismatch.
        print(f"torch_interop: FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
