/**
 * Kernel-density bounds on mutual information (Kolchinsky & Tracey 2017,
 * as used by [Saxe]; docs/methods.md section 3). Activations h_1..h_P in d
 * dimensions with Gaussian noise of variance s2; D_ij = ||h_i - h_j||^2.
 *
 * - I_up(X;T)  = -(1/P) sum_i ln[(1/P) sum_j exp(-D_ij / (2 s2))]
 * - I_low(X;T) = the same with 8 s2 in place of 2 s2 (H_low = H_up at 4 s2
 *   plus (d/2) ln(1/4); the H(T|X) terms cancel).
 * - I(T;Y) = H(T) - sum_l p_l H(T | class l) with the same bound on both
 *   sides; the constants cancel, leaving
 *   (1/P) sum_i [ln((1/P_l) sum_{j in l} e_ij) - ln((1/P) sum_j e_ij)]
 *   with l the class of i and e_ij the kernel term.
 *
 * Natural logs inside, bits out.
 *
 * Cost and memory: rows are visited grouped by class (a permutation, so
 * every class is a contiguous range and no pair tests labels). Distances
 * are made a block of rows at a time (`blockSize` rows x P doubles, never
 * the P x P matrix) and only for j > i: D is symmetric, so each pair is
 * computed once and its kernel term added to both rows. The log-sum-exp of
 * each row is streamed: its largest term is j = i (D_ii = 0 exactly, the
 * distances being sums of squared differences), so the shift is exactly 0
 * and the running sums of exp(-D_ij c) lie in [1, P]: nothing overflows
 * and nothing needs rescaling as terms arrive. Terms with D_ij / (8 s2) >
 * 40 (below e^-40 = 4e-18) are skipped; their total is below P e^-40
 * relative to a sum >= 1, i.e. under 2e-14 at P = 4096. One exp per pair
 * ({@link expNeg}, relative error < 1e-14) serves both bounds:
 * exp(-D/(2 s2)) = exp(-D/(8 s2))^4.
 *
 * @module
 */
import { EXP_NEG_MAX, expNeg } from "./exp_neg.ts";

/** KDE bounds of one layer, in bits. */
export interface KdeMi {
  ixtUpper: number;
  ixtLower: number;
  ityUpper: number;
  ityLower: number;
}

/**
 * Squared distances of row `i` to rows `i+1..P-1` into `out[from + j]`,
 * from a column-major copy `cm` (P values per column); columns are taken
 * four at a time to cut passes over `out`.
 */
function distancesAfter(
  cm: Float64Array,
  P: number,
  cols: number,
  i: number,
  out: Float64Array,
  from: number,
): void {
  out.fill(0, from + i + 1, from + P);
  let k = 0;
  for (; k + 4 <= cols; k += 4) {
    const c0 = k * P, c1 = c0 + P, c2 = c1 + P, c3 = c2 + P;
    const a0 = cm[c0 + i], a1 = cm[c1 + i], a2 = cm[c2 + i], a3 = cm[c3 + i];
    for (let j = i + 1; j < P; j++) {
      const t0 = cm[c0 + j] - a0, t1 = cm[c1 + j] - a1;
      const t2 = cm[c2 + j] - a2, t3 = cm[c3 + j] - a3;
      out[from + j] += t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
    }
  }
  for (; k + 2 <= cols; k += 2) {
    const c0 = k * P, c1 = c0 + P;
    const a0 = cm[c0 + i], a1 = cm[c1 + i];
    for (let j = i + 1; j < P; j++) {
      const t0 = cm[c0 + j] - a0, t1 = cm[c1 + j] - a1;
      out[from + j] += t0 * t0 + t1 * t1;
    }
  }
  for (; k < cols; k++) {
    const c0 = k * P;
    const a0 = cm[c0 + i];
    for (let j = i + 1; j < P; j++) {
      const t0 = cm[c0 + j] - a0;
      out[from + j] += t0 * t0;
    }
  }
}

