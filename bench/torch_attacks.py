#!/usr/bin/env python3
"""The PyTorch peer of bench/run.mjs for inference, FGSM, PGD, adversarial
training and the live latency, on torch_tutorial.py's model, one thread.

usage: python3 bench/torch_attacks.py --settings JSON [--data DIR]

JSON (written by run.mjs from bench/figures.mjs, so that every engine uses the
same settings): {"seconds", "repeats", "attack_images", "infer_batch", "batch",
"pgd_images", "lr", "attacks": {"fgsm", "pgd", "adv", "live"}}. Prints one JSON
object.

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
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from torch_tutorial import DATA, Net, load_mnist

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
    adv_step = adversarial_training(model, opt, x_train, y_train, s)
    adv_step()
    out["adv_train"] = dict(status="ok", **timed(sec, rep, adv_step), batch=s["batch"], ratio=atk["adv"]["ratio"],
                            attack="fgsm eps 0.2")
    out["live"] = dict(status="ok", **live([model, other], x_test[:256], s))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
