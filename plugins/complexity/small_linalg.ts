/**
 * Dense float64 linear algebra on small square-ish matrices (row-major),
 * for the closed-form least-squares fits of the reliability procedure and
 * low-rank compression. O(d^3); meant for feature dimensions up to a few
 * hundred.
 *
 * @module
 */

/** `a (m x k) * b (k x n)`. */
export function matmul(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      if (v === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += v * b[p * n + j];
    }
  }
  return out;
}

/** Transpose of `a (m x n)`. */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Identity of size d. */
export function identity(d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) out[i * d + i] = 1;
  return out;
}

/** Eigen-decomposition of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as columns of an m x m row-major matrix, in the order of `values`. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric `a (m x m)` by cyclic Jacobi
 * rotations (accurate to about machine precision; O(m^3) per sweep).
 *
 * @example
 * ```ts
 * symmetricEigen(new Float64Array([2, 1, 1, 2]), 2).values; // [3, 1]
 * ```
 */
export function symmetricEigen(a: Float64Array, m: number): SymmetricEigen {
  const s = Float64Array.from(a);
  const v = identity(m);
  let norm = 0;
  for (let i = 0; i < s.length; i++) norm += s[i] * s[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += s[p * m + q] * s[p * m + q];
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = s[p * m + q];
        if (apq === 0) continue;
        const theta = (s[q * m + q] - s[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          // rotate columns p, q
          const akp = s[k * m + p], akq = s[k * m + q];
          s[k * m + p] = c * akp - sn * akq;
          s[k * m + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          // rotate rows p, q
          const apk = s[p * m + k], aqk = s[q * m + k];
          s[p * m + k] = c * apk - sn * aqk;
          s[q * m + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p], vkq = v[k * m + q];
          v[k * m + p] = c * vkp - sn * vkq;
          v[k * m + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => s[j * m + j] - s[i * m + i]);
  const values = Float64Array.from(order, (i) => s[i * m + i]);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    for (let k = 0; k < m; k++) vectors[k * m + dst] = v[k * m + src];
  });
  return { values, vectors };
}

/**
 * Least squares `argmin_X |Z X - Y|^2` restricted to the directions of Z
 * whose eigenvalue of `ZtZ (m x m)` exceeds `cutoff` (a truncated
 * pseudo-inverse; directions at or below it get zero weight).
 */
export function truncatedSolve(
  ztz: Float64Array,
  zty: Float64Array,
  m: number,
  p: number,
  cutoff: number,
): Float64Array {
  const { values, vectors } = symmetricEigen(ztz, m);
  // X = V_+ diag(1/lambda_+) V_+^T ZtY
  const x = new Float64Array(m * p);
  for (let e = 0; e < m; e++) {
    if (!(values[e] > cutoff)) continue;
    const proj = new Float64Array(p);
    for (let i = 0; i < m; i++) {
      const vi = vectors[i * m + e];
      if (vi === 0) continue;
      for (let j = 0; j < p; j++) proj[j] += vi * zty[i * p + j];
    }
    for (let i = 0; i < m; i++) {
      const w = vectors[i * m + e] / values[e];
      for (let j = 0; j < p; j++) x[i * p + j] += w * proj[j];
    }
  }
  return x;
}
