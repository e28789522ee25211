/**
 * A seeded subset of a layer's rows, so an estimator whose cost grows
 * faster than linearly can be bounded (the `max_rows` option of mi-ksg and
 * mi-noisy). The same seed gives the same rows at every epoch, so a layer's
 * trajectory is measured on one fixed subset.
 *
 * @module
 */
import { createRng, permutation } from "../../core/rng.ts";
import type { Activation } from "../../core/types.ts";

/**
 * Rows of `a` and their labels: all of them when `maxRows` is 0 or at
 * least `a.rows`, else `maxRows` rows chosen by `seed` (in increasing row
 * order).
 *
 * @example
 * ```ts
 * subsampleRows({ data: new Float32Array(8), rows: 4, cols: 2 }, new Int32Array(4), 2, 0).a.rows; // 2
 * ```
 */
export function subsampleRows(
  a: Activation,
  labels: Int32Array,
  maxRows: number,
  seed: number,
): { a: Activation; labels: Int32Array } {
  if (maxRows <= 0 || maxRows >= a.rows) return { a, labels };
  const chosen = permutation(createRng(seed, "subsample-rows"), a.rows).subarray(0, maxRows)
    .sort();
  const data = new Float32Array(maxRows * a.cols);
  const out = new Int32Array(maxRows);
  for (let r = 0; r < maxRows; r++) {
    const src = chosen[r];
    data.set(a.data.subarray(src * a.cols, (src + 1) * a.cols), r * a.cols);
    out[r] = labels[src];
  }
  return { a: { data, rows: maxRows, cols: a.cols }, labels: out };
}
