/**
 * Adaptive equal-mass bins (Chelombiev et al. 2019, arXiv 1902.09037): the
 * bin boundaries of a layer at one epoch are quantiles of all of that
 * layer's values at that epoch (every unit and sample pooled), so each of
 * the `bins` bins holds about the same number of values.
 *
 * @module
 */
import { countAtMost } from "./digitize.ts";

/**
 * The `bins - 1` inner boundaries: with `v` the values sorted ascending and
 * `n` their count, boundary k (1 <= k < bins) is `v[floor(k n / bins)]`.
 * Bin k then holds the sorted positions `[floor(k n / bins), floor((k+1) n
 * / bins))`, exactly equal mass up to ties.
 *
 * @example
 * ```ts
 * quantileBoundaries(new Float32Array([4, 1, 3, 2]), 2); // Float32Array [3]
 * ```
 */
export function quantileBoundaries(values: Float32Array, bins: number): Float32Array {
  const sorted = values.slice().sort();
  const n = sorted.length;
  const out = new Float32Array(Math.max(0, bins - 1));
  if (n === 0) return out;
  for (let k = 1; k < bins; k++) out[k - 1] = sorted[Math.floor((k * n) / bins)];
  return out;
}

/**
 * Adaptive bin index of each value: the number of boundaries `<= value`
 * (0..bins-1), written into `out`.
 *
 * @example
 * ```ts
 * const v = new Float32Array([4, 1, 3, 2]);
 * const out = new Int32Array(4);
 * adaptiveBins(v, quantileBoundaries(v, 2), out); // out = [1, 0, 1, 0]
 * ```
 */
export function adaptiveBins(
  values: Float32Array,
  boundaries: Float32Array,
  out: Int32Array,
): void {
  for (let i = 0; i < values.length; i++) out[i] = countAtMost(boundaries, values[i]);
}
