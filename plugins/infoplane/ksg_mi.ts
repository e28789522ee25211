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
  if (!(Number.isInteger(k) && k >= 1 && k < n)) {
    throw new RangeError(`KSG needs 1 <= k < N, got k = ${k} with N = ${n}`);
  }
  const d = dx + dy;
  const joint = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dx; c++) joint[i * d + c] = x[i * dx + c];
    for (let c = 0; c < dy; c++) joint[i * d + dx + c] = y[i * dy + c];
  }
  const tj = buildKdTree(joint, n, d);
  const eps = new Float64Array(n);
  let ties = 0;
  for (let i = 0; i < n; i++) {
    eps[i] = kthNeighbourDistance(tj, i, k);
    if (eps[i] === 0) ties++;
  }
  let sum = 0;
  const tx = buildKdTree(x, n, dx);
  for (let i = 0; i < n; i++) sum += digamma(Math.max(1, countCloser(tx, i, eps[i])));
  const ty = buildKdTree(y, n, dy);
  for (let i = 0; i < n; i++) sum += digamma(Math.max(1, countCloser(ty, i, eps[i])));
  // countCloser counts the sample itself, so it is n_x(i) + 1 (or 0 when eps = 0: n_x = 0)
  const nats = digamma(k) + digamma(n) - sum / n;
  return { nats, bits: nats / Math.LN2, n, k, ties };
}
