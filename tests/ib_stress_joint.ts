/**
 * The IB curve's stress case, shared by tests/ib_newton_test.ts and
 * bench/ib_curve.ts: soft binary labels whose rows p(y|x) all differ.
 *
 * @module
 */
import { createRng } from "../core/rng.ts";
import type { IbJoint } from "../plugins/ib/joint.ts";

/**
 * Soft labels of the bench's stress case: p(y=1|x) = sigmoid(gamma (f(x) - median) / sd(f))
 * for a random linear f of the `bits` bits of x; all 2^bits rows differ.
 */
export function stressJoint(bits: number, seed: number, gamma: number): IbJoint {
  const n = 2 ** bits;
  const rng = createRng(seed, "ib-bench");
  const w = Array.from({ length: bits }, () => rng.normal());
  const f = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    for (let i = 0; i < bits; i++) if ((x >> (bits - 1 - i)) & 1) f[x] += w[i];
  }
  const theta = [...f].sort((a, b) => a - b)[n / 2];
  const mean = f.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const pyx = new Float64Array(2 * n);
  for (let x = 0; x < n; x++) {
    const p = 1 / (1 + Math.exp((-gamma * (f[x] - theta)) / sd));
    pyx[2 * x] = 1 - p;
    pyx[2 * x + 1] = p;
  }
  return { px: new Float64Array(n).fill(1 / n), pyx, nx: n, ny: 2 };
}
