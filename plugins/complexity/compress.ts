/**
 * Compressing a dense network ([Ren] docs/methods.md section 10): magnitude
 * pruning and low-rank factorisation of its weight matrices. Pure kernels
 * on {@link DenseParams}; biases are kept.
 *
 * @module
 */
import type { DenseParams } from "../../core/model/init.ts";
import { symmetricEigen } from "./small_linalg.ts";

/**
 * Zeroes the `sparsity` fraction of smallest-magnitude weights of every
 * weight matrix (ties broken by position); returns the pruned copy and the
 * 0/1 masks.
 *
 * @example
 * ```ts
 * const { params, masks } = magnitudePrune(p, 0.5); // half of each W is zero
 * ```
 */
export function magnitudePrune(
  p: DenseParams,
  sparsity: number,
): { params: DenseParams; masks: Float32Array[] } {
  const masks = p.w.map((w) => {
    const k = Math.floor(Math.min(1, Math.max(0, sparsity)) * w.length);
    const order = Array.from({ length: w.length }, (_, i) => i)
      .sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
    const m = new Float32Array(w.length).fill(1);
    for (let i = 0; i < k; i++) m[order[i]] = 0;
    return m;
  });
  return {
    params: {
      sizes: [...p.sizes],
      w: p.w.map((w, k) => w.map((v, i) => (masks[k][i] ? v : 0))),
      b: p.b.map((b) => Float32Array.from(b)),
    },
    masks,
  };
}

/**
 * Best rank-`r` approximation of `w (m x n)` in Frobenius norm,
 * `W V_r V_r^T` with V_r the top right singular vectors (from the
 * eigenvectors of W^T W).
 */
export function lowRankMatrix(w: Float32Array, m: number, n: number, r: number): Float32Array {
  if (r >= Math.min(m, n)) return Float32Array.from(w);
  const gram = new Float64Array(n * n);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < n; a++) {
      const v = w[i * n + a];
      if (v === 0) continue;
      for (let b = 0; b < n; b++) gram[a * n + b] += v * w[i * n + b];
    }
  }
  const { vectors } = symmetricEigen(gram, n);
  // P = V_r V_r^T (n x n), W_r = W P
  const proj = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let e = 0; e < r; e++) s += vectors[a * n + e] * vectors[b * n + e];
      proj[a * n + b] = s;
    }
  }
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < n; a++) {
      const v = w[i * n + a];
      if (v === 0) continue;
      for (let b = 0; b < n; b++) out[i * n + b] += v * proj[a * n + b];
    }
  }
  return out;
}

/**
 * Replaces every weight matrix but the output layer's by its best
 * approximation of rank `ceil(rankFraction * min(in, out))`.
 */
export function lowRank(p: DenseParams, rankFraction: number): DenseParams {
  const last = p.w.length - 1;
  return {
    sizes: [...p.sizes],
    w: p.w.map((w, k) => {
      const m = p.sizes[k], n = p.sizes[k + 1];
      if (k === last) return Float32Array.from(w);
      return lowRankMatrix(w, m, n, Math.max(1, Math.ceil(rankFraction * Math.min(m, n))));
    }),
    b: p.b.map((b) => Float32Array.from(b)),
  };
}

/** Fraction of weights (not biases) that are exactly zero. */
export function weightSparsity(p: DenseParams): number {
  let zeros = 0, total = 0;
  for (const w of p.w) {
    total += w.length;
    for (const v of w) if (v === 0) zeros++;
  }
  return total ? zeros / total : 0;
}
