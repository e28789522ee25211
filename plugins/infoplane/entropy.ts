/**
 * Shannon entropy of empirical counts, in bits.
 *
 * @module
 */

/**
 * Entropy in bits of the distribution `counts[offset + k * stride] / total`
 * for `k < n` (a strided view, so one column of a symbol-by-class table can
 * be read in place): `log2(total) - (1 / total) sum c log2 c`. Returns 0
 * when `total` is 0.
 *
 * @example
 * ```ts
 * entropyBits(new Int32Array([1, 1, 2]), 0, 1, 3, 4); // 1.5
 * ```
 */
export function entropyBits(
  counts: Int32Array,
  offset: number,
  stride: number,
  n: number,
  total: number,
): number {
  if (total <= 0) return 0;
  let s = 0;
  for (let k = 0, i = offset; k < n; k++, i += stride) {
    const c = counts[i];
    if (c > 1) s += c * Math.log2(c);
  }
  const h = Math.log2(total) - s / total;
  return h > 0 ? h : 0;
}
