/**
 * Matrix-based Rényi alpha-order "mutual information" (Sanchez Giraldo,
 * Rao & Principe 2014; used on networks by Yu et al. 2019). It is not
 * Shannon mutual information and is not an estimate of it: it is a
 * functional of Gram matrices that behaves like an entropy (it is 0 for a
 * single point, log2 n for n points with orthogonal kernel features).
 *
 * For n samples, a Gaussian kernel K_ij = exp(-||x_i - x_j||^2 / (2
 * sigma^2)) (for a discrete variable: 1 when the labels are equal, else 0)
 * is normalised to A = K / tr(K). The entropy is
 *
 *   S_alpha(A) = 1 / (1 - alpha) log2 sum_i lambda_i(A)^alpha,
 *
 * with lambda_i the eigenvalues; the joint entropy uses the Hadamard
 * product A o B / tr(A o B), and I_alpha = S(A) + S(B) - S(A o B). For
 * alpha = 2 the sum of squared eigenvalues is the squared Frobenius norm,
 * so no eigen decomposition is needed; otherwise the eigenvalues come from
 * the project's Jacobi solver (small_linalg.ts; O(n^3) per sweep, so keep n
 * to a few hundred: `lens mi` subsamples).
 *
 * @module
 */
import { symmetricEigen } from "../complexity/small_linalg.ts";

/**
 * S_alpha of the Gram matrix `k` (`n x n`, symmetric, positive
 * semi-definite, any trace > 0), in bits; `k` is not modified.
 *
 * @example
 * ```ts
 * renyiEntropy(new Float64Array([1, 0, 0, 1]), 2, 1.01); // 1 (two orthogonal points)
 * ```
 */
export function renyiEntropy(k: Float64Array, n: number, alpha: number): number {
  if (!(alpha > 0 && alpha !== 1)) throw new RangeError(`alpha ${alpha} must be > 0 and not 1`);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += k[i * n + i];
  let sum = 0;
  if (alpha === 2) {
    for (let i = 0; i < n * n; i++) sum += (k[i] / tr) ** 2;
  } else {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) a[i] = k[i] / tr;
    for (const l of symmetricEigen(a, n).values) if (l > 0) sum += l ** alpha;
  }
  return Math.log2(sum) / (1 - alpha);
}

/**
 * Gaussian Gram matrix of `x` (`n x d`, row-major) with width `sigma`.
 *
 * @example
 * ```ts
 * gaussianGram(new Float64Array([0, 1]), 2, 1, 1); // [1, e^-0.5, e^-0.5, 1]
 * ```
 */
export function gaussianGram(
  x: ArrayLike<number>,
  n: number,
  d: number,
  sigma: number,
): Float64Array {
  const k = new Float64Array(n * n);
  const c = 1 / (2 * sigma * sigma);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += (x[i * d + q] - x[j * d + q]) ** 2;
      k[i * n + j] = k[j * n + i] = Math.exp(-s * c);
    }
  }
  return k;
}

/**
 * Gram matrix of labels: 1 where two labels are equal, else 0.
 *
 * @example
 * ```ts
 * labelGram(new Int32Array([0, 0, 1]), 3); // [1, 1, 0, 1, 1, 0, 0, 0, 1]
 * ```
 */
export function labelGram(labels: Int32Array, n: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) k[i * n + j] = labels[i] === labels[j] ? 1 : 0;
  }
  return k;
}

/**
 * I_alpha = S(A) + S(B) - S(A o B) in bits from two Gram matrices of the
 * same `n` samples, with the entropies themselves.
 *
 * @example
 * ```ts
 * // 4 orthogonal points in 2 classes: log2 4 + log2 2 - log2 4 = 1 bit
 * renyiMi(labelGram(new Int32Array([0, 1, 2, 3]), 4), labelGram(new Int32Array([0, 0, 1, 1]), 4), 4, 2).bits;
 * ```
 */
export function renyiMi(
  kx: Float64Array,
  ky: Float64Array,
  n: number,
  alpha: number,
): { bits: number; hX: number; hY: number; hXY: number } {
  const joint = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) joint[i] = kx[i] * ky[i];
  const hX = renyiEntropy(kx, n, alpha), hY = renyiEntropy(ky, n, alpha);
  const hXY = renyiEntropy(joint, n, alpha);
  return { bits: hX + hY - hXY, hX, hY, hXY };
}
