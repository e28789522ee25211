/**
 * The IB bound as a function of I(X;T): the upper concave envelope of the
 * traced curve's points together with the origin, flat beyond its highest
 * point. The achievable region of the IB is convex (time-sharing between
 * two encoders) and always holds (0, 0) (a constant T), so this envelope is
 * achievable wherever the points are; for hard labels, where the curve's
 * points are only (0, 0) and (H(Y), H(Y)), it is exactly the true curve
 * min(I(X;T), H(Y)).
 *
 * @module
 */

/** Vertices of the envelope, by increasing I(X;T). */
export interface Envelope {
  x: number[];
  y: number[];
}

/**
 * Upper concave envelope of the points (ixt[i], ity[i]) and (0, 0),
 * cut at its highest vertex (the bound is non-decreasing).
 *
 * @example
 * ```ts
 * const e = concaveEnvelope([1], [1]);
 * envelopeAt(e, 0.5); // 0.5
 * envelopeAt(e, 3); // 1
 * ```
 */
export function concaveEnvelope(ixt: ArrayLike<number>, ity: ArrayLike<number>): Envelope {
  const pts: [number, number][] = [[0, 0]];
  for (let i = 0; i < ixt.length; i++) {
    if (Number.isFinite(ixt[i]) && Number.isFinite(ity[i])) pts.push([ixt[i], ity[i]]);
  }
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const hull: [number, number][] = [];
  for (const p of pts) {
    while (hull.length >= 2) {
      const [ax, ay] = hull[hull.length - 2];
      const [bx, by] = hull[hull.length - 1];
      // drop b when it lies on or below the chord a -> p
      if ((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  let top = 0;
  for (let i = 1; i < hull.length; i++) if (hull[i][1] > hull[top][1]) top = i;
  const kept = hull.slice(0, top + 1);
  return { x: kept.map((p) => p[0]), y: kept.map((p) => p[1]) };
}

/** The envelope at I(X;T) = `x` (linear between vertices, flat beyond the last). */
export function envelopeAt(env: Envelope, x: number): number {
  const { x: xs, y: ys } = env;
  const n = xs.length;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = xs[hi] - xs[lo];
  return span > 0 ? ys[lo] + ((ys[hi] - ys[lo]) * (x - xs[lo])) / span : Math.max(ys[lo], ys[hi]);
}
