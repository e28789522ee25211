#!/usr/bin/env python3
"""numpy peer for the information-plane kernels (bench/mi_binned.ts, bench/mi_kde.ts).

binned: the PyTorch peer's estimator (bench/peer_torch_12bit.py):
        np.digitize on the float32 linspace(-1, 1, bins) grid, then
        np.unique(axis=0) for H(T) and H(T | Y = y), per layer.
kde:    dense Kolchinsky-Tracey bounds ([Saxe], docs/methods.md section 3) in float64:
        the full P x P squared-distance matrix from the Gram trick, then a
        log-sum-exp per row written by hand (max shift + log(sum(exp))), no
        scipy; the class-conditional entropies on the class sub-matrices, as
        in [Saxe]'s code.

Inputs are raw little-endian files written by the TS bench:
  --acts   float32, the layers one after another, each rows x width row-major
  --labels int32, rows labels
Prints one JSON line: best wall time over --repeat runs and the values.

make-npz / analyze (bench/analyze_process.ts, the whole `lens analyze`
process against this whole script): make-npz writes an np.savez file of
--snapshots snapshots of a 12-bit tanh net (inputs: the 4096 12-bit
patterns; weights scaled up with the snapshot index, so later snapshots
saturate like a trained net) and a labels .npy; analyze loads the file and
prints the binned I(X;T), I(T;Y) of every layer at every snapshot.

    /usr/bin/python3 bench/peer_mi.py binned --acts a.f32 --labels y.i32 \
        --rows 4096 --widths 10,7,5,4,3,2 --repeat 5
    /usr/bin/python3 bench/peer_mi.py kde --acts a.f32 --labels y.i32 \
        --rows 4096 --widths 10 --s2 0.1 --repeat 3
"""
import argparse
import json
import time

import numpy as np


def entropy_rows(codes):
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binned_mi(t, y, edges):
    codes = edges[np.digitize(t.reshape(-1), edges) - 1].reshape(t.shape)
    h_t = entropy_rows(codes)
    h_t_given_y = sum((y == k).mean() * entropy_rows(codes[y == k]) for k in np.unique(y))
    return h_t, h_t - h_t_given_y


def sq_dists(h):
    sq = (h * h).sum(1)
    d = sq[:, None] + sq[None, :] - 2.0 * (h @ h.T)
    np.maximum(d, 0.0, out=d)
    return d


def mean_log_mean_exp(d, scale):
    """mean_i ln( (1/P) sum_j exp(-d_ij * scale) ), log-sum-exp by hand."""
    a = d * (-scale)
    m = a.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(a - m).sum(axis=1))
    return float((lse - np.log(d.shape[1])).mean())


def kde_mi(h, y, s2):
    """Bounds in bits: (ixt_upper, ixt_lower, ity_upper, ity_lower)."""
    d = sq_dists(h)
    up_all = mean_log_mean_exp(d, 1.0 / (2.0 * s2))
    low_all = mean_log_mean_exp(d, 1.0 / (8.0 * s2))
    up_cls = low_cls = 0.0
    for k in np.unique(y):
        idx = np.flatnonzero(y == k)
        sub = d[np.ix_(idx, idx)]
        w = len(idx) / len(y)
        up_cls += w * mean_log_mean_exp(sub, 1.0 / (2.0 * s2))
        low_cls += w * mean_log_mean_exp(sub, 1.0 / (8.0 * s2))
    ln2 = np.log(2.0)
    return (-up_all / ln2, -low_all / ln2, (up_cls - up_all) / ln2, (low_cls - low_all) / ln2)


def make_npz(out, labels_out, snapshots, widths, seed):
    rng = np.random.default_rng(seed)
    x = ((np.arange(4096)[:, None] >> np.arange(12)[None, :]) & 1).astype(np.float64) * 2 - 1
    y = (rng.random(4096) < 0.5).astype(np.int64)
    sizes = [12] + widths
    ws = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    layers = {f"layer_{k + 1}": np.empty((snapshots, 4096, w), np.float32)
              for k, w in enumerate(widths)}
    for s in range(snapshots):
        h = x
        for k, w in enumerate(ws):
            h = np.tanh(h @ (w * (1 + 4 * s / max(1, snapshots - 1))))
            layers[f"layer_{k + 1}"][s] = h
    np.savez(out, epochs=np.arange(snapshots) * 10, **layers)
    np.save(labels_out, y)


def analyze(npz, labels, bins):
    """The whole analysis of a saved file, as a numpy user would write it."""
    y = np.load(labels)
    edges = np.linspace(-1, 1, bins).astype(np.float32)
    f = np.load(npz)
    names = [k for k in f.files if k != "epochs"]
    arrays = {k: f[k] for k in names}
    out = []
    for s in range(arrays[names[0]].shape[0]):
        out.append([binned_mi(arrays[k][s], y, edges) for k in names])
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["binned", "kde", "make-npz", "analyze"])
    p.add_argument("--npz")
    p.add_argument("--snapshots", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--acts")
    p.add_argument("--labels", required=True)
    p.add_argument("--rows", type=int)
    p.add_argument("--widths", default="10,7,5,4,3,2")
    p.add_argument("--bins", type=int, default=30)
    p.add_argument("--s2", type=float, default=0.1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="kde arithmetic precision")
    a = p.parse_args()
    widths = [int(w) for w in a.widths.split(",")]
    if a.mode == "make-npz":
        make_npz(a.npz, a.labels, a.snapshots, widths, a.seed)
        return
    if a.mode == "analyze":
        vals = analyze(a.npz, a.labels, a.bins)
        print(json.dumps({"peer": "numpy " + np.__version__, "mode": "analyze",
                          "snapshots": len(vals), "ixt_last": [v[0] for v in vals[-1]],
                          "ity_last": [v[1] for v in vals[-1]]}))
        return
    flat = np.fromfile(a.acts, dtype="<f4")
    y = np.fromfile(a.labels, dtype="<i4").astype(np.int64)
    layers, off = [], 0
    for w in widths:
        layers.append(flat[off:off + a.rows * w].reshape(a.rows, w))
        off += a.rows * w
    best = float("inf")
    if a.mode == "binned":
        edges = np.linspace(-1, 1, a.bins).astype(np.float32)
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            vals = [binned_mi(t, y, edges) for t in layers]
            best = min(best, time.perf_counter() - t0)
        out = {"peer": "numpy " + np.__version__, "mode": "binned", "best_ms": best * 1e3,
               "ixt": [v[0] for v in vals], "ity": [v[1] for v in vals]}
    else:
        h = layers[0].astype(a.dtype)
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            vals = kde_mi(h, y, a.s2)
            best = min(best, time.perf_counter() - t0)
        out = {"peer": "numpy " + np.__version__, "mode": "kde", "dtype": a.dtype,
               "best_ms": best * 1e3, "ixt_upper": vals[0], "ixt_lower": vals[1],
               "ity_upper": vals[2], "ity_lower": vals[3]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
