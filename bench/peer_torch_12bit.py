#!/usr/bin/env python3
"""Peer pipeline for the 12-bit information-plane experiment.

Provenance: the team's reference peer for speed, handed over with the
project's lab material; it reads the labels from the project's data/ copy.

PyTorch (CPU) trains the 12-10-7-5-4-3-2 network the way the reference code
does, captures every layer's activations on all 4096 inputs at the sampled
epochs, and computes binned I(X;T), I(T;Y) with numpy. Prints one JSON line
with the time spent training and estimating, and the information-plane
values per layer (first, peak and last sampled epoch, mean over seeds).

Needs Debian's python3-torch and python3-numpy:
    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 peer_torch_12bit.py --epochs 1000 --seeds 1
"""
import argparse, json, math, os, time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load_task():
    hexdigits = "".join(open(os.path.join(HERE, "..", "data", "var_u_labels.hex")).read().split())
    y = np.unpackbits(np.frombuffer(bytes.fromhex(hexdigits), dtype=np.uint8))[:4096].astype(np.int64)
    idx = np.arange(4096)
    x = ((idx[:, None] >> np.arange(11, -1, -1)[None, :]) & 1).astype(np.float32)
    return x, y


def sampled_epochs(total):
    e = np.unique(np.logspace(0, math.log2(total), 400, base=2).astype(int)) - 1
    return set(int(v) for v in e if v < total)


def entropy_rows(codes):
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binned_mi(t, y, edges):
    codes = edges[np.digitize(t.reshape(-1), edges) - 1].reshape(t.shape)
    h_t = entropy_rows(codes)
    h_t_given_y = sum((y == k).mean() * entropy_rows(codes[y == k]) for k in np.unique(y))
    return h_t, h_t - h_t_given_y


def truncated_normal_(w, std, gen):
    with torch.no_grad():
        w.normal_(0, 1, generator=gen)
        while True:
            bad = w.abs() > 2
            if not bad.any():
                break
            w[bad] = torch.randn(int(bad.sum()), generator=gen)
        w.mul_(std)


def run_seed(seed, x, y, args, edges):
    gen = torch.Generator().manual_seed(seed)
    widths = [12, 10, 7, 5, 4, 3, 2]
    layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
    for layer in layers:
        truncated_normal_(layer.weight, 1 / math.sqrt(layer.in_features), gen)
        torch.nn.init.zeros_(layer.bias)
    act = torch.tanh if args.activation == "tanh" else torch.relu
    opt = torch.optim.Adam(layers.parameters(), lr=args.lr)
    n_train = int(0.8 * len(x))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    xall = xt
    sampled = sampled_epochs(args.epochs)
    train_s = mi_s = 0.0
    trace = []  # (epoch, [(ixt, ity) per layer])

    def forward(inp, keep):
        outs = []
        h = inp
        for i, layer in enumerate(layers):
            h = layer(h)
            h = act(h) if i < len(layers) - 1 else torch.softmax(h, 1)
            if keep:
                outs.append(h.detach().numpy())
        return h, outs

    for epoch in range(args.epochs):
        if epoch in sampled:
            t0 = time.perf_counter()
            with torch.no_grad():
                _, outs = forward(xall, True)
            trace.append((epoch, [binned_mi(o, y, edges) for o in outs]))
            mi_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        for b in range(0, n_train, args.batch):
            opt.zero_grad()
            out, _ = forward(xt[b:min(b + args.batch, n_train)], False)
            loss = -torch.log(out.clamp_min(1e-50)).gather(1, yt[b:min(b + args.batch, n_train), None]).mean()
            loss.backward()
            opt.step()
        train_s += time.perf_counter() - t0
    return train_s, mi_s, trace


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=8000)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.0004)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--bins", type=int, default=30)
    p.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x, y = load_task()
    edges = np.linspace(-1, 1, args.bins).astype(np.float32)
    t_all = time.perf_counter()
    train_s = mi_s = 0.0
    traces = []
    for s in range(args.seeds):
        a, b, tr = run_seed(s, x, y, args, edges)
        train_s += a
        mi_s += b
        traces.append(tr)
    total_s = time.perf_counter() - t_all
    ixt = np.array([[[v[0] for v in layers] for _, layers in tr] for tr in traces]).mean(0)
    ity = np.array([[[v[1] for v in layers] for _, layers in tr] for tr in traces]).mean(0)
    summary = {
        "peer": "torch " + torch.__version__,
        "epochs": args.epochs, "seeds": args.seeds, "sampled_epochs": len(traces[0]),
        "train_s": round(train_s, 3), "mi_s": round(mi_s, 3), "total_s": round(total_s, 3),
        "ixt_first": ixt[0].round(3).tolist(), "ixt_peak": ixt.max(0).round(3).tolist(),
        "ixt_last": ixt[-1].round(3).tolist(), "ity_last": ity[-1].round(3).tolist(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
