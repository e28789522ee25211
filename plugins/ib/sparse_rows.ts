/**
 * Growable compressed sparse rows (CSR): the IB kernels store encoders
 * p(t|x) this way, one row per input group, only the entries that matter.
 *
 * @module
 */

/** Rows of (column, value) pairs: row r spans `rowPtr[r]` to `rowPtr[r + 1]`. */
export interface SparseRows {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/** Empty rows with room for `cap` entries (at least 16). */
export function newSparseRows(rows: number, cap: number): SparseRows {
  return {
    rowPtr: new Int32Array(rows + 1),
    cols: new Int32Array(Math.max(16, cap)),
    vals: new Float64Array(Math.max(16, cap)),
  };
}

/** Grows the entry arrays (doubling, contents kept) until they hold `need` entries. */
export function ensureCapacity(rows: SparseRows, need: number): void {
  if (need <= rows.cols.length) return;
  let cap = rows.cols.length * 2;
  while (cap < need) cap *= 2;
  const cols = new Int32Array(cap);
  cols.set(rows.cols);
  const vals = new Float64Array(cap);
  vals.set(rows.vals);
  rows.cols = cols;
  rows.vals = vals;
}

/**
 * Max |a - b| over the first `rows` rows of two sparse matrices on the same
 * columns (an entry absent from one counts as 0 there). `scratch` must hold
 * every column index and be all zeros; it is left all zeros.
 *
 * @example
 * ```ts
 * // a = [[0.5 at col 0, 0.5 at col 1]], b = [[1 at col 0]]: max |a - b| = 0.5
 * ```
 */
export function maxRowDiff(
  a: SparseRows,
  b: SparseRows,
  rows: number,
  scratch: Float64Array,
): number {
  let delta = 0;
  for (let g = 0; g < rows; g++) {
    const a0 = a.rowPtr[g], n = a.rowPtr[g + 1] - a0, b0 = b.rowPtr[g];
    if (b.rowPtr[g + 1] - b0 === n) {
      // usually the same columns in both rows, in the same (ascending) order
      let same = true;
      for (let i = 0; i < n && same; i++) same = a.cols[a0 + i] === b.cols[b0 + i];
      if (same) {
        for (let i = 0; i < n; i++) {
          const d = Math.abs(a.vals[a0 + i] - b.vals[b0 + i]);
          if (d > delta) delta = d;
        }
        continue;
      }
    }
    for (let e = a0; e < a0 + n; e++) scratch[a.cols[e]] += a.vals[e];
    for (let e = b0; e < b.rowPtr[g + 1]; e++) scratch[b.cols[e]] -= b.vals[e];
    for (let e = a0; e < a0 + n; e++) {
      const d = Math.abs(scratch[a.cols[e]]);
      if (d > delta) delta = d;
      scratch[a.cols[e]] = 0;
    }
    for (let e = b0; e < b.rowPtr[g + 1]; e++) {
      const d = Math.abs(scratch[b.cols[e]]);
      if (d > delta) delta = d;
      scratch[b.cols[e]] = 0;
    }
  }
  return delta;
}
