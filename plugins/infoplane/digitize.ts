/**
 * Bin indices with numpy `digitize` semantics, exactly.
 *
 * For increasing `edges` (length n), `np.digitize(a, edges)` is the number
 * of edges `<= a` (0..n). The reference code of [SZT] maps a value to
 * `edges[digitize(a, edges) - 1]`, so the bin index is
 * `digitize(a, edges) - 1`, and index -1 (a below the first edge) wraps to
 * n - 1 by Python's negative indexing: values `< edges[0]` and values
 * `>= edges[n-1]` share the top code. Comparisons are between the float32
 * value and the float32 edge, as numpy does on float32 arrays (a Float32Array
 * element read into a double compares exactly like the float32 itself).
 *
 * @module
 */

/**
 * Number of `edges` that are `<= a` (numpy `digitize(a, edges)` for
 * increasing edges, `right=False`). `edges` must be non-decreasing.
 *
 * @example
 * ```ts
 * countAtMost(new Float32Array([0, 1, 2]), 1); // 2
 * ```
 */
export function countAtMost(edges: Float32Array, a: number): number {
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reference bin index of one value: `digitize(a, edges) - 1`, with -1
 * wrapped to `edges.length - 1`.
 *
 * @example
 * ```ts
 * const e = new Float32Array([-1, 0, 1]);
 * referenceBin(e, -0.5); // 0
 * referenceBin(e, 1); // 2 (top)
 * referenceBin(e, -3); // 2 (wraps to top)
 * ```
 */
export function referenceBin(edges: Float32Array, a: number): number {
  const k = countAtMost(edges, a) - 1;
  return k < 0 ? edges.length - 1 : k;
}

/** Whether edges are evenly spaced closely enough for the guess-and-correct search. */
function isNearlyUniform(edges: Float32Array): boolean {
  const n = edges.length;
  if (n < 3) return false;
  const step = (edges[n - 1] - edges[0]) / (n - 1);
  if (!(step > 0)) return false;
  for (let i = 1; i < n; i++) {
    if (Math.abs(edges[i] - edges[i - 1] - step) > 1e-3 * step) return false;
  }
  return true;
}

/**
 * Reference bin indices of every value into `out` (same length as `values`).
 * Exactly {@link referenceBin} per value; for evenly spaced edges (a
 * linspace grid) it guesses the bin arithmetically and corrects the guess
 * with exact comparisons against the float32 edges, which is several times
 * faster than a binary search. NaN goes to the top bin as in numpy (it
 * sorts last); the plugins reject non-finite activations before binning.
 *
 * @example
 * ```ts
 * const out = new Int32Array(3);
 * referenceBins(new Float32Array([-1, 0, 1]), new Float32Array([-2, 0.5, 1]), out);
 * // out = [2, 1, 2] (-2 is below the first edge: wraps to the top)
 * ```
 */
export function referenceBins(edges: Float32Array, values: Float32Array, out: Int32Array): void {
  const n = edges.length;
  const top = n - 1;
  const len = values.length;
  if (!isNearlyUniform(edges)) {
    for (let i = 0; i < len; i++) {
      const k = countAtMost(edges, values[i]) - 1;
      out[i] = k < 0 ? top : k;
    }
    return;
  }
  const e0 = edges[0];
  const eTop = edges[top];
  const inv = (n - 1) / (eTop - e0);
  for (let i = 0; i < len; i++) {
    const a = values[i];
    if (!(a >= e0) || a >= eTop) {
      // below the first edge wraps; at or above the last edge is the top bin; NaN sorts last
      out[i] = top;
      continue;
    }
    // e0 <= a < eTop: the answer k satisfies edges[k] <= a < edges[k + 1], 0 <= k < top
    let k = Math.floor((a - e0) * inv);
    if (k > top - 1) k = top - 1;
    else if (k < 0) k = 0;
    while (edges[k] > a) k--;
    while (edges[k + 1] <= a) k++;
    out[i] = k;
  }
}
