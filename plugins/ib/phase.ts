/**
 * Phase detection on per-epoch series: where the gradient SNR drops from
 * drift (high) to diffusion (low) ([SZT] Fig. 4), and where I(X;T) peaks
 * (the end of the fitting phase, the start of compression).
 *
 * SNR transition: the best two-segment piecewise-constant fit to log SNR
 * over the log(1 + epoch) axis, least squares, with the first segment
 * higher than the second. Why this method:
 * - it has no tuning knob (no smoothing window, no threshold level), and
 *   least squares over a single change point is the maximum-likelihood
 *   break of a step in Gaussian noise, so it is robust to the batch noise
 *   of SNR estimates; on a smooth decline it puts the break where the
 *   series crosses between its two plateau levels;
 * - log SNR, because the SNR spans decades and the paper reads it on log
 *   axes; log epoch, because the phases are log-time phenomena;
 * - each sample is weighted by its trapezoid-rule weight on the
 *   log(1 + epoch) axis (half the distance between its neighbours), so the
 *   fit is a least-squares fit of the curve over that axis, not of the
 *   sampling: the reference schedule samples every epoch up to
 *   43 and then sparsely, and unweighted points would let the dense early
 *   samples dominate.
 * The break is reported as the first sampled epoch of the low segment.
 *
 * @module
 */

/** A detected drift-to-diffusion transition. */
export interface SnrTransition {
  /** First sampled epoch of the low (diffusion) segment. */
  epoch: number;
  /** Its index in the input series (after dropping unusable points, see below). */
  index: number;
  /** Weighted means of ln SNR before and after the break. */
  highLog: number;
  lowLog: number;
  /** Fraction of the weighted variance of ln SNR explained by the two segments. */
  r2: number;
}

/**
 * Finds the drift-to-diffusion break of an SNR series (`epochs`
 * ascending, any spacing). Points with non-finite or non-positive SNR are
 * dropped first. Each segment holds at least `minSegment` points
 * (default 2). Returns null when there are too few points or no split has
 * a higher first segment.
 *
 * @example
 * ```ts
 * const epochs = [0, 1, 2, 4, 8, 16, 32, 64];
 * const snr = [9, 10, 11, 10, 0.1, 0.12, 0.09, 0.1];
 * snrTransition(epochs, snr)?.epoch; // 8
 * ```
 */
export function snrTransition(
  epochs: ArrayLike<number>,
  snr: ArrayLike<number>,
  minSegment = 2,
): SnrTransition | null {
  const e: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < Math.min(epochs.length, snr.length); i++) {
    if (Number.isFinite(snr[i]) && snr[i] > 0 && Number.isFinite(epochs[i]) && epochs[i] >= 0) {
      e.push(epochs[i]);
      v.push(Math.log(snr[i]));
    }
  }
  const n = e.length;
  const m = Math.max(1, Math.floor(minSegment));
  if (n < 2 * m || n < 2) return null;
  const u = e.map((x) => Math.log1p(x));
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // trapezoid-rule weights: the fit approximates an integral over [u_0, u_{n-1}]
    w[i] = ((i > 0 ? u[i] - u[i - 1] : 0) + (i < n - 1 ? u[i + 1] - u[i] : 0)) / 2;
  }
  // All-equal epochs would give zero weights; fall back to equal weights.
  if (!(w.reduce((s, x) => s + x, 0) > 0)) w.fill(1);
  const cw = new Float64Array(n + 1);
  const cs = new Float64Array(n + 1);
  const cq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    cw[i + 1] = cw[i] + w[i];
    cs[i + 1] = cs[i] + w[i] * v[i];
    cq[i + 1] = cq[i] + w[i] * v[i] * v[i];
  }
  const sse = (a: number, b: number) => {
    const W = cw[b] - cw[a];
    if (!(W > 0)) return 0;
    const S = cs[b] - cs[a];
    return cq[b] - cq[a] - (S * S) / W;
  };
  const mean = (a: number, b: number) => {
    const W = cw[b] - cw[a];
    return W > 0 ? (cs[b] - cs[a]) / W : (v[a] + v[b - 1]) / 2;
  };
  let best = -1;
  let bestSse = Infinity;
  for (let k = m; k <= n - m; k++) {
    if (!(mean(0, k) > mean(k, n))) continue;
    const s = sse(0, k) + sse(k, n);
    if (s < bestSse) {
      bestSse = s;
      best = k;
    }
  }
  if (best < 0) return null;
  const total = sse(0, n);
  return {
    epoch: e[best],
    index: best,
    highLog: mean(0, best),
    lowLog: mean(best, n),
    r2: total > 0 ? 1 - bestSse / total : 1,
  };
}

/** The peak of an I(X;T) series. */
export interface SeriesPeak {
  epoch: number;
  index: number;
  value: number;
}

/**
 * Epoch of the largest value of a series (the first one on ties within
 * `tieTol`, default 1e-9; non-finite values are skipped). Returns null for
 * an empty series.
 *
 * @example
 * ```ts
 * seriesPeak([0, 10, 100], [3, 5, 4])?.epoch; // 10
 * ```
 */
export function seriesPeak(
  epochs: ArrayLike<number>,
  values: ArrayLike<number>,
  tieTol = 1e-9,
): SeriesPeak | null {
  let best = -1;
  for (let i = 0; i < Math.min(epochs.length, values.length); i++) {
    if (!Number.isFinite(values[i])) continue;
    if (best < 0 || values[i] > values[best] + tieTol) best = i;
  }
  return best < 0 ? null : { epoch: epochs[best], index: best, value: values[best] };
}
