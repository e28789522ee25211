/**
 * Data sets whose mutual information is known, and their exact values,
 * for the known-answer tests (tests/infoplane_known_mi_test.ts) and the
 * estimator study (tools/estimator_study.ts).
 *
 * - Correlated Gaussians: d independent pairs (x_k, y_k) of correlation
 *   rho; I = -(d/2) log2(1 - rho^2).
 * - The same after a monotone transform of every coordinate (MI does not
 *   change).
 * - Gaussian class clusters: Y a class with priors p_c, X | Y = c ~
 *   N(mu_c, s^2) on the first coordinate and N(0, s^2) on the others;
 *   I = H(Y) - E_x H(Y | x), integrated numerically with the true
 *   posterior (Simpson's rule; {@link clusterMiBits}).
 *
 * @module
 */
import { createRng } from "../core/rng.ts";

/** Paired samples: `x` and `y` are `n x d`, row-major. */
export interface GaussianPairs {
  x: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

/**
 * `n` samples of `d` independent pairs of standard normals of correlation
 * `rho`, drawn with `seed`.
 *
 * @example
 * ```ts
 * const { x, y } = correlatedGaussians(1000, 2, 0.9, 0);
 * ```
 */
export function correlatedGaussians(
  n: number,
  d: number,
  rho: number,
  seed: number,
): GaussianPairs {
  const rng = createRng(seed, "correlated-gaussians");
  const x = new Float64Array(n * d), y = new Float64Array(n * d);
  const c = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n * d; i++) {
    const a = rng.normal(), b = rng.normal();
    x[i] = a;
    y[i] = rho * a + c * b;
  }
  return { x, y, n, d };
}

/** I(X;Y) in bits of {@link correlatedGaussians}: -(d/2) log2(1 - rho^2). */
export function gaussianMiBits(d: number, rho: number): number {
  return -(d / 2) * Math.log2(1 - rho * rho);
}

/**
 * Each coordinate through a monotone map (exp on x, cube plus shift on y,
 * alternating with a sinh on odd coordinates): MI is unchanged.
 */
export function monotoneTransform(p: GaussianPairs): GaussianPairs {
  const even = (i: number) => (i % p.d) % 2 === 0; // coordinate i % d of its row
  const x = p.x.map((v, i) => (even(i) ? Math.exp(v) : Math.sinh(2 * v)));
  const y = p.y.map((v, i) => (even(i) ? v * v * v + 3 * v : Math.atan(v)));
  return { x, y, n: p.n, d: p.d };
}

/** Class clusters: rows `x` (`n x d`) and their classes. */
export interface ClassClusters {
  x: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
}

/**
 * `n` samples of classes drawn with `priors`, X | c ~ N(means[c], s^2) on
 * coordinate 0 and N(0, s^2) on coordinates 1..d-1.
 */
export function classClusters(
  n: number,
  d: number,
  priors: readonly number[],
  means: readonly number[],
  s: number,
  seed: number,
): ClassClusters {
  const rng = createRng(seed, "class-clusters");
  const x = new Float64Array(n * d), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.next(), c = 0;
    while (c < priors.length - 1 && u >= priors[c]) u -= priors[c++];
    labels[i] = c;
    x[i * d] = means[c] + s * rng.normal();
    for (let q = 1; q < d; q++) x[i * d + q] = s * rng.normal();
  }
  return { x, labels, n, d };
}

/**
 * I(X;Y) in bits of {@link classClusters} (the extra coordinates carry no
 * information): sum_c p_c integral phi_c(x) log2(phi_c(x) / p(x)) dx by
 * Simpson's rule on `points` (odd) nodes over the means +- 12 s.
 */
export function clusterMiBits(
  priors: readonly number[],
  means: readonly number[],
  s: number,
  points = 20001,
): number {
  const lo = Math.min(...means) - 12 * s, hi = Math.max(...means) + 12 * s;
  const h = (hi - lo) / (points - 1);
  const norm = 1 / (s * Math.sqrt(2 * Math.PI));
  let total = 0;
  for (let i = 0; i < points; i++) {
    const x = lo + i * h;
    const dens = means.map((m) => norm * Math.exp(-((x - m) ** 2) / (2 * s * s)));
    let mix = 0;
    for (let c = 0; c < priors.length; c++) mix += priors[c] * dens[c];
    let f = 0;
    for (let c = 0; c < priors.length; c++) {
      const w = priors[c] * dens[c]; // 0 where the density underflows: no mass, no term
      if (w > 0) f += w * Math.log2(dens[c] / mix);
    }
    const w = i === 0 || i === points - 1 ? 1 : i % 2 === 1 ? 4 : 2;
    total += w * f;
  }
  return (total * h) / 3;
}
