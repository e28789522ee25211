/**
 * Feature components and their significance ([Ren], docs/methods.md section 7):
 * c^(l) = Phi^(l) - Phi^(l-1) with Phi^(0) = 0, residual df = f - Phi^(L),
 * so sum_l c^(l) + df = f. Significance rho^(l) = Var[c^(l)] / Var[f]
 * with Var the per-dimension variance over samples averaged over
 * dimensions ({@link meanVariance}). Pure kernels.
 *
 * @module
 */
import { meanVariance, meanVarianceOfDifference } from "./variance.ts";

/**
 * Components from the disentanglers' outputs: `c[l-1] = phi[l-1] - phi[l-2]`,
 * `c[0] = phi[0]`.
 *
 * @example
 * ```ts
 * componentsFromPhis([new Float32Array([1]), new Float32Array([3])]); // [[1], [2]]
 * ```
 */
export function componentsFromPhis(phis: Float32Array[]): Float32Array[] {
  return phis.map((p, i) => {
    if (i === 0) return Float32Array.from(p);
    const prev = phis[i - 1];
    const c = new Float32Array(p.length);
    for (let j = 0; j < p.length; j++) c[j] = p[j] - prev[j];
    return c;
  });
}

/** Residual f - sum of components (= f - Phi^(L)). */
export function residualOf(f: Float32Array, components: Float32Array[]): Float32Array {
  const r = Float32Array.from(f);
  for (const c of components) for (let j = 0; j < r.length; j++) r[j] -= c[j];
  return r;
}

/** Variance shares of the decomposition, one entry per order. */
export interface ComplexityStats {
  /** Var[f] (mean per-dimension variance). */
  varF: number;
  /** rho^(l) = Var[c^(l)] / Var[f]. */
  rho: number[];
  /** Var[c^(l)] itself. */
  varComponent: number[];
  /** Var[Phi^(l)] / Var[f]. */
  varPhi: number[];
  /** Var[f - Phi^(l)] / Var[f]. */
  varResidual: number[];
}

/**
 * The variance shares of f's decomposition by `phis` (Phi^(1..L) on the
 * same `rows` samples, `cols` dimensions).
 */
export function complexityStats(
  f: Float32Array,
  phis: Float32Array[],
  rows: number,
  cols: number,
): ComplexityStats {
  const varF = meanVariance(f, rows, cols);
  const comps = componentsFromPhis(phis);
  const varComponent = comps.map((c) => meanVariance(c, rows, cols));
  const div = (v: number) => (varF > 0 ? v / varF : NaN);
  return {
    varF,
    varComponent,
    rho: varComponent.map(div),
    varPhi: phis.map((p) => div(meanVariance(p, rows, cols))),
    varResidual: phis.map((p) => div(meanVarianceOfDifference(f, p, rows, cols))),
  };
}
