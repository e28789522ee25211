/**
 * Bin edges the way numpy makes them: `np.linspace(lo, hi, n)` in float64,
 * then `.astype(np.float32)`. The reference grid of [SZT] is
 * `linspace(-1, 1, 30)` (docs/methods.md section 2).
 *
 * @module
 */

/**
 * numpy's `linspace(lo, hi, n)` (float64: `i * step + lo`, last value set to
 * `hi` exactly), rounded to float32.
 *
 * @example
 * ```ts
 * const e = linspaceF32(-1, 1, 30);
 * e[0]; // -1
 * e[29]; // 1
 * ```
 */
export function linspaceF32(lo: number, hi: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = lo;
    return out;
  }
  const step = (hi - lo) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = step === 0 ? (i / (n - 1)) * (hi - lo) + lo : i * step + lo;
  out[n - 1] = hi;
  return out;
}

/** Number of edges of the reference grid. */
export const REFERENCE_BINS = 30;

/**
 * The reference grid: float32 `linspace(-1, 1, 30)`.
 *
 * @example
 * ```ts
 * referenceEdges().length; // 30
 * ```
 */
export function referenceEdges(): Float32Array {
  return linspaceF32(-1, 1, REFERENCE_BINS);
}
