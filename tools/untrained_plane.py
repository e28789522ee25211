#!/usr/bin/env python3
"""Independent check of the untrained 12-bit network's binned information plane.

Written against docs/methods.md sections 1, 2 and 6 only (no code shared with layerlens, own
random numbers): for each seed, a 12-10-7-5-4-3-2 network with truncated-normal weights
(sd 1/sqrt(fan_in), values beyond 2 sd redrawn) and zero biases, tanh hidden layers and a
softmax output, in float32, on all 4096 inputs; each layer binned on float32
linspace(-1, 1, bins) with numpy's digitize (index - 1, so values below -1 wrap to the top
code); I(X;T) = H(T), I(T;Y) = H(T) - sum_y p(y) H(T | Y = y), in bits.

Prints, per layer, the mean over seeds and its standard error (sd / sqrt(seeds)) as a markdown
table, then one JSON line. Needs numpy only (Debian: apt-get install -y python3-numpy).

    /usr/bin/python3 tools/untrained_plane.py --seeds 400 [--bins 30] [--labels data/var_u_labels.hex]
"""
import argparse
import json
import os
import time

import numpy as np

SIZES = [12, 10, 7, 5, 4, 3, 2]
NAMES = ["dense_1", "dense_2", "dense_3", "dense_4", "dense_5", "output"]
# [SZT]'s untrained means over 50 seeds (docs/methods.md section 6)
PUBLISHED_SEEDS = 50
PUBLISHED_IXT = [12.00, 11.997, 11.51, 9.30, 6.44, 1.84]
PUBLISHED_ITY = [0.999, 0.998, 0.84, 0.36, 0.13, 0.03]


def read_labels(path):
    text = "".join(open(path).read().split())
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(text), dtype=np.uint8))
    assert bits.size == 4096, f"{path}: expected 4096 label bits, got {bits.size}"
    return bits.astype(np.int64)


def inputs():
    i = np.arange(4096)
    return ((i[:, None] >> np.arange(11, -1, -1)[None, :]) & 1).astype(np.float32)


def truncated_normal(rng, shape, sd):
    w = rng.standard_normal(shape)
    bad = np.abs(w) > 2
    while bad.any():
        w[bad] = rng.standard_normal(bad.sum())
        bad = np.abs(w) > 2
    return (w * sd).astype(np.float32)


def layers(rng, x):
    out, h = [], x
    for k in range(len(SIZES) - 1):
        w = truncated_normal(rng, (SIZES[k], SIZES[k + 1]), 1 / np.sqrt(SIZES[k]))
        z = h @ w  # zero biases
        if k + 2 < len(SIZES):
            h = np.tanh(z)
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        out.append(h.astype(np.float32))
    return out


def entropy(codes):
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def plane(t, y, edges):
    codes = np.digitize(t, edges) - 1
    h = entropy(codes)
    cond = sum((y == c).mean() * entropy(codes[y == c]) for c in (0, 1))
    return h, h - cond


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=400)
    ap.add_argument("--bins", type=int, default=30, help="number of edges on [-1, 1]")
    ap.add_argument("--labels", default=os.path.join(here, "..", "data", "var_u_labels.hex"))
    ap.add_argument("--first-seed", type=int, default=0)
    a = ap.parse_args()
    x, y = inputs(), read_labels(a.labels)
    edges = np.linspace(-1, 1, a.bins).astype(np.float32)
    ixt = np.zeros((a.seeds, len(NAMES)))
    ity = np.zeros((a.seeds, len(NAMES)))
    t0 = time.time()
    for s in range(a.seeds):
        rng = np.random.default_rng(a.first_seed + s)
        for k, t in enumerate(layers(rng, x)):
            ixt[s, k], ity[s, k] = plane(t, y, edges)
    wall = time.time() - t0
    se = lambda v: v.std(axis=0, ddof=1) / np.sqrt(a.seeds) if a.seeds > 1 else 0 * v[0]
    print(f"untrained 12-bit net, numpy, {a.seeds} seeds, {a.bins} edges, {wall:.1f} s")
    # distance to the published mean in units of a 50-seed mean's standard error, the seed
    # spread estimated from these seeds: z = (published - mean) / (sd / sqrt(50))
    def z(v, pub, k):
        sd = v[:, k].std(ddof=1) if a.seeds > 1 else 0.0
        return (pub[k] - v[:, k].mean()) / (sd / np.sqrt(PUBLISHED_SEEDS)) if sd > 0 else 0.0
    print("| layer | I(X;T) | SE | I(T;Y) | SE | z published I(X;T) | z published I(T;Y) |")
    print("|---|---|---|---|---|---|---|")
    for k, n in enumerate(NAMES):
        print(f"| {n} | {ixt[:, k].mean():.3f} | {se(ixt)[k]:.3f} | {ity[:, k].mean():.3f} | "
              f"{se(ity)[k]:.3f} | {z(ixt, PUBLISHED_IXT, k):+.2f} | "
              f"{z(ity, PUBLISHED_ITY, k):+.2f} |")
    print(json.dumps({
        "seeds": a.seeds, "bins": a.bins, "wall_s": round(wall, 2), "layers": NAMES,
        "ixt_mean": ixt.mean(axis=0).round(4).tolist(), "ixt_se": se(ixt).round(4).tolist(),
        "ity_mean": ity.mean(axis=0).round(4).tolist(), "ity_se": se(ity).round(4).tolist(),
    }))


if __name__ == "__main__":
    main()
