/**
 * Gradient signal and noise of one weight matrix over the mini-batches of
 * one epoch ([SZT] Fig. 4, docs/methods.md section 4): with g_b the gradient on
 * batch b, m = ||mean_b g_b||_2, s = ||std_b g_b||_2 (population std,
 * ddof 0, numpy's default) and SNR = m / s.
 *
 * Element-wise Welford accumulation in float64: each batch updates the
 * running mean and the sum of squared deviations M2 with
 * `delta = g - mean; mean += delta / n; M2 += delta * (g - mean)`, which
 * does not lose the variance to cancellation when |mean| >> std, as the
 * naive E[g^2] - E[g]^2 would.
 *
 * @module
 */

/** Running moments of a gradient vector. */
export interface GradMoments {
  /** Batches seen. */
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

/**
 * Empty moments for gradients of `size` values.
 *
 * @example
 * ```ts
 * const m = createGradMoments(120);
 * ```
 */
export function createGradMoments(size: number): GradMoments {
  return { n: 0, mean: new Float64Array(size), m2: new Float64Array(size) };
}

/**
 * Adds one batch's gradient (same length as the moments) in place.
 *
 * @example
 * ```ts
 * const m = createGradMoments(2);
 * addGradient(m, new Float32Array([1, 2]));
 * ```
 */
export function addGradient(m: GradMoments, g: Float32Array): void {
  const n = ++m.n;
  const mean = m.mean, m2 = m.m2;
  const inv = 1 / n;
  for (let i = 0; i < g.length; i++) {
    const x = g[i];
    const delta = x - mean[i];
    mean[i] += delta * inv;
    m2[i] += delta * (x - mean[i]);
  }
}

/** Norms of the mean and the std of the gradients, and their ratio. */
export interface GradSnr {
  /** ||mean over batches||_2. */
  mean: number;
  /** ||population std over batches||_2. */
  std: number;
  /** mean / std (Infinity when std is 0 and mean is not; NaN when both are 0). */
  snr: number;
}

/**
 * m, s and SNR of the accumulated gradients (needs at least one batch).
 *
 * @example
 * ```ts
 * const m = createGradMoments(1);
 * addGradient(m, new Float32Array([1]));
 * addGradient(m, new Float32Array([3]));
 * gradSnr(m); // { mean: 2, std: 1, snr: 2 }
 * ```
 */
export function gradSnr(m: GradMoments): GradSnr {
  let sm = 0, sv = 0;
  for (let i = 0; i < m.mean.length; i++) {
    sm += m.mean[i] * m.mean[i];
    sv += m.m2[i];
  }
  const mean = Math.sqrt(sm);
  const std = m.n > 0 ? Math.sqrt(sv / m.n) : 0;
  return { mean, std, snr: mean / std };
}
