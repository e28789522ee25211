/**
 * The variance the feature-complexity metrics are built on ([Ren], docs/methods.md
 * section 7): per-dimension variance over samples, averaged over
 * dimensions. Pure kernels on row-major typed arrays (`rows` samples by
 * `cols` dimensions); accumulation in float64.
 *
 * @module
 */

/**
 * Mean over dimensions of the per-dimension (population) variance over
 * samples: `(1/cols) sum_j (1/rows) sum_i (a[i,j] - mean_j)^2`.
 *
 * @example
 * ```ts
 * meanVariance(new Float32Array([0, 1, 2, 3]), 2, 2); // dims [0,2] and [1,3]: (1 + 1) / 2 = 1
 * ```
 */
export function meanVariance(a: ArrayLike<number>, rows: number, cols: number): number {
  if (rows === 0 || cols === 0) return 0;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += a[o + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  let s = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const d = a[o + j] - mean[j];
      s += d * d;
    }
  }
  return s / (rows * cols);
}

/**
 * {@link meanVariance} of the difference `a - b` without allocating it.
 *
 * @example
 * ```ts
 * meanVarianceOfDifference(f, phi, n, d) / meanVariance(f, n, d); // Var[f - Phi] / Var[f]
 * ```
 */
export function meanVarianceOfDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rows: number,
  cols: number,
): number {
  if (rows === 0 || cols === 0) return 0;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += a[o + j] - b[o + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  let s = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const d = a[o + j] - b[o + j] - mean[j];
      s += d * d;
    }
  }
  return s / (rows * cols);
}

/** Per-dimension mean over samples (float64). */
export function columnMeans(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += a[o + j];
  }
  if (rows > 0) { for (let j = 0; j < cols; j++) mean[j] /= rows; }
  return mean;
}
