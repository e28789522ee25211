/**
 * Mutual information between two continuous variables by the k-nearest-
 * neighbour estimator of Kraskov, Stoegbauer and Grassberger (2004), their
 * estimator 1.
 *
 * For N paired samples (x_i, y_i), distances are max-norms, and in the
 * joint space the larger of the two marginal max-norms (which is the
 * max-norm of the concatenated row). eps_i is the distance from sample i
 * to its k-th nearest other sample in the joint space; n_x(i) counts the
 * samples j != i with ||x_j - x_i|| < eps_i (strictly), n_y(i) likewise.
 * Then, in nats,
 *
 *   I = psi(k) + psi(N) - (1/N) sum_i [psi(n_x(i) + 1) + psi(n_y(i) + 1)].
 *
 * The estimate is not clamped: it can fall below 0 for independent
 * variables (its bias is about zero there). Exact ties break the
 * estimator's assumption of a continuous density: a sample whose k-th
 * joint neighbour is at distance 0 gets n_x = n_y = 0. Those samples are
 * counted in `ties` and nothing is jittered silently.
 *
 * Cost: three k-d trees (kdtree.ts), one k-nearest query in the joint
 * space and two counting queries per sample; O(N log N) in low
 * dimension, towards O(N^2) as the dimension grows.
 *
 * @module
 */
import { digamma } from "./digamma.ts";
import { buildKdTree, countCloser, kthNeighbourDistance } from "./kdtree.ts";

/** A nearest-neighbour estimate of mutual information. */
export interface NeighbourMi {
  /** The estimate in nats. */
  nats: number;
  /** The estimate in bits. */
  bits: number;
  /** Samples used. */
  n: number;
  /** Neighbours k. */
  k: number;
  /** Samples whose k-th neighbour (joint, or same class for Ross) is at distance 0. */
  ties: number;
}

/**
 * KSG estimator 1 of I(X;Y) for `x` (`n x dx`) and `y` (`n x dy`),
 * row-major, `k` neighbours (1 <= k < n).
 *
 * @example
 * ```ts
 * // y = x: both marginal counts are k - 1, so I = psi(N) - psi(k) nats
 * const x = new Float64Array([0, 1, 3, 7, 15]);
 * ksgMi(x, 1, x, 1, 5, 2).nats; // psi(5) - psi(2) = 1/2 + 1/3 + 1/4
 * ```
 */
export function ksgMi(
  x: ArrayLike<number>,
  dx: number,
  y: ArrayLike<number>,
  dy: number,
  n: number,
  k: number,
): NeighbourMi {
  checkKsgK(k, n);
  return ksgFromCounts(ksgNeighbourCounts(x, dx, y, dy, n, k, 0, n), n, k);
}

/** A RangeError unless 1 <= k < n (k whole): KSG's neighbour count. */
export function checkKsgK(k: number, n: number): void {
  if (!(Number.isInteger(k) && k >= 1 && k < n)) {
    throw new RangeError(`KSG needs 1 <= k < N, got k = ${k} with N = ${n}`);
  }
}

/** Per sample of a range: n_x(i) + 1 and n_y(i) + 1 (0 where eps_i = 0), and the ties. */
export interface KsgCounts {
  /** First sample of the range. */
  from: number;
  cx: Int32Array;
  cy: Int32Array;
  ties: number;
}

/**
 * The neighbour counts of samples `from` to `to` (exclusive) of ksgMi's
 * inputs: the trees are built over all `n` samples, so any split of
 * [0, n) into ranges gives the same counts (ksg_parallel.ts runs ranges in
 * workers).
 */
export function ksgNeighbourCounts(
  x: ArrayLike<number>,
  dx: number,
  y: ArrayLike<number>,
  dy: number,
  n: number,
  k: number,
  from: number,
  to: number,
): KsgCounts {
  const d = dx + dy;
  const joint = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dx; c++) joint[i * d + c] = x[i * dx + c];
    for (let c = 0; c < dy; c++) joint[i * d + dx + c] = y[i * dy + c];
  }
  const tj = buildKdTree(joint, n, d);
  const m = to - from;
  const eps = new Float64Array(m);
  let ties = 0;
  for (let i = from; i < to; i++) {
    eps[i - from] = kthNeighbourDistance(tj, i, k);
    if (eps[i - from] === 0) ties++;
  }
  // countCloser counts the sample itself, so it is n_x(i) + 1 (or 0 when eps = 0: n_x = 0)
  const cx = new Int32Array(m), cy = new Int32Array(m);
  const tx = buildKdTree(x, n, dx);
  for (let i = from; i < to; i++) cx[i - from] = countCloser(tx, i, eps[i - from]);
  const ty = buildKdTree(y, n, dy);
  for (let i = from; i < to; i++) cy[i - from] = countCloser(ty, i, eps[i - from]);
  return { from, cx, cy, ties };
}

/**
 * The KSG estimate from the counts of every sample (one range over [0, n),
 * or several in order): the digammas are summed in sample order, all of X
 * then all of Y, so the result does not depend on how the ranges were cut.
 */
export function ksgFromCounts(counts: KsgCounts | KsgCounts[], n: number, k: number): NeighbourMi {
  const parts = Array.isArray(counts) ? counts : [counts];
  let sum = 0;
  let ties = 0;
  for (const p of parts) {
    ties += p.ties;
    for (let i = 0; i < p.cx.length; i++) sum += digamma(Math.max(1, p.cx[i]));
  }
  for (const p of parts) {
    for (let i = 0; i < p.cy.length; i++) sum += digamma(Math.max(1, p.cy[i]));
  }
  const nats = digamma(k) + digamma(n) - sum / n;
  return { nats, bits: nats / Math.LN2, n, k, ties };
}
