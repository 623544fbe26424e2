#!/usr/bin/env python3
"""The PyTorch peer of bench/run.mjs for inference, FGSM, PGD, APGD-CE,
adversarial training and the live latency, on torch_tutorial.py's model, one
thread.

usage: python3 bench/torch_attacks.py --settings JSON [--weights FILE] [--data DIR]

JSON (written by run.mjs from bench/figures.mjs, so that every engine uses the
same settings): {"seconds", "repeats", "attack_images", "infer_batch", "batch",
"pgd_images", "lr", "attacks": {"fgsm", "pgd", "adv", "live", "apgd"?}}, apgd
with its "images". Prints one JSON object.

APGD-CE (apgd_ce below, the paper's Algorithm 1) attacks the --weights file's
model, the shipped PGD-trained one, as advlab's APGD figure does: advlab's
safetensors files hold PyTorch's names and layouts, read by tests/torch_interop.py.

The attacks are ART's, written with torch.autograd.grad of the summed
cross-entropy: labels = the model's predictions, taken from the forward pass
that the first gradient needs anyway; PGD without random start, each step
clipped to [0,1] and projected onto the eps-ball. Adversarial training replaces
the first ceil(ratio * batch) images of each batch by FGSM with the true
labels, then takes an Adam step on the whole batch. The weights are those after
20 batches of Adam training (the live view's second net: another seed).
"""
import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from torch_tutorial import DATA, Net, load_mnist

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from torch_interop import read_safetensors  # noqa: E402

WARMUP_BATCHES = 20


def sign_step(model, x, y, step, lo=None, hi=None):
    """clip(x + step * sign(grad), 0, 1), then into [lo, hi]; labels = predictions when y is None."""
    x = x.detach().requires_grad_(True)
    logits = model(x)
    if y is None:
        y = logits.detach().argmax(1)
    (grad,) = torch.autograd.grad(F.cross_entropy(logits, y, reduction="sum"), x)
    out = (x.detach() + step * grad.sign()).clamp_(0, 1)
    if lo is not None:
        out = torch.max(torch.min(out, hi), lo)
    return out, y


def attack(model, x, cfg, y=None):
    if cfg["name"] == "fgsm":
        return sign_step(model, x, y, cfg["eps"])[0]
    lo, hi, xa = x - cfg["eps"], x + cfg["eps"], x
    for _ in range(cfg["max_iter"]):
        xa, y = sign_step(model, xa, y, cfg["eps_step"], lo, hi)
    return xa


def checkpoints(iters):
    """The paper's w_j = ceil(p_j * iters) for j >= 1: p_0 = 0, p_1 = 0.22,
    p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06), while p_j <= 1."""
    p = [0.0, 0.22]
    while p[-1] + max(p[-1] - p[-2] - 0.03, 0.06) <= 1:
        p.append(p[-1] + max(p[-1] - p[-2] - 0.03, 0.06))
    return [math.ceil(q * iters) for q in p[1:]]


def ce_and_grad(model, x, y, grad=True):
    """Each image's cross-entropy at x and, when grad, its input gradient."""
    x = x.detach().requires_grad_(grad)
    loss = F.cross_entropy(model(x), y, reduction="none")
    g = torch.autograd.grad(loss.sum(), x)[0] if grad else None
    return loss.detach(), g


def apgd_ce(model, x, eps, eta0, iters, alpha=0.75, rho=0.75):
    """APGD-CE, L-inf: Croce & Hein 2020, Algorithm 1, each image on its own.
    x(0) uniform in the eps-ball (as advlab's, ART's random_sphere), clipped to
    [0,1]; x(1) = P(x(0) + eta sign(grad f(x(0)))); then z = P(x(k) + eta
    sign(grad f(x(k)))), x(k+1) = P(x(k) + alpha (z - x(k)) + (1 - alpha)
    (x(k) - x(k-1))). At each checkpoint w_j an image halves eta and goes back
    to its best point x_max when f rose from one iterate to the next in fewer
    than rho of the steps since w_{j-1} (condition 1), or when neither eta nor
    f_max changed since then (condition 2). f is the cross-entropy of the
    model's own predictions. iters gradients, iters + 1 forward passes and one
    for the labels: advlab's count. Returns x_max."""
    shape = (len(x), 1, 1, 1)
    with torch.no_grad():
        y = model(x).argmax(1)
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)

    def proj(p):
        return torch.min(torch.max(p, lo), hi)

    def pick(mask, a, b):
        return torch.where(mask.view(shape), a, b)

    eta = torch.full(shape, eta0)
    prev = proj(x + eps * (2 * torch.rand_like(x) - 1))
    f_prev, g_prev = ce_and_grad(model, prev, y)
    xk = proj(prev + eta * g_prev.sign())
    fk, gk = ce_and_grad(model, xk, y, iters > 1)
    better = fk > f_prev
    f_max, x_max = torch.max(fk, f_prev), pick(better, xk, prev)
    g_max = pick(better, gk, g_prev) if gk is not None else None
    rises = better.float()
    w, last_w = checkpoints(iters), 0
    eta_last, f_max_last = eta.clone(), f_max.clone()
    for k in range(1, iters):
        z = proj(xk + eta * gk.sign())
        nxt = proj(xk + alpha * (z - xk) + (1 - alpha) * (xk - prev))
        f_new, g_new = ce_and_grad(model, nxt, y, k < iters - 1)
        rose = (f_new > fk).float()
        better = f_new > f_max
        f_max, x_max = torch.where(better, f_new, f_max), pick(better, nxt, x_max)
        if g_new is not None:
            g_max = pick(better, g_new, g_max)
        prev, xk, fk, gk = xk, nxt, f_new, g_new
        if k in w:
            halve = (rises < rho * (k - last_w)) | ((eta == eta_last).view(-1) & (f_max == f_max_last))
            eta = torch.where(halve.view(shape), eta / 2, eta)
            xk, fk = pick(halve, x_max, xk), torch.where(halve, f_max, fk)
            if gk is not None:
                gk = pick(halve, g_max, gk)
            eta_last, f_max_last, last_w, rises = eta.clone(), f_max.clone(), k, torch.zeros_like(rises)
        rises += rose
    return x_max


