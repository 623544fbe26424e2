#!/usr/bin/env python3
"""PyTorch as the oracle for APGD (issue 13): the losses and one step.

usage: python3 tests/torch_apgd.py MODEL.safetensors DIR

DIR holds tests/apgd_oracle.c's files. Checked:
  loss.bin      cross-entropy, DLR and the targeted DLR (Croce & Hein 2020,
                as AutoAttack defines them) and their gradients with respect
                to the logits, by torch autograd, to within 1e-5 (relative above 1, absolute below; advlab works in float32)
  step_*.bin    one APGD-DLR step from the given random start x0, as the
                paper and ART define it: x1 = P(clip(x0 + eta * dir(grad f(x0)))),
                dir = sign for inf, grad / |grad|_2 for 2, P the projection
                onto the eps-ball; the result is the fooling point if x0 or
                x1 fools the model (the last one), else the better of x0 and
                x1 (x1 on a tie). The model is the file's, rebuilt in torch.

Pixels where the gradient is within 1e-6 of its largest entry of zero may
take either sign (the two builds sum in different orders); at most 1% of
pixels may differ there, and none elsewhere.
"""
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_interop import net_for, read_safetensors  # noqa: E402


def doubles(path):
    with open(path, "rb") as f:
        blob = f.read()
    return list(struct.unpack(f"<{len(blob) // 8}d", blob))


def dlr(z, y):
    s, _ = z.sort(descending=True)
    other = torch.where(z.argmax() == y, s[1], s[0])
    return -(z[y] - other) / (s[0] - s[2] + 1e-12)


def dlr_targeted(z, y, t):
    s, _ = z.sort(descending=True)
    return -(z[y] - z[t]) / (s[0] - 0.5 * (s[2] + s[3]) + 1e-12)


def close(a, b, what):
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    err = ((a - b).abs() / b.abs().clamp(min=1.0)).max().item()
    if err > 1e-5:
        raise SystemExit(f"{what}: advlab {a.tolist()} torch {b.tolist()} (error {err:.2e})")


def check_losses(path):
    v = doubles(path)
    n, c = int(v[0]), int(v[1])
    at = 2
    for b in range(n):
        y, t = int(v[at]), int(v[at + 1])
        z = torch.tensor(v[at + 2 : at + 2 + c], dtype=torch.float64)
        at += 2 + c
        for name, fn in (
            ("cross-entropy", lambda z: torch.nn.functional.cross_entropy(z[None], torch.tensor([y]))),
            ("dlr", lambda z: dlr(z, y)),
            ("targeted dlr", lambda z: dlr_targeted(z, y, t)),
        ):
            f, d = v[at], v[at + 1 : at + 1 + c]
            at += 1 + c
            zz = z.clone().requires_grad_(True)
            out = fn(zz)
            out.backward()
            close([f], [out.item()], f"image {b} {name}")
            close(d, zz.grad, f"image {b} {name} gradient")
    print(f"losses: {n} images, cross-entropy, DLR and targeted DLR match torch")


def check_step(model, path, norm):
    v = doubles(path)
    n, d, eps, eta = int(v[0]), int(v[1]), v[2], v[3]
    at, loose_total, wrong_total = 4, 0, 0
    for b in range(n):
        x, x0, ours = (torch.tensor(v[at + k * d : at + (k + 1) * d], dtype=torch.float32) for k in range(3))
        at += 3 * d
        logits = model(x[None].reshape(1, 1, 28, 28))[0]
        y = int(logits.argmax())  # the first images are all classified right by the standard model
        xr = x0.clone().requires_grad_(True)
        z0 = model(xr.reshape(1, 1, 28, 28))[0]
        f0 = dlr(z0, y)
        f0.backward()
        g = xr.grad
        if norm == "inf":
            step = torch.sign(g)
        else:
            step = g / (g.norm() + 1e-12)
        x1 = torch.clamp(x0 + torch.tensor(eta, dtype=torch.float32) * step, 0, 1)
        delta = x1 - x
        if norm == "inf":
            x1 = x + torch.clamp(delta, -eps, eps)
        else:
            scale = eps / (delta.norm() + 1e-7)
            if scale < 1:
                x1 = torch.clamp(x + scale * delta, 0, 1)
        with torch.no_grad():
            z1 = model(x1.reshape(1, 1, 28, 28))[0]
            f1 = dlr(z1, y)
        fooled0, fooled1 = int(z0.argmax()) != y, int(z1.argmax()) != y
        expect = x1 if fooled1 or (not fooled0 and f1 >= f0) else x0
        diff = (ours - expect).abs() > (1e-5 if norm == "2" else 0)
        loose = g.abs() <= 1e-6 * g.abs().max()
        loose_total += int((diff & loose).sum())
        wrong_total += int((diff & ~loose).sum())
        if norm == "2" and diff.any():
            wrong_total += int(diff.sum())
    if wrong_total or loose_total > 0.01 * n * d:
        raise SystemExit(f"{path}: {wrong_total} pixels differ from torch's step, {loose_total} near-zero")
    print(f"step norm {norm}: {n} images match torch's APGD step ({loose_total} near-zero pixels differ)")


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    metadata, tensors = read_safetensors(argv[1])
    model = net_for(metadata["arch"])
    model.load_state_dict(tensors, strict=True)
    model.eval()
    check_losses(os.path.join(argv[2], "loss.bin"))
    check_step(model, os.path.join(argv[2], "step_inf.bin"), "inf")
    check_step(model, os.path.join(argv[2], "step_2.bin"), "2")


if __name__ == "__main__":
    main(sys.argv)