/**
 * KDE upper and lower bounds of I(X;T) and I(T;Y) in bits for activations
 * `data` (`rows x cols`, row-major), labels in `[0, numClasses)`, noise
 * variance `noiseVariance` (> 0), distance blocks of `blockSize` rows.
 *
 * @example
 * ```ts
 * // two far-apart clusters of identical points: upper I(X;T) = 1 bit
 * const h = new Float32Array([0, 0, 0, 0, 9, 9, 9, 9]); // 4 points in 2-d
 * kdeMi(h, 4, 2, new Int32Array([0, 0, 1, 1]), 2, 0.1, 64).ixtUpper; // ~1
 * ```
 */
export function kdeMi(
  data: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  numClasses: number,
  noiseVariance: number,
  blockSize: number,
): KdeMi {
  const P = rows;
  const C = numClasses;
  const c8 = 1 / (8 * noiseVariance);
  const limit = EXP_NEG_MAX / c8; // D beyond this contributes nothing
  // class ranges after a stable sort of the rows by label
  const start = new Int32Array(C + 1);
  for (let i = 0; i < P; i++) start[labels[i] + 1]++;
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const order = new Int32Array(P);
  const fill = start.slice(0, C);
  for (let i = 0; i < P; i++) order[fill[labels[i]]++] = i;
  // column-major float64 copy in class order
  const cm = new Float64Array(P * cols);
  for (let r = 0; r < P; r++) {
    const src = order[r] * cols;
    for (let k = 0; k < cols; k++) cm[k * P + r] = data[src + k];
  }
  // colSum[c][j]: terms of pairs (i, j), i < j, i in class c; rowSum the same for i > j
  const col2: Float64Array[] = [], col8: Float64Array[] = [];
  for (let c = 0; c < C; c++) {
    col2.push(new Float64Array(P));
    col8.push(new Float64Array(P));
  }
  const row2 = new Float64Array(P * C), row8 = new Float64Array(P * C);
  const bs = Math.max(1, Math.min(Math.floor(blockSize), P));
  const dist = new Float64Array(bs * P);
  let cls = 0;
  for (let i0 = 0; i0 < P; i0 += bs) {
    const i1 = Math.min(P, i0 + bs);
    for (let i = i0; i < i1; i++) distancesAfter(cm, P, cols, i, dist, (i - i0) * P);
    for (let i = i0; i < i1; i++) {
      while (i >= start[cls + 1]) cls++;
      const from = (i - i0) * P;
      const c2 = col2[cls], c8s = col8[cls];
      for (let c = cls; c < C; c++) {
        const jEnd = start[c + 1];
        let acc2 = 0, acc8 = 0;
        for (let j = Math.max(i + 1, start[c]); j < jEnd; j++) {
          const d = dist[from + j];
          if (d > limit) continue;
          const e8 = expNeg(d * c8);
          const sq = e8 * e8;
          const e2 = sq * sq;
          acc8 += e8;
          acc2 += e2;
          c8s[j] += e8;
          c2[j] += e2;
        }
        row2[i * C + c] += acc2;
        row8[i * C + c] += acc8;
      }
    }
  }
  const lnP = Math.log(P);
  let up = 0, low = 0, upCls = 0, lowCls = 0;
  cls = 0;
  for (let i = 0; i < P; i++) {
    while (i >= start[cls + 1]) cls++;
    let all2 = 1, all8 = 1; // the j = i term, exp(0)
    let own2 = 1, own8 = 1;
    for (let c = 0; c < C; c++) {
      const t2 = row2[i * C + c] + col2[c][i];
      const t8 = row8[i * C + c] + col8[c][i];
      all2 += t2;
      all8 += t8;
      if (c === cls) {
        own2 += t2;
        own8 += t8;
      }
    }
    const lnAll2 = Math.log(all2) - lnP;
    const lnAll8 = Math.log(all8) - lnP;
    const lnCls = Math.log(start[cls + 1] - start[cls]);
    up += lnAll2;
    low += lnAll8;
    upCls += Math.log(own2) - lnCls - lnAll2;
    lowCls += Math.log(own8) - lnCls - lnAll8;
  }
  const toBits = 1 / (P * Math.LN2);
  return {
    ixtUpper: -up * toBits,
    ixtLower: -low * toBits,
    ityUpper: upCls * toBits,
    ityLower: lowCls * toBits,
  };
}
