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
 * Identical rows: rows equal bit for bit and with the same label are one
 * weighted point (distinct_rows.ts): the mixture over P samples is the same
 * mixture over the distinct rows weighted by their counts, so the sums below
 * run over groups with weights (exact; saturated layers late in training
 * hold few distinct rows, and the cost falls with the square of their
 * number).
 *
 * Cost and memory: points are visited grouped by class (a permutation, so
 * every class is a contiguous range and no pair tests labels). Each pair
 * i < j is computed once (D is symmetric) and its kernel term added to both
 * points' sums, by kde_pairs.ts: the WebAssembly SIMD kernel (float64, two
 * pairs per instruction, distances a chunk of `blockSize` points at a
 * time), or plain TypeScript without SIMD. Memory O(P d + P C). The
 * log-sum-exp of each row needs no shift: its largest term is the point
 * itself (D = 0 exactly, the distances being sums of squared differences),
 * so the sums of exp(-D_ij c) lie in [1, P] and nothing overflows. Terms
 * with D_ij / (8 s2) > 40 (below e^-40 = 4e-18) are skipped; their total is
 * below P e^-40 relative to a sum >= 1, i.e. under 2e-14 at P = 4096. One
 * exp per pair (relative error < 1e-14, as exp_neg.ts) serves both
 * bounds: exp(-D/(2 s2)) = exp(-D/(8 s2))^4.
 *
 * @module
 */
import { groupRows } from "./distinct_rows.ts";
import { EXP_NEG_MAX } from "./exp_neg.ts";
import { type KdeKernel, pairWorkspace } from "./kde_pairs.ts";

/** KDE bounds of one layer, in bits. */
export interface KdeMi {
  ixtUpper: number;
  ixtLower: number;
  ityUpper: number;
  ityLower: number;
}

/**
 * KDE upper and lower bounds of I(X;T) and I(T;Y) in bits for activations
 * `data` (`rows x cols`, row-major), labels in `[0, numClasses)`, noise
 * variance `noiseVariance` (> 0), distance chunks of `blockSize` points;
 * `kernel` picks the pair sums (kde_pairs.ts; the result is the same to
 * rounding).
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
  kernel: KdeKernel = "auto",
): KdeMi {
  const C = numClasses;
  const c8 = 1 / (8 * noiseVariance);
  const limit = EXP_NEG_MAX / c8; // D beyond this contributes nothing
  const groups = groupRows(data, rows, cols, labels);
  const P = groups.count; // weighted points from here on
  // class ranges after a stable sort of the groups by label
  const start = new Int32Array(C + 1);
  const classSize = new Float64Array(C);
  for (let g = 0; g < P; g++) {
    start[groups.label[g] + 1]++;
    classSize[groups.label[g]] += groups.size[g];
  }
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const order = new Int32Array(P);
  const fill = start.slice(0, C);
  for (let g = 0; g < P; g++) order[fill[groups.label[g]]++] = g;
  // column-major float64 copy of the representative points in class order, and their weights
  const ws = pairWorkspace(P, cols, C, blockSize, c8, limit, kernel);
  const m = ws.mem;
  for (let r = 0; r < P; r++) {
    const g = order[r];
    const src = groups.first[g] * cols;
    for (let k = 0; k < cols; k++) m[ws.cm + k * P + r] = data[src + k];
    m[ws.w + r] = groups.size[g];
  }
  // row sums: pairs (i, j), j > i, j in class c; column sums (in ws): the same seen from j
  const row2 = new Float64Array(P * C), row8 = new Float64Array(P * C);
  let cls = 0;
  for (let i = 0; i < P; i++) {
    while (i >= start[cls + 1]) cls++;
    const wi = m[ws.w + i];
    for (let c = cls; c < C; c++) {
      const j0 = Math.max(i + 1, start[c]), j1 = start[c + 1];
      if (j0 >= j1) continue;
      ws.run(i, j0, j1, cls, wi);
      row2[i * C + c] = m[ws.out];
      row8[i * C + c] = m[ws.out + 1];
    }
  }
  const lnP = Math.log(rows);
  let up = 0, low = 0, upCls = 0, lowCls = 0;
  cls = 0;
  for (let i = 0; i < P; i++) {
    while (i >= start[cls + 1]) cls++;
    const wi = m[ws.w + i];
    let all2 = wi, all8 = wi; // the group's own rows, at distance 0
    let own2 = wi, own8 = wi;
    for (let c = 0; c < C; c++) {
      const t2 = row2[i * C + c] + m[ws.col2(c) + i];
      const t8 = row8[i * C + c] + m[ws.col8(c) + i];
      all2 += t2;
      all8 += t8;
      if (c === cls) {
        own2 += t2;
        own8 += t8;
      }
    }
    const lnAll2 = Math.log(all2) - lnP;
    const lnAll8 = Math.log(all8) - lnP;
    const lnCls = Math.log(classSize[cls]);
    up += wi * lnAll2;
    low += wi * lnAll8;
    upCls += wi * (Math.log(own2) - lnCls - lnAll2);
    lowCls += wi * (Math.log(own8) - lnCls - lnAll8);
  }
  const toBits = 1 / (rows * Math.LN2);
  return {
    ixtUpper: -up * toBits,
    ixtLower: -low * toBits,
    ityUpper: upCls * toBits,
    ityLower: lowCls * toBits,
  };
}
