/**
 * The IB self-consistent equations at one beta, iterated Blahut-Arimoto
 * style on a pooled joint ([TPB]):
 *
 *   p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)
 *   p(t)   = sum_x p(x) p(t|x)
 *   p(y|t) = sum_x p(y|x) p(t|x) p(x) / p(t)
 *
 * Each update lowers the free energy Phi = -sum_x p(x) log Z(x, beta) (it
 * is an alternating minimisation). What the solver adds, and why each step
 * is exact or nearly so:
 *
 * - Encoders are sparse ({@link SparseRows}, one row per input group):
 *   logits are computed densely (multiply-adds over the nonzeros of
 *   p(y|x)), but only entries within exp(-40) of their row's largest are
 *   exponentiated and stored.
 * - Clusters that empty are dropped and clusters with coinciding decoders
 *   merged ({@link mergeAndDrop}): no 0/0, and no clusters that approach
 *   each other forever.
 * - The slow linear convergence near merges and phase transitions is
 *   accelerated by SQUAREM ({@link squaremStep}): two plain updates, one
 *   extrapolated point kept only if it lowers Phi below the second plain
 *   update's. Convergence is judged on two consecutive plain updates.
 *
 * Logarithms of zero probabilities are floored at -745, so KL to a decoder
 * missing part of p(y|x)'s support is huge but finite and log-sum-exp
 * never sees NaN.
 *
 * @module
 */
import { type Clusters, mergeAndDrop, safeLog } from "./clusters.ts";
import type { GroupedJoint } from "./joint.ts";
import { ensureCapacity, newSparseRows, type SparseRows } from "./sparse_rows.ts";
import { squaremStep } from "./squarem.ts";

/** Entries further than this (in nats) below their row's largest logit are not stored. */
const CUT = 40;

/** A pooled joint in the layout the kernels read: p(y|g) as sparse rows. */
export interface IbProblem {
  /** Number of input groups. */
  G: number;
  /** Number of labels. */
  Y: number;
  /** Mass of every group. */
  w: Float64Array;
  /** p(y|g) dense, row-major G x Y. */
  q: Float64Array;
  /** Nonzeros of p(y|g): group g spans nzStart[g] to nzStart[g + 1] of nzY / nzQ. */
  nzStart: Int32Array;
  nzY: Int32Array;
  nzQ: Float64Array;
  /** p(y). */
  py: Float64Array;
}

/** The kernels' layout of a pooled joint. */
export function ibProblem(grouped: GroupedJoint): IbProblem {
  const { groups: G, ny: Y, w, q } = grouped;
  const nzStart = new Int32Array(G + 1);
  const nzYl: number[] = [];
  const nzQl: number[] = [];
  for (let g = 0; g < G; g++) {
    for (let y = 0; y < Y; y++) {
      const v = q[g * Y + y];
      if (v > 0) {
        nzYl.push(y);
        nzQl.push(v);
      }
    }
    nzStart[g + 1] = nzYl.length;
  }
  const py = new Float64Array(Y);
  for (let g = 0; g < G; g++) for (let y = 0; y < Y; y++) py[y] += w[g] * q[g * Y + y];
  return { G, Y, w, q, nzStart, nzY: Int32Array.from(nzYl), nzQ: Float64Array.from(nzQl), py };
}

/** Options of {@link BetaSolver.solve}. */
export interface SolveOptions {
  /** Stop when max |change of p(t|x)| over one plain update is at most this. */
  tol: number;
  /** Cap on encoder updates, checked between cycles (up to 2 more may run). */
  maxIter: number;
  /** Merge clusters whose log p(y|t) agree within mergeTol / beta. */
  mergeTol: number;
  /** Drop clusters with p(t) at most this. */
  dropTol: number;
  /** SQUAREM acceleration. */
  accelerate: boolean;
}

/** The result of iterating at one beta. */
export interface BetaSolution {
  /** Cluster parameters implied by `encoder`. */
  clusters: Clusters;
  /** The newest encoder; owned by the solver and overwritten by its next call. */
  encoder: SparseRows;
  iterations: number;
  converged: boolean;
}

/** Iterates the self-consistent equations of one problem; keeps scratch space between calls. */
export interface BetaSolver {
  /** Iterates at `beta` from the cluster parameters `start`. */
  solve(beta: number, start: Clusters, options: SolveOptions): BetaSolution;
  /** The encoder of cluster parameters (one update) into fresh rows. */
  encode(beta: number, c: Clusters): SparseRows;
  /** Cluster parameters implied by an encoder over `k` clusters. */
  stats(enc: SparseRows, k: number): Clusters;
}

