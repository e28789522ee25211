/**
 * Symbols from rows of bin codes: each sample's row of codes across a
 * layer's units is one symbol t (docs/methods.md section 2). Rows are hashed into
 * an open-addressing table held in typed arrays (linear probing, the table
 * at most half full) and compared code by code on a hash match, so equal
 * rows get equal ids whatever the codes are. This is numpy's
 * `np.unique(codes, axis=0, return_inverse=True)` without the sort.
 *
 * @module
 */

/** Smallest power of two >= n. */
function pow2AtLeast(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

/**
 * Assigns each row of `codes` (rows x cols, row-major) a symbol id, dense
 * from 0 in order of first appearance, written into `ids`. Returns the
 * number of distinct rows.
 *
 * @example
 * ```ts
 * const ids = new Int32Array(3);
 * rowSymbols(new Int32Array([1, 2, 3, 4, 1, 2]), 3, 2, ids); // 2; ids = [0, 1, 0]
 * ```
 */
export function rowSymbols(codes: Int32Array, rows: number, cols: number, ids: Int32Array): number {
  const cap = pow2AtLeast(2 * rows);
  const mask = cap - 1;
  const table = new Int32Array(cap); // symbol id + 1; 0 = empty
  const symHash = new Int32Array(rows);
  const symRow = new Int32Array(rows);
  let count = 0;
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    // FNV-1a over the codes, then murmur3's finaliser to spread the bits
    let h = 0x811c9dc5 ^ cols;
    for (let k = 0; k < cols; k++) h = Math.imul(h ^ codes[base + k], 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    for (;;) {
      const s = table[slot];
      if (s === 0) {
        table[slot] = count + 1;
        symHash[count] = h;
        symRow[count] = r;
        ids[r] = count++;
        break;
      }
      if (symHash[s - 1] === h) {
        const other = symRow[s - 1] * cols;
        let k = 0;
        while (k < cols && codes[other + k] === codes[base + k]) k++;
        if (k === cols) {
          ids[r] = s - 1;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
  }
  return count;
}

/**
 * Counts of each (symbol, class) pair: a `symbols x numClasses` table,
 * row-major. Labels must lie in `[0, numClasses)`.
 *
 * @example
 * ```ts
 * symbolClassCounts(new Int32Array([0, 1, 0]), 2, new Int32Array([1, 0, 0]), 2);
 * // Int32Array [1, 1, 1, 0]
 * ```
 */
export function symbolClassCounts(
  ids: Int32Array,
  symbols: number,
  labels: Int32Array,
  numClasses: number,
): Int32Array {
  const counts = new Int32Array(symbols * numClasses);
  for (let i = 0; i < ids.length; i++) counts[ids[i] * numClasses + labels[i]]++;
  return counts;
}
