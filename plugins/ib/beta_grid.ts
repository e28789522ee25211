/**
 * The grid of trade-off parameters beta along which the IB curve is traced.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";

/**
 * `2 ** arange(log2(min), log2(max), step)` with numpy's float arange
 * semantics (`start + k * step` for every k with value below the stop),
 * ascending. The authors' grid is the default: 0.8 to 300 in steps of 0.1
 * in log2, 86 values (the reverse-annealing order is this list reversed).
 *
 * @example
 * ```ts
 * const b = referenceBetas();
 * b.length; // 86
 * b[0]; // 0.8
 * ```
 */
export function referenceBetas(min = 0.8, max = 300, step = 0.1): number[] {
  if (!(min > 0) || !(max > min) || !(step > 0)) {
    throw new LensError(`bad beta grid min=${min} max=${max} step=${step}`, {
      code: "config",
      field: "betaMin/betaMax/betaStep",
      expected: "0 < betaMin < betaMax and betaStep > 0",
    });
  }
  const start = Math.log2(min);
  const stop = Math.log2(max);
  const n = Math.ceil((stop - start) / step);
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(Math.pow(2, start + k * step));
  return out;
}
