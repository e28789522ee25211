/**
 * SQUAREM extrapolation (Varadhan & Roland 2008, scheme S3) for the IB
 * fixed-point iteration, on the cluster parameters (log p(t), log p(y|t)).
 *
 * Near merges and phase transitions the plain update converges linearly
 * and slowly (the error can shrink by ~0.1 % per update); from three
 * successive parameter sets theta0 -> theta1 -> theta2 the extrapolated
 * point is theta0 - 2 a r + a^2 v, r = theta1 - theta0,
 * v = theta2 - 2 theta1 + theta0, a = min(-1, -|r| / |v|). The caller
 * accepts it only if it lowers the free energy.
 *
 * @module
 */
import { type Clusters, LOG_FLOOR, safeLog } from "./clusters.ts";

/**
 * The extrapolated clusters (renormalised), or `c2` itself when no step is
 * defined (no second difference) or the result is not a distribution.
 * Components at the log floor in any input stay there.
 *
 * @example
 * ```ts
 * const c = { k: 1, pt: new Float64Array([1]), rnum: new Float64Array([0.5, 0.5]) };
 * squaremStep(c, c, c, 2) === c; // true: no movement, nothing to extrapolate
 * ```
 */
export function squaremStep(c0: Clusters, c1: Clusters, c2: Clusters, Y: number): Clusters {
  const K = c0.k;
  const n = K * (Y + 1);
  const th = (c: Clusters, i: number) => {
    const t = Math.floor(i / (Y + 1));
    const y = i % (Y + 1);
    return y === 0 ? Math.log(c.pt[t]) : safeLog(c.rnum[t * Y + y - 1] / c.pt[t]);
  };
  const t0 = new Float64Array(n);
  const r = new Float64Array(n);
  const v = new Float64Array(n);
  let rr = 0;
  let vv = 0;
  for (let i = 0; i < n; i++) {
    const a = th(c0, i);
    const b = th(c1, i);
    const d = th(c2, i);
    t0[i] = a;
    if (a <= LOG_FLOOR || b <= LOG_FLOOR || d <= LOG_FLOOR) {
      t0[i] = LOG_FLOOR;
      continue;
    }
    r[i] = b - a;
    v[i] = d - 2 * b + a;
    rr += r[i] * r[i];
    vv += v[i] * v[i];
  }
  if (!(vv > 0)) return c2;
  const alpha = Math.min(-1, -Math.sqrt(rr / vv));
  const pt = new Float64Array(K);
  const rnum = new Float64Array(K * Y);
  let lmax = -Infinity;
  const la = new Float64Array(K);
  for (let t = 0; t < K; t++) {
    const i = t * (Y + 1);
    la[t] = t0[i] - 2 * alpha * r[i] + alpha * alpha * v[i];
    if (la[t] > lmax) lmax = la[t];
  }
  let s = 0;
  for (let t = 0; t < K; t++) s += pt[t] = Math.exp(la[t] - lmax);
  for (let t = 0; t < K; t++) {
    pt[t] /= s;
    let ymax = -Infinity;
    for (let y = 0; y < Y; y++) {
      const i = t * (Y + 1) + 1 + y;
      const lv = t0[i] <= LOG_FLOOR ? -Infinity : t0[i] - 2 * alpha * r[i] + alpha * alpha * v[i];
      rnum[t * Y + y] = lv;
      if (lv > ymax) ymax = lv;
    }
    let ys = 0;
    for (let y = 0; y < Y; y++) ys += rnum[t * Y + y] = Math.exp(rnum[t * Y + y] - ymax);
    for (let y = 0; y < Y; y++) rnum[t * Y + y] *= pt[t] / ys;
  }
  for (let t = 0; t < K; t++) {
    if (!(pt[t] > 0) || !Number.isFinite(pt[t])) return c2;
  }
  return { k: K, pt, rnum };
}
