/**
 * Mutual information between a continuous X and a discrete Y by the
 * nearest-neighbour estimator of Ross (2014, PLoS ONE 9(2) e87357), the
 * mixed counterpart of KSG.
 *
 * Samples whose label occurs only once are dropped (they have no
 * same-label neighbour); N is the number kept. For sample i with label
 * y_i, which N_y of the kept samples share: k_i = min(k, N_y - 1); d_i is
 * the max-norm distance from x_i to its k_i-th nearest other sample of the
 * same label; m_i counts the samples of any label strictly closer than d_i,
 * the sample itself included (as KSG's n_x + 1). Then, in nats,
 *
 *   I = psi(N) + <psi(k_i)> - <psi(N_{y_i})> - <psi(m_i)>.
 *
 * Not clamped (it may be slightly negative when X and Y are independent).
 * A sample with d_i = 0 (k_i same-label rows identical to it) is counted
 * in `ties`; its m_i is taken as 1.
 *
 * Cost: one k-d tree per label plus one over all samples; a k-nearest and a
 * counting query per sample.
 *
 * @module
 */
import { digamma } from "./digamma.ts";
import { buildKdTree, countCloser, kthNeighbourDistance } from "./kdtree.ts";
import type { NeighbourMi } from "./ksg_mi.ts";

/**
 * Ross's estimate of I(X;Y) for `x` (`n x d`, row-major) and integer
 * labels `labels` (any values >= 0), `k` neighbours (>= 1).
 *
 * @example
 * ```ts
 * // two far-apart classes of 4 points each: I = ln 2 nats = 1 bit, up to bias
 * rossMi(new Float64Array([0, 0.1, 0.2, 0.3, 9, 9.1, 9.2, 9.3]), 1,
 *   new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]), 8, 3).bits; // 1
 * ```
 */
export function rossMi(
  x: ArrayLike<number>,
  d: number,
  labels: Int32Array,
  n: number,
  k: number,
): NeighbourMi {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`Ross needs k >= 1, got ${k}`);
  // rows of each label
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const rows = byLabel.get(labels[i]);
    if (rows) rows.push(i);
    else byLabel.set(labels[i], [i]);
  }
  const kept: number[] = [];
  for (const rows of byLabel.values()) if (rows.length > 1) kept.push(...rows);
  kept.sort((a, b) => a - b);
  const m = kept.length;
  if (m < 2) return { nats: 0, bits: 0, n: m, k, ties: 0 };
  const where = new Int32Array(n).fill(-1); // original row -> index among kept
  for (let j = 0; j < m; j++) where[kept[j]] = j;
  const radius = new Float64Array(m);
  let sum = 0, ties = 0;
  for (const rows of byLabel.values()) {
    const c = rows.length;
    if (c < 2) continue;
    const kc = Math.min(k, c - 1);
    const pts = new Float64Array(c * d);
    for (let a = 0; a < c; a++) {
      for (let q = 0; q < d; q++) pts[a * d + q] = x[rows[a] * d + q];
    }
    const t = buildKdTree(pts, c, d);
    for (let a = 0; a < c; a++) {
      const r = kthNeighbourDistance(t, a, kc);
      radius[where[rows[a]]] = r;
      if (r === 0) ties++;
      sum += digamma(kc) - digamma(c);
    }
  }
  const all = new Float64Array(m * d);
  for (let j = 0; j < m; j++) {
    for (let q = 0; q < d; q++) all[j * d + q] = x[kept[j] * d + q];
  }
  const t = buildKdTree(all, m, d);
  for (let j = 0; j < m; j++) sum -= digamma(Math.max(1, countCloser(t, j, radius[j])));
  const nats = digamma(m) + sum / m;
  return { nats, bits: nats / Math.LN2, n: m, k, ties };
}
