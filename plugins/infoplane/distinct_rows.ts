/**
 * Groups the rows of a float32 matrix that are identical bit for bit and
 * carry the same label: each group is one representative row, its label
 * and its size. A mixture over P samples equals the same mixture over the
 * distinct rows weighted by their sizes, so estimators that sum a kernel
 * over pairs of rows can work on the groups instead (late in training
 * saturated tanh layers hold few distinct rows). Rows are compared by
 * their 32-bit patterns (so -0 and +0 are different rows, which is only
 * slower, never wrong: their distance is still 0).
 *
 * @module
 */

/** Groups of identical (row, label) pairs, in order of first appearance. */
export interface RowGroups {
  /** Number of groups. */
  count: number;
  /** Index of the first row of each group. */
  first: Int32Array;
  /** Label of each group. */
  label: Int32Array;
  /** Number of rows in each group. */
  size: Int32Array;
}

/**
 * Groups identical rows with the same label of `data` (`rows x cols`,
 * row-major). O(rows x cols) expected time, hashing the bit patterns.
 *
 * @example
 * ```ts
 * const g = groupRows(new Float32Array([1, 2, 1, 2, 3, 4]), 3, 2, new Int32Array([0, 0, 0]));
 * // g.count = 2, g.first = [0, 2], g.size = [2, 1]
 * ```
 */
export function groupRows(
  data: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
): RowGroups {
  const bits = new Uint32Array(data.buffer, data.byteOffset, rows * cols);
  let cap = 16;
  while (cap < 2 * rows) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1); // group index per slot
  const first = new Int32Array(rows), label = new Int32Array(rows), size = new Int32Array(rows);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const at = i * cols, y = labels[i];
    let h = Math.imul(y ^ 0x9e3779b9, 0x85ebca6b);
    for (let k = 0; k < cols; k++) {
      h = Math.imul(h ^ bits[at + k], 0xcc9e2d51);
      h = (h << 15) | (h >>> 17);
    }
    h ^= h >>> 16;
    let s = h & mask;
    for (;;) {
      const g = slots[s];
      if (g < 0) {
        slots[s] = count;
        first[count] = i;
        label[count] = y;
        size[count] = 1;
        count++;
        break;
      }
      if (label[g] === y) {
        const other = first[g] * cols;
        let k = 0;
        while (k < cols && bits[other + k] === bits[at + k]) k++;
        if (k === cols) {
          size[g]++;
          break;
        }
      }
      s = (s + 1) & mask;
    }
  }
  return {
    count,
    first: first.subarray(0, count),
    label: label.subarray(0, count),
    size: size.subarray(0, count),
  };
}
