#!/usr/bin/env python3
"""Training images/s in PyTorch on real MNIST: the peer of bench/train_pool.mjs.

usage: python3 bench/torch_train_speed.py --arch tutorial|madry --trainer clean|fbf|pgd7
           --threads N --batches N [--data DIR]

Prints one JSON object: {arch, trainer, threads, images_per_sec, batches}.
The nets are advlab's arch specs: tutorial = conv 4@5x5, pool, conv 10@5x5, pool,
dense 100, dense 10; madry = conv 32@5x5, pool, conv 64@5x5, pool, dense 1024,
dense 10 (valid convolutions, ReLU, 2x2 max-pool). Batch 64, Adam lr 0.01.
Trainers, as advlab's: clean; fbf = fast AT (Wong et al. 2020: FGSM from a
uniform start in the eps ball, step 1.25 eps, eps 0.3, then a step on the
examples); pgd7 = PGD training (7 steps of 2.5 eps / 7 from a random start,
eps 0.3, on every row). The first WARMUP batches are not timed.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_tutorial import DATA, load_mnist

WARMUP = 5
BATCH, EPS = 64, 0.3
ARCHS = {"tutorial": (4, 10, 100), "madry": (32, 64, 1024)}


class Net(nn.Module):
    def __init__(self, c1, c2, hidden):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, c1, 5), nn.Conv2d(c1, c2, 5)
        self.fc1, self.fc2 = nn.Linear(c2 * 16, hidden), nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def input_grad(model, x, y):
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    return torch.autograd.grad(loss, x)[0]


def adversarial(model, x, y, trainer):
    if trainer == "clean":
        return x
    if trainer == "fbf":
        start = (x + torch.empty_like(x).uniform_(-EPS, EPS)).clamp(0, 1)
        step = start + 1.25 * EPS * input_grad(model, start, y).sign()
        return torch.min(torch.max(step, x - EPS), x + EPS).clamp(0, 1)
    x_adv = (x + torch.empty_like(x).uniform_(-EPS, EPS)).clamp(0, 1)
    for _ in range(7):
        x_adv = x_adv + 2.5 * EPS / 7 * input_grad(model, x_adv, y).sign()
        x_adv = torch.min(torch.max(x_adv, x - EPS), x + EPS).clamp(0, 1)
    return x_adv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", choices=ARCHS, required=True)
    ap.add_argument("--trainer", choices=("clean", "fbf", "pgd7"), required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--batches", type=int, required=True)
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args()
    if args.batches < 1 or args.threads < 1:
        sys.exit("--batches and --threads must be at least 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = load_mnist(args.data, "train")
    model = Net(*ARCHS[args.arch])
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    order = torch.randperm(len(y))
    start = None
    for b in range(WARMUP + args.batches):
        if b == WARMUP:
            start = time.perf_counter()
        rows = order[(b * BATCH) % (len(y) - BATCH):][:BATCH]
        xb, yb = x[rows], y[rows]
        xb = adversarial(model, xb, yb, args.trainer)
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"arch": args.arch, "trainer": args.trainer, "threads": args.threads,
                      "batches": args.batches, "images_per_sec": args.batches * BATCH / seconds}))


if __name__ == "__main__":
    main()
