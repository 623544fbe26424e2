#!/usr/bin/env python3
"""Checks base/linalg and base/cluster against torch.linalg on random matrices.

usage: /usr/bin/python3 tests/torch_linalg.py DIR   (DIR written by linalg_oracle)

- the symmetric eigen-solver: values against torch.linalg.eigvalsh, vectors
  against torch.linalg.eigh's up to sign, and A v = lambda v;
- PCA: the variances against the squared singular values of the centred
  rows / N (torch.linalg.svd), the projections against U S up to each
  column's sign;
- power iteration: the top eigenvector against torch.linalg.eigh's;
- k-means: Lloyd's fixed point (every row nearest its cluster's mean), the
  inertia recomputed, and the silhouette recomputed with torch.cdist.
Exits non-zero with a message on the first difference.
"""
import glob
import struct
import sys

import torch

torch.set_default_dtype(torch.float64)


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return list(struct.unpack("<%dd" % (len(data) // 8), data))


def take(values, n):
    head = torch.tensor(values[:n])
    del values[:n]
    return head


def fail(message):
    print("torch_linalg: " + message, file=sys.stderr)
    sys.exit(1)


def close(what, ours, theirs, tol):
    diff = (ours - theirs).abs().max().item()
    if diff > tol:
        fail("%s differs from torch by %.3g (tolerance %g)" % (what, diff, tol))


def align(ours, theirs):
    """theirs with each row's sign flipped to match ours."""
    signs = torch.sign((ours * theirs).sum(dim=1, keepdim=True))
    return theirs * signs


def check_eigen(path):
    v = read(path)
    d = int(v.pop(0))
    a = take(v, d * d).reshape(d, d)
    values, vecs = take(v, d), take(v, d * d).reshape(d, d)
    t_values, t_vecs = torch.linalg.eigh(a)
    order = torch.argsort(t_values, descending=True)
    close("eigenvalues (d=%d)" % d, values, t_values[order], 1e-10)
    close("eigenvectors (d=%d)" % d, vecs, align(vecs, t_vecs[:, order].T), 1e-8)
    close("A v - lambda v (d=%d)" % d, a @ vecs.T, vecs.T * values, 1e-10)


def check_pca(path):
    v = read(path)
    n, d, k = (int(v.pop(0)) for _ in range(3))
    x = take(v, n * d).reshape(n, d)
    out, var = take(v, n * k).reshape(n, k), take(v, k)
    centred = x - x.mean(dim=0)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    close("PCA variances", var, (s[:k] ** 2) / n, 1e-9)
    theirs = (u[:, :k] * s[:k]).T
    close("PCA projections", out.T, align(out.T, theirs), 1e-8)


def check_top(path):
    v = read(path)
    d = int(v.pop(0))
    c = take(v, d * d).reshape(d, d)
    vec, lam = take(v, d), v.pop(0)
    t_values, t_vecs = torch.linalg.eigh(c)
    top = t_vecs[:, -1]
    if torch.dot(top, vec) < 0:
        top = -top
    close("top eigenvector", vec, top, 1e-8)
    close("top eigenvalue", torch.tensor([lam]), t_values[-1:], 1e-9)


def check_kmeans(path):
    v = read(path)
    n, d = int(v.pop(0)), int(v.pop(0))
    x = take(v, n * d).reshape(n, d)
    assign = take(v, n).long()
    inertia, sil = v.pop(0), v.pop(0)
    centres = torch.stack([x[assign == c].mean(dim=0) for c in range(2)])
    dist = torch.cdist(x, centres) ** 2
    if not torch.equal(dist.argmin(dim=1), assign):
        fail("k-means: a row is not in its nearest cluster")
    close("k-means inertia", torch.tensor([inertia]), dist.min(dim=1).values.sum().reshape(1), 1e-8)
    pair = torch.cdist(x, x)
    scores = []
    for i in range(n):
        own = assign == assign[i]
        a = pair[i][own].sum() / (own.sum() - 1)
        b = pair[i][~own].mean()
        scores.append((b - a) / max(a, b))
    close("silhouette", torch.tensor([sil]), torch.stack(scores).mean().reshape(1), 1e-10)


def main():
    folder = sys.argv[1]
    eig = sorted(glob.glob(folder + "/eig_*.bin"))
    if not eig:
        fail("no eig_*.bin in " + folder)
    for path in eig:
        check_eigen(path)
    check_pca(folder + "/pca.bin")
    check_top(folder + "/top.bin")
    check_kmeans(folder + "/kmeans.bin")
    print("torch_linalg: %d eigen-problems, PCA, power iteration and k-means agree with torch" % len(eig))


main()
