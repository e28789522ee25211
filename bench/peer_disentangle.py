#!/usr/bin/env python3
"""PyTorch peer of bench/disentangle.ts: the same disentangler training.

Orders l = 1..L, each a ReLU MLP with l hidden layers of `width` units and a
linear head, trained by MSE to mimic the standardised feature f from x;
order l+1 copies order l and inserts an identity-initialised hidden layer
below the head; Adam per order, learning rate log-spaced 1e-3 -> 1e-5 over
the epochs, reshuffled mini-batches. Data and the order-1 initial weights
come from the TypeScript side as raw float32 files (row-major, [in, out]).
Prints one JSON line: wall time of the training and the loss per order.

    /usr/bin/python3 bench/peer_disentangle.py --dir DIR --n 2000 --in-dim 784 \
        --dim 64 --orders 6 --width 128 --epochs 20 --batch 128
"""
import argparse, json, os, time

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    for name in ["n", "in-dim", "dim", "orders", "width", "epochs", "batch"]:
        ap.add_argument("--" + name, type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    load = lambda name, shape: torch.from_numpy(
        np.fromfile(os.path.join(a.dir, name), dtype=np.float32).reshape(shape).copy())
    x = load("x.f32", (a.n, a.in_dim))
    f = load("f.f32", (a.n, a.dim))
    w1 = load("w1.f32", (a.in_dim, a.width))
    wh = load("wh.f32", (a.width, a.dim))
    # standardise: per-dimension centring, one global scale
    mu = f.mean(0, keepdim=True)
    scale = ((f - mu) ** 2).mean().sqrt()
    z = (f - mu) / scale

    lrs = np.logspace(-3, -5, a.epochs) if a.epochs > 1 else np.array([1e-3])
    times, losses = [], []
    for _ in range(a.repeats):
        torch.manual_seed(0)
        t0 = time.perf_counter()
        first = torch.nn.Linear(a.in_dim, a.width)
        head = torch.nn.Linear(a.width, a.dim)
        with torch.no_grad():
            first.weight.copy_(w1.t()); first.bias.zero_()
            head.weight.copy_(wh.t()); head.bias.zero_()
        hidden = [first]
        losses = []
        for order in range(1, a.orders + 1):
            if order > 1:
                new = torch.nn.Linear(a.width, a.width)
                with torch.no_grad():
                    new.weight.copy_(torch.eye(a.width)); new.bias.zero_()
                hidden = hidden + [new]
            layers = []
            for h in hidden:
                layers += [h, torch.nn.ReLU()]
            net = torch.nn.Sequential(*layers, head)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            for epoch in range(a.epochs):
                for g in opt.param_groups:
                    g["lr"] = float(lrs[epoch])
                perm = torch.randperm(a.n)
                for s in range(0, a.n, a.batch):
                    idx = perm[s:s + a.batch]
                    opt.zero_grad()
                    loss = torch.nn.functional.mse_loss(net(x[idx]), z[idx])
                    loss.backward()
                    opt.step()
            with torch.no_grad():
                phi = net(x) * scale + mu
                losses.append(float(((phi - f) ** 2).mean()))
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_s": [round(t, 3) for t in times],
        "best_s": round(min(times), 3),
        "loss": losses,
    }))


if __name__ == "__main__":
    main()
