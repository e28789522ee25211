/**
 * A predictor for annealing along the beta grid (continuation): from the
 * solutions at two successive betas of one branch, the start for the next
 * is their linear extrapolation in the cluster parameters
 * (log p(t), log p(y|t)), instead of the last solution itself.
 *
 * Along a branch the solution moves smoothly with log beta, so the
 * extrapolated start is closer to the next solution by an order of the
 * grid step, and a solver that converges fast once close (Newton) needs
 * fewer updates. A start is only a start: the solver still iterates to
 * its own fixed point.
 *
 * @module
 */
import type { Clusters } from "./clusters.ts";

/** Largest change of any log parameter between the two solutions that is extrapolated. */
const MAX_LOG_CHANGE = 0.2;

/**
 * `b + f (b - a)` in (log p(t), log p(y|t)), renormalised; `b` itself
 * when the two do not correspond (different cluster counts, a zero
 * parameter, a change above {@link MAX_LOG_CHANGE} in some log
 * parameter: a merge, split or reordering in between).
 *
 * @example
 * ```ts
 * const c = (r: number) => ({ k: 1, pt: new Float64Array([1]), rnum: new Float64Array([1 - r, r]) });
 * extrapolateClusters(c(0.5), c(0.5), 2, 1).rnum; // [0.5, 0.5]: nothing moved
 * ```
 */
export function extrapolateClusters(a: Clusters, b: Clusters, Y: number, f: number): Clusters {
  const K = b.k;
  if (a.k !== K || !(f > 0)) return b;
  const pt = new Float64Array(K);
  const rnum = new Float64Array(K * Y);
  let ptMax = -Infinity;
  for (let t = 0; t < K; t++) {
    if (!(a.pt[t] > 0) || !(b.pt[t] > 0)) return b;
    const la = Math.log(a.pt[t]), lb = Math.log(b.pt[t]);
    if (!(Math.abs(lb - la) <= MAX_LOG_CHANGE)) return b;
    pt[t] = lb + f * (lb - la);
    if (pt[t] > ptMax) ptMax = pt[t];
    let rMax = -Infinity;
    for (let y = 0; y < Y; y++) {
      const ra = a.rnum[t * Y + y] / a.pt[t], rb = b.rnum[t * Y + y] / b.pt[t];
      if (!(ra > 0) || !(rb > 0)) return b;
      const lra = Math.log(ra), lrb = Math.log(rb);
      if (!(Math.abs(lrb - lra) <= MAX_LOG_CHANGE)) return b;
      const v = lrb + f * (lrb - lra);
      rnum[t * Y + y] = v;
      if (v > rMax) rMax = v;
    }
    let s = 0;
    for (let y = 0; y < Y; y++) s += rnum[t * Y + y] = Math.exp(rnum[t * Y + y] - rMax);
    for (let y = 0; y < Y; y++) rnum[t * Y + y] /= s;
  }
  let s = 0;
  for (let t = 0; t < K; t++) s += pt[t] = Math.exp(pt[t] - ptMax);
  for (let t = 0; t < K; t++) {
    pt[t] /= s;
    for (let y = 0; y < Y; y++) rnum[t * Y + y] *= pt[t];
  }
  return { k: K, pt, rnum };
}
