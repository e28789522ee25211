/**
 * Ranks of each column (the empirical copula), so a nearest-neighbour
 * estimate no longer depends on monotone transforms of the coordinates:
 * any strictly increasing map of a column leaves its ranks, and so the
 * estimate, exactly unchanged. Equal values share the lowest rank of
 * their run, so ties stay ties.
 *
 * @module
 */

/**
 * Column ranks of `data` (`rows x cols`, row-major), 0-based, as float64.
 *
 * @example
 * ```ts
 * rankColumns(new Float64Array([10, 5, 7, 5]), 4, 1); // [3, 0, 2, 0]
 * ```
 */
export function rankColumns(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const order = new Int32Array(rows);
  const col = new Float64Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < rows; i++) {
      order[i] = i;
      col[i] = data[i * cols + c];
    }
    order.sort((a, b) => col[a] - col[b]);
    for (let r = 0; r < rows; r++) {
      const i = order[r];
      const rank = r > 0 && col[i] === col[order[r - 1]] ? out[order[r - 1] * cols + c] : r;
      out[i * cols + c] = rank;
    }
  }
  return out;
}
