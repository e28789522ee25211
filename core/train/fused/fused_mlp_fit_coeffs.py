#!/usr/bin/env python3
"""Derives the polynomial coefficients of the SIMD kernel's tanh and exp
(fused_mlp_simd.as) and checks the float32 evaluation against float64.

Both fits minimise the maximum relative error (minimax) by Lawson's
iteratively reweighted least squares on a dense grid:

- exp(r) = 1 + r + r^2 Q(r), Q of degree 4, on |r| <= ln2 / 2 (after the
  range reduction x = n ln2 + r);
- tanh(t) = t + t s P(s), s = t^2, P of degree 5, on 0 < t < 0.9; above
  0.9 the kernel uses 1 - 2 / (e^(2t) + 1).

The float32 simulation repeats the kernel's operations in the same order
(numpy float32 rounds each one, as WebAssembly does without FMA).

    /usr/bin/python3 core/train/fused/fused_mlp_fit_coeffs.py
"""
import numpy as np

F = np.float32
SPLIT = 0.9


def lawson(xs, target, weight, basis, iters=300):
    """Coefficients c minimising max |weight * (sum c_k basis_k(xs) - target)|."""
    a = np.stack([b(xs) for b in basis], 1)
    lam = np.ones_like(xs) / len(xs)
    for _ in range(iters):
        sw = np.sqrt(lam) * weight
        c, *_ = np.linalg.lstsq(a * sw[:, None], sw * target, rcond=None)
        err = np.abs(weight * (a @ c - target))
        lam = lam * err
        lam /= lam.sum()
    return c, float(err.max())


def fit_exp():
    half = np.log(2) / 2
    r = np.linspace(-half, half, 20001)
    r = r[r != 0]
    target = (np.exp(r) - 1 - r) / (r * r)
    weight = r * r / np.exp(r)
    return lawson(r, target, weight, [lambda x, k=k: x ** k for k in range(5)])


def fit_tanh():
    t = np.linspace(1e-4, SPLIT, 20000)
    s = t * t
    target = (np.tanh(t) / t - 1) / s
    weight = t * s / np.tanh(t)
    return lawson(t, target, weight, [lambda x, k=k: (x * x) ** k for k in range(6)])


def tanh32(x, p, q):
    """The kernel's tanh in float32 (both branches, then select)."""
    x = F(x)
    t = np.abs(x)
    s = t * t
    acc = p[5]
    for k in (4, 3, 2, 1, 0):
        acc = acc * s + p[k]
    small = t + t * (s * acc)
    x2 = np.minimum(t + t, F(19))
    shifted = x2 * F(1.4426950408889634) + F(12582912.0)
    n = shifted - F(12582912.0)
    r = (x2 - n * F(0.693145751953125)) - n * F(1.428606765330187e-6)
    e = q[4]
    for k in (3, 2, 1, 0):
        e = e * r + q[k]
    ex = (F(1) + r) + (r * r) * e
    ex = (ex * np.ldexp(F(1), n.astype(np.int32))).astype(F)
    large = F(1) - F(2) / (ex + F(1))
    return np.copysign(np.where(t < F(SPLIT), small, large).astype(F), x)


def main():
    q, q_err = fit_exp()
    p, p_err = fit_tanh()
    q32, p32 = F(q), F(p)
    print("exp Q (E0..E4), fit error %.2e:" % q_err, [float(v) for v in q32])
    print("tanh P (T0..T5), fit error %.2e:" % p_err, [float(v) for v in p32])
    xs = np.concatenate([np.linspace(-12, 12, 2000000), np.geomspace(1e-30, 1, 200000)]).astype(F)
    xs = xs[xs != 0]
    err = np.abs(tanh32(xs, p32, q32).astype(np.float64) / np.tanh(xs.astype(np.float64)) - 1)
    print("float32 tanh: max relative error %.3e at %g" % (err.max(), xs[np.argmax(err)]))


if __name__ == "__main__":
    main()