/** A solver for `p`. */
export function betaSolver(p: IbProblem): BetaSolver {
  const { G, Y, w, nzStart, nzY, nzQ } = p;
  let cap = 0;
  let logpt = new Float64Array(0);
  let logrT = new Float64Array(0);
  let scratch = new Float64Array(0);
  let diff = new Float64Array(0);
  const size = (k: number) => {
    if (k <= cap && k >= cap / 2) return;
    cap = k;
    logpt = new Float64Array(cap);
    logrT = new Float64Array(cap * Y);
    scratch = new Float64Array(cap);
    diff = new Float64Array(cap);
  };
  const encs = [newSparseRows(G, G), newSparseRows(G, G), newSparseRows(G, G)];

  /** Encoder from cluster parameters into `out`; returns the free energy (up to a constant). */
  const encodeInto = (beta: number, c: Clusters, out: SparseRows): number => {
    const K = c.k;
    size(K);
    for (let t = 0; t < K; t++) {
      logpt[t] = Math.log(c.pt[t]);
      for (let y = 0; y < Y; y++) logrT[y * K + t] = safeLog(c.rnum[t * Y + y] / c.pt[t]);
    }
    let nnz = 0;
    let phi = 0;
    out.rowPtr[0] = 0;
    const l = scratch;
    for (let g = 0; g < G; g++) {
      for (let t = 0; t < K; t++) l[t] = logpt[t];
      for (let k = nzStart[g]; k < nzStart[g + 1]; k++) {
        const cf = beta * nzQ[k];
        const off = nzY[k] * K;
        for (let t = 0; t < K; t++) l[t] += cf * logrT[off + t];
      }
      let m = -Infinity;
      for (let t = 0; t < K; t++) if (l[t] > m) m = l[t];
      const thr = m - CUT;
      ensureCapacity(out, nnz + K);
      const start = nnz;
      let sum = 0;
      for (let t = 0; t < K; t++) {
        if (l[t] > thr) {
          const e = Math.exp(l[t] - m);
          out.cols[nnz] = t;
          out.vals[nnz++] = e;
          sum += e;
        }
      }
      const inv = 1 / sum;
      for (let e = start; e < nnz; e++) out.vals[e] *= inv;
      out.rowPtr[g + 1] = nnz;
      phi -= w[g] * (m + Math.log(sum));
    }
    return phi;
  };

  const stats = (enc: SparseRows, K: number): Clusters => {
    const pt = new Float64Array(K);
    const rnum = new Float64Array(K * Y);
    for (let g = 0; g < G; g++) {
      const wg = w[g];
      if (wg === 0) continue;
      for (let e = enc.rowPtr[g]; e < enc.rowPtr[g + 1]; e++) {
        const t = enc.cols[e];
        const m = wg * enc.vals[e];
        pt[t] += m;
        for (let k = nzStart[g]; k < nzStart[g + 1]; k++) rnum[t * Y + nzY[k]] += m * nzQ[k];
      }
    }
    return { k: K, pt, rnum };
  };

  /** Max |a - b| over two encoders on the same clusters. */
  const maxDiff = (a: SparseRows, b: SparseRows): number => {
    let delta = 0;
    for (let g = 0; g < G; g++) {
      for (let e = a.rowPtr[g]; e < a.rowPtr[g + 1]; e++) diff[a.cols[e]] += a.vals[e];
      for (let e = b.rowPtr[g]; e < b.rowPtr[g + 1]; e++) diff[b.cols[e]] -= b.vals[e];
      for (let e = a.rowPtr[g]; e < a.rowPtr[g + 1]; e++) {
        const d = Math.abs(diff[a.cols[e]]);
        if (d > delta) delta = d;
        diff[a.cols[e]] = 0;
      }
      for (let e = b.rowPtr[g]; e < b.rowPtr[g + 1]; e++) {
        const d = Math.abs(diff[b.cols[e]]);
        if (d > delta) delta = d;
        diff[b.cols[e]] = 0;
      }
    }
    return delta;
  };

  const solve = (beta: number, start: Clusters, o: SolveOptions): BetaSolution => {
    let cur = start;
    let iterations = 0;
    let converged = false;
    let last = encs[0];
    let lastStats = cur;
    const maxIter = Math.max(1, o.maxIter);
    while (iterations < maxIter) {
      cur = mergeAndDrop(cur, Y, beta, o.mergeTol, o.dropTol);
      const [e0, e1, e2] = encs;
      encodeInto(beta, cur, e0);
      const c1 = stats(e0, cur.k);
      const phi1 = encodeInto(beta, c1, e1);
      const c2 = stats(e1, cur.k);
      iterations += 2;
      last = e1;
      lastStats = c2;
      if (maxDiff(e0, e1) <= o.tol) {
        converged = true;
        break;
      }
      let next = c2;
      if (o.accelerate && iterations < maxIter) {
        const cx = squaremStep(cur, c1, c2, Y);
        if (cx !== c2) {
          const phix = encodeInto(beta, cx, e2);
          iterations++;
          if (phix <= phi1) {
            next = stats(e2, cur.k);
            last = e2;
            lastStats = next;
          }
        }
      }
      cur = next;
    }
    return { clusters: lastStats, encoder: last, iterations, converged };
  };

  const encode = (beta: number, c: Clusters): SparseRows => {
    const out = newSparseRows(G, G);
    encodeInto(beta, c, out);
    return out;
  };
  return { solve, encode, stats };
}
