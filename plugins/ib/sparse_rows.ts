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