def timed(seconds, repeats, step):
    """Median images/s over `repeats` repeats of at least `seconds` each, and every repeat's rate."""
    rates, calls = [], 0
    for _ in range(repeats):
        images, t0 = 0, time.perf_counter()
        while True:
            images += step()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                break
        rates.append(images / elapsed)
    return dict(images_per_sec=statistics.median(rates), repeats=rates, timed_calls=calls)


def trained_model(x_train, y_train, s, seed):
    torch.manual_seed(seed)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
    for b in range(WARMUP_BATCHES):
        xb, yb = x_train[b * s["batch"]:(b + 1) * s["batch"]], y_train[b * s["batch"]:(b + 1) * s["batch"]]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    return model, opt


def adversarial_training(model, opt, x_train, y_train, s):
    """Adversarial training batches, from a random permutation; returns a step function."""
    batch, adv = s["batch"], s["attacks"]["adv"]
    k = math.ceil(adv["ratio"] * batch)
    order, pos = torch.randperm(len(x_train)), [0]

    def step():
        idx = order[pos[0]:pos[0] + batch]
        pos[0] = (pos[0] + batch) % (len(order) - batch)
        xb, yb = x_train[idx].clone(), y_train[idx]
        xb[:k] = attack(model, xb[:k], adv["attack"], yb[:k])
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
        return batch

    return step


def live(models, images, s):
    """Median latency (ms) of a live update: per model, predict, FGSM, PGD-10, predict both."""
    cfg, nxt = s["attacks"]["live"], [0]

    def update():
        x = images[nxt[0]:nxt[0] + 1]
        nxt[0] = (nxt[0] + 1) % len(images)
        t0 = time.perf_counter()
        for model in models:
            with torch.no_grad():
                y = model(x).argmax(1)
            pair = torch.cat([attack(model, x, cfg["fgsm"], y), attack(model, x, cfg["pgd"], y)])
            with torch.no_grad():
                model(pair).argmax(1).tolist()
        return (time.perf_counter() - t0) * 1e3

    for _ in range(3):
        update()
    medians, samples = [], []
    for _ in range(s["repeats"]):
        ms, t0 = [], time.perf_counter()
        while time.perf_counter() - t0 < s["seconds"] or len(ms) < 5:
            ms.append(update())
        medians.append(statistics.median(ms))
        samples += ms
    samples.sort()
    return dict(median_ms=statistics.median(medians), repeats_median_ms=medians,
                p90_ms=samples[round(0.9 * (len(samples) - 1))], samples=len(samples), nets=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--settings", required=True, help="JSON, see above")
    ap.add_argument("--weights", type=Path, help="safetensors of the model APGD-CE attacks")
    ap.add_argument("--data", type=Path, default=DATA)
    o = ap.parse_args()
    s = json.loads(o.settings)
    torch.set_num_threads(1)
    x_train, y_train = load_mnist(o.data, "train")
    x_test, _ = load_mnist(o.data, "t10k")
    model, opt = trained_model(x_train, y_train, s, 1)
    other, _ = trained_model(x_train, y_train, s, 2)
    sec, rep, atk = s["seconds"], s["repeats"], s["attacks"]
    x_infer, x_attack = x_test[:s["infer_batch"]], x_test[:s["attack_images"]]
    x_pgd = x_test[:s["pgd_images"]]

    def infer():
        with torch.no_grad():
            model(x_infer)
        return len(x_infer)

    def fgsm():
        attack(model, x_attack, atk["fgsm"])
        return len(x_attack)

    def pgd():
        attack(model, x_pgd, atk["pgd"])
        return len(x_pgd)

    out = dict(engine=f"PyTorch {torch.__version__} CPU", threads=torch.get_num_threads())
    for name, step, extra in (("infer", infer, dict(batch=len(x_infer))),
                              ("fgsm", fgsm, dict(images=len(x_attack), **atk["fgsm"], labels="predictions")),
                              ("pgd", pgd, dict(images=len(x_pgd), **atk["pgd"], labels="predictions"))):
        step()
        out[name] = dict(status="ok", **timed(sec, rep, step), **extra)
    if "apgd" in atk and o.weights:
        cfg = atk["apgd"]
        robust = Net()
        robust.load_state_dict(read_safetensors(o.weights)[1], strict=True)
        x_apgd = x_test[:cfg["images"]]
        torch.manual_seed(1)

        def apgd():
            apgd_ce(robust, x_apgd, cfg["eps"], cfg["eps_step"], cfg["max_iter"])
            return len(x_apgd)

        apgd()
        out["apgd"] = dict(status="ok", **timed(sec, rep, apgd), images=len(x_apgd), eps=cfg["eps"],
                           eps_step=cfg["eps_step"], max_iter=cfg["max_iter"], loss="cross_entropy",
                           labels="predictions", model=o.weights.name)
    adv_step = adversarial_training(model, opt, x_train, y_train, s)
    adv_step()
    out["adv_train"] = dict(status="ok", **timed(sec, rep, adv_step), batch=s["batch"], ratio=atk["adv"]["ratio"],
                            attack="fgsm eps 0.2")
    out["live"] = dict(status="ok", **live([model, other], x_test[:256], s))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
