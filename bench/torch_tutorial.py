#!/usr/bin/env python3
"""ART's get-started CNN trained in PyTorch on real MNIST: the PyTorch peer of
bench/run.mjs, and a reference for advlab's accuracy.

usage: python3 bench/torch_tutorial.py [--epochs 20] [--seed 1] [--limit N]
           [--init pytorch|glorot] [--adam pytorch|keras] [--max-batches N]
           [--data DIR] [--json]

Conv2d(1,4,5) ReLU MaxPool2 Conv2d(4,10,5) ReLU MaxPool2 Linear(160,100) ReLU
Linear(100,10); mean cross-entropy; Adam lr 0.01; batch 64, reshuffled every
epoch, the last short batch kept; inputs x/255, float32 NCHW; one thread.
  --init pytorch  torch's default initialisation (what ART's PyTorch example gets)
  --init glorot   Keras' glorot_uniform, fans counting the kernel area, zero
                  biases (what advlab and ART's Keras example use)
  --adam pytorch  torch.optim.Adam, eps 1e-8 added to sqrt(v / (1 - b2^t))
  --adam keras    Keras' Adam, eps 1e-7 added to sqrt(v), as advlab's optim.c
  --max-batches N stops after N batches, for speed measurement
Test accuracy is measured on the 10,000 test images after every epoch.
images/s counts shuffling, gathering, forward, backward and the Adam step, not
the evaluation; the overall train_images_per_sec leaves out the first
WARMUP_BATCHES batches.
"""
import argparse
import gzip
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, LR, BETA1, BETA2 = 64, 0.01, 0.9, 0.999
WARMUP_BATCHES = 20
DATA = Path(__file__).resolve().parent.parent / "data" / "mnist"


def read_idx(path, magic):
    """One IDX file (or its .gz copy) as a uint8 array shaped by its header."""
    raw = path.read_bytes() if path.exists() else gzip.decompress(Path(f"{path}.gz").read_bytes())
    dims = raw[3]
    if int.from_bytes(raw[:4], "big") != magic:
        sys.exit(f"{path}: not an IDX file of magic {magic:#x}")
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(data, prefix):
    """Images as float32 N x 1 x 28 x 28 in [0,1], labels as int64."""
    x = read_idx(data / f"{prefix}-images-idx3-ubyte", 0x803)
    y = read_idx(data / f"{prefix}-labels-idx1-ubyte", 0x801)
    return torch.from_numpy(x.astype(np.float32)[:, None] / 255), torch.from_numpy(y.astype(np.int64))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 4, 5), nn.Conv2d(4, 10, 5)
        self.fc1, self.fc2 = nn.Linear(160, 100), nn.Linear(100, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))

    def glorot_(self):
        # xavier_uniform_'s fans are Keras': in/out channels times the kernel area.
        for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


class KerasAdam:
    """m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
    p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)"""

    def __init__(self, params, lr=LR, eps=1e-7):
        self.params, self.lr, self.eps, self.t = list(params), lr, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        alpha = self.lr * math.sqrt(1 - BETA2 ** self.t) / (1 - BETA1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            m.lerp_(p.grad, 1 - BETA1)
            v.mul_(BETA2).addcmul_(p.grad, p.grad, value=1 - BETA2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-alpha)


@torch.no_grad()
def evaluate(model, x, y):
    """Accuracy on (x, y), in batches of 1000."""
    return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000)) / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--init", choices=("pytorch", "glorot"), default="pytorch")
    ap.add_argument("--adam", choices=("pytorch", "keras"), default="pytorch")
    ap.add_argument("--max-batches", type=int, default=0, help=f"stop after N (> {WARMUP_BATCHES}) batches")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout, progress on stderr")
    o = ap.parse_args()
    if o.max_batches and o.max_batches <= WARMUP_BATCHES:
        ap.error(f"--max-batches must exceed the {WARMUP_BATCHES} warm-up batches")
    log = (lambda s: print(s, file=sys.stderr)) if o.json else print

    torch.set_num_threads(1)
    torch.manual_seed(o.seed)
    x_train, y_train = load_mnist(o.data, "train")
    x_test, y_test = load_mnist(o.data, "t10k")
    if o.limit:
        x_train, y_train = x_train[:o.limit], y_train[:o.limit]
    n = len(x_train)

    model = Net()
    if o.init == "glorot":
        model.glorot_()
    opt = torch.optim.Adam(model.parameters(), lr=LR) if o.adam == "pytorch" else KerasAdam(model.parameters())
    settings = dict(engine=f"PyTorch {torch.__version__} CPU", threads=torch.get_num_threads(), epochs=o.epochs,
                    seed=o.seed, init=o.init, adam=o.adam, lr=LR, batch=BATCH, train_images=n,
                    max_batches=o.max_batches or None)
    log(f"PyTorch {torch.__version__}, 1 thread: init {o.init}, adam {o.adam}, seed {o.seed}, {n} training images")

    epochs, done, t_warm, images_warm, timed = [], 0, None, 0, 0.0
    for epoch in range(1, o.epochs + 1):
        loss_sum, correct, seen, t0 = 0.0, 0, 0, time.perf_counter()
        order = torch.randperm(n)
        for first in range(0, n, BATCH):
            idx = order[first:first + BATCH]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
            done += 1
            if done == WARMUP_BATCHES:
                t_warm, images_warm = time.perf_counter(), 0
            elif done > WARMUP_BATCHES:
                images_warm += len(idx)
            if done == o.max_batches:
                break
        t1 = time.perf_counter()
        timed += t1 - max(t0, t_warm) if t_warm else 0.0
        epochs.append(dict(epoch=epoch, batches=math.ceil(seen / BATCH), loss=loss_sum / seen, accuracy=correct / seen,
                           test_accuracy=evaluate(model, x_test, y_test), images_per_sec=seen / (t1 - t0)))
        log(f"epoch {epoch:2d}  loss {loss_sum / seen:.4f}  train accuracy {100 * correct / seen:.2f}%  "
            f"test accuracy {100 * epochs[-1]['test_accuracy']:.2f}%  {seen / (t1 - t0):,.0f} img/s")
        if done == o.max_batches:
            break
    result = dict(settings=settings, epochs=epochs, test_accuracy=epochs[-1]["test_accuracy"],
                  train_images_per_sec=images_warm / timed if images_warm else None,
                  warmup_batches=WARMUP_BATCHES, timed_batches=max(0, done - WARMUP_BATCHES))
    if o.json:
        print(json.dumps(result))
    else:
        print(f"test accuracy {100 * result['test_accuracy']:.2f}% on {len(x_test)} images; "
              f"training {result['train_images_per_sec'] or 0:,.0f} img/s after {WARMUP_BATCHES} warm-up batches")


if __name__ == "__main__":
    main()
