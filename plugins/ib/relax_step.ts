/**
 * Over-relaxation along the last plain update of the IB iteration: from
 * clusters c1 and their update c2, the point theta1 + a (theta2 - theta1)
 * in the parameters (log p(t), log p(y|t)) of {@link squaremStep}.
 *
 * Where the iteration slowly leaves an unstable fixed point (clusters
 * drifting apart just past a critical beta), the update keeps one direction
 * for hundreds of steps and grows slowly; Newton and SQUAREM aim back at
 * the fixed point being left and are rejected by the free-energy test. The
 * caller doubles `a` while the free energy keeps falling.
 *
 * @module
 */
import { type Clusters, LOG_FLOOR, safeLog } from "./clusters.ts";

/** theta1 + a (theta2 - theta1), normalised; undefined when not a distribution. */
export function relaxStep(c1: Clusters, c2: Clusters, a: number, Y: number): Clusters | undefined {
  const K = c1.k;
  if (c2.k !== K) return undefined;
  const pt = new Float64Array(K);
  const rnum = new Float64Array(K * Y);
  let lmax = -Infinity;
  const lp = new Float64Array(K);
  for (let t = 0; t < K; t++) {
    const x = Math.log(c1.pt[t]), z = Math.log(c2.pt[t]);
    lp[t] = x + a * (z - x);
    if (lp[t] > lmax) lmax = lp[t];
  }
  if (!Number.isFinite(lmax)) return undefined;
  let s = 0;
  for (let t = 0; t < K; t++) s += pt[t] = Math.exp(lp[t] - lmax);
  for (let t = 0; t < K; t++) {
    pt[t] /= s;
    if (!(pt[t] > 0)) return undefined;
    let ymax = -Infinity;
    for (let y = 0; y < Y; y++) {
      const x = safeLog(c1.rnum[t * Y + y] / c1.pt[t]);
      const z = safeLog(c2.rnum[t * Y + y] / c2.pt[t]);
      const v = x <= LOG_FLOOR || z <= LOG_FLOOR ? -Infinity : x + a * (z - x);
      rnum[t * Y + y] = v;
      if (v > ymax) ymax = v;
    }
    if (!Number.isFinite(ymax)) return undefined;
    let ys = 0;
    for (let y = 0; y < Y; y++) ys += rnum[t * Y + y] = Math.exp(rnum[t * Y + y] - ymax);
    for (let y = 0; y < Y; y++) rnum[t * Y + y] *= pt[t] / ys;
  }
  return { k: K, pt, rnum };
}
