/**
 * Cluster parameters of an IB solution, p(t) and p(t) p(y|t), and the
 * step that keeps their number honest: drop clusters that emptied, merge
 * clusters whose decoders coincide.
 *
 * @module
 */

/** log of 0 is floored here: below the log of the smallest positive double. */
export const LOG_FLOOR = -745;

/** `Math.log(v)` for v > 0, else {@link LOG_FLOOR}. */
export function safeLog(v: number): number {
  return v > 0 ? Math.log(v) : LOG_FLOOR;
}

/** Cluster parameters: p(t) and p(t) p(y|t) (unnormalised decoder rows, `k` x ny). */
export interface Clusters {
  k: number;
  pt: Float64Array;
  rnum: Float64Array;
}

/**
 * Drops clusters with p(t) <= `dropTol` and merges (masses add) clusters
 * whose log p(y|t) agree within `mergeTol / beta` in every component: for
 * every input the ratio of their encoder entries then varies with x by at
 * most exp(mergeTol), so a merge costs O(mergeTol^2) nats of I(X;T) and an
 * exact tie nothing. Returns `c` itself when nothing changes.
 *
 * @example
 * ```ts
 * const c = { k: 2, pt: new Float64Array([0.5, 0.5]), rnum: new Float64Array([0.25, 0.25, 0.25, 0.25]) };
 * mergeAndDrop(c, 2, 10, 1e-3, 1e-14).k; // 1
 * ```
 */
export function mergeAndDrop(
  c: Clusters,
  Y: number,
  beta: number,
  mergeTol: number,
  dropTol: number,
): Clusters {
  const K = c.k;
  const alive: number[] = [];
  for (let t = 0; t < K; t++) if (c.pt[t] > dropTol) alive.push(t);
  const lr = new Float64Array(K * Y);
  for (const t of alive) {
    for (let y = 0; y < Y; y++) lr[t * Y + y] = safeLog(c.rnum[t * Y + y] / c.pt[t]);
  }
  const parent = new Int32Array(K).map((_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  let merged = false;
  const thr = mergeTol / beta;
  // Sorted by the first component, only neighbours within thr in it can merge.
  const order = alive.slice().sort((a, b) => lr[a * Y] - lr[b * Y]);
  for (let i = 0; i < order.length; i++) {
    const a = order[i];
    for (let j = i + 1; j < order.length; j++) {
      const b = order[j];
      if (lr[b * Y] - lr[a * Y] > thr) break;
      let close = true;
      for (let y = 1; y < Y; y++) {
        if (Math.abs(lr[a * Y + y] - lr[b * Y + y]) > thr) {
          close = false;
          break;
        }
      }
      if (!close) continue;
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) {
        parent[Math.max(ra, rb)] = Math.min(ra, rb);
        merged = true;
      }
    }
  }
  if (!merged && alive.length === K) return c;
  const newIdx = new Int32Array(K).fill(-1);
  let Kn = 0;
  for (const t of alive) {
    const r = find(t);
    if (newIdx[r] < 0) newIdx[r] = Kn++;
    newIdx[t] = newIdx[r];
  }
  const pt = new Float64Array(Kn);
  const rnum = new Float64Array(Kn * Y);
  for (const t of alive) {
    const u = newIdx[t];
    pt[u] += c.pt[t];
    for (let y = 0; y < Y; y++) rnum[u * Y + y] += c.rnum[t * Y + y];
  }
  return { k: Kn, pt, rnum };
}
