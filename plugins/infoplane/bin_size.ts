/**
 * Fixed-width bins of [Saxe]: `floor(a / size)` (their tanh runs use size
 * 0.07), optionally measured from an origin (`floor((a - origin) / size)`,
 * for a layer's own range).
 *
 * numpy evaluates `float32_array / python_float` in float32; here the size
 * is rounded to float32 and the quotient of the doubles rounded to float32,
 * which is the correctly rounded float32 quotient (double rounding is
 * harmless for division at these widths), so the codes equal numpy's.
 *
 * @module
 */

/** Largest code magnitude kept exact in an Int32Array. */
const CODE_LIMIT = 2 ** 31 - 1;

/**
 * Writes `floor((values[i] - origin) / size)` computed in float32 into
 * `out`. Returns the index of the first value whose code does not fit an
 * int32 (or is not finite), or -1 when all fit.
 *
 * @example
 * ```ts
 * const out = new Int32Array(3);
 * sizeBins(new Float32Array([-0.1, 0, 0.15]), 0.07, 0, out); // -1; out = [-2, 0, 2]
 * ```
 */
export function sizeBins(
  values: Float32Array,
  size: number,
  origin: number,
  out: Int32Array,
): number {
  const s = Math.fround(size);
  const o = Math.fround(origin);
  const len = values.length;
  if (o === 0) {
    for (let i = 0; i < len; i++) {
      const c = Math.floor(Math.fround(values[i] / s));
      if (!(c >= -CODE_LIMIT && c <= CODE_LIMIT)) return i;
      out[i] = c;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const c = Math.floor(Math.fround(Math.fround(values[i] - o) / s));
      if (!(c >= -CODE_LIMIT && c <= CODE_LIMIT)) return i;
      out[i] = c;
    }
  }
  return -1;
}
