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
 *   accelerated: after two plain updates, when the change shrank by less
 *   than half since the last cycle, a damped Newton step on the fixed-point
 *   equations (binary labels, {@link newtonDirection}); then SQUAREM
 *   ({@link squaremStep}); then, when neither was kept, over-relaxation
 *   along the last update ({@link relaxStep}, factor doubled while Phi
 *   falls). A candidate is kept only if it lowers Phi below the second
 *   plain update's; convergence is judged on two consecutive plain
 *   updates, so the fixed points are those of the plain iteration. On the
 *   soft-label stress case of bench/ib_curve.ts this halved the updates
 *   and no beta reaches the update cap any more. (Newton and
 *   over-relaxation only with `jumps`, split annealing, and binary
 *   labels: with more labels over-relaxation alone was seen to settle on a
 *   worse branch.)
 *
 * Logarithms of zero probabilities are floored at -745, so KL to a decoder
 * missing part of p(y|x)'s support is huge but finite and log-sum-exp
 * never sees NaN.
 *
 * @module
 */
import { type Clusters, mergeAndDrop, safeLog } from "./clusters.ts";
import type { GroupedJoint } from "./joint.ts";
import { ensureCapacity, maxRowDiff, newSparseRows, type SparseRows } from "./sparse_rows.ts";
import { squaremStep } from "./squarem.ts";
import { relaxStep } from "./relax_step.ts";
import { newtonDirection, newtonPoint, newtonScratch } from "./newton_binary.ts";

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
  /**
   * Also Newton steps and over-relaxation where the iteration is slow, for
   * binary labels (see the module notes). Default false. Split annealing uses them; merge
   * annealing does not: it anneals once, from many clusters, and a jump
   * there could settle on another branch that no second pass recovers.
   */
  jumps?: boolean;
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

/** Newton steps solve a 2K x 2K system: only for up to this many clusters. */
const NEWTON_MAX_K = 64;

/** Largest over-relaxation factor tried (doubling from 2). */
const RELAX_MAX = 4096;

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
  const encs = [0, 1, 2, 3].map(() => newSparseRows(G, G));
  const newton = newtonScratch();

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
  const maxDiff = (a: SparseRows, b: SparseRows): number => maxRowDiff(a, b, G, diff);

  const solve = (beta: number, start: Clusters, o: SolveOptions): BetaSolution => {
    let cur = start;
    let iterations = 0;
    let converged = false;
    let last = encs[0];
    let lastStats = cur;
    const maxIter = Math.max(1, o.maxIter);
    let prevMd = 0;
    // A Newton step that failed at every damping, or over-relaxation that
    // failed at factor 2, is not tried again for a while (slow cycles to
    // wait, doubled after each failure up to 8, back to 1 after a success):
    // each failed candidate costs an encoder build like an update.
    let newtonWait = 0;
    let newtonBackoff = 1;
    let relaxWait = 0;
    let relaxBackoff = 1;
    while (iterations < maxIter) {
      cur = mergeAndDrop(cur, Y, beta, o.mergeTol, o.dropTol);
      const [e0, e1] = encs;
      let e2 = encs[2], e3 = encs[3];
      encodeInto(beta, cur, e0);
      const c1 = stats(e0, cur.k);
      const phi1 = encodeInto(beta, c1, e1);
      const c2 = stats(e1, cur.k);
      iterations += 2;
      last = e1;
      lastStats = c2;
      const md = maxDiff(e0, e1);
      if (md <= o.tol) {
        converged = true;
        break;
      }
      // Slow: the plain change shrank by less than half over the last cycle.
      // Only then are Newton and over-relaxation tried (where plain updates
      // converge fast, e.g. hard labels, they would only stop it early at
      // points the split test reads differently).
      const slow = (o.jumps ?? false) && Y === 2 && prevMd > 0 && md > 0.5 * prevMd;
      prevMd = md;
      let next = c2;
      if (o.accelerate && iterations < maxIter) {
        // A Newton step (binary labels, damped), then SQUAREM, then
        // over-relaxation; each kept only if it lowers the free energy.
        let kept = false;
        // A jump must not make clusters meet (or empty) that the plain
        // update keeps apart: merges are irreversible, and a jump that
        // lands two decoders within mergeTol / beta would lose a branch.
        let plainMerges: boolean | undefined;
        const mergesMore = (st: Clusters) => {
          plainMerges ??= mergeAndDrop(c2, Y, beta, o.mergeTol, o.dropTol) !== c2;
          return !plainMerges && mergeAndDrop(st, Y, beta, o.mergeTol, o.dropTol) !== st;
        };
        const tryNewton = slow && newtonWait === 0;
        if (slow && newtonWait > 0) newtonWait--;
        const dir = tryNewton && cur.k <= NEWTON_MAX_K
          ? newtonDirection(p, beta, c1, e1, c2, newton)
          : undefined;
        for (let a = 1; dir && a >= 1 / 64 && iterations < maxIter; a /= 4) {
          const nx = newtonPoint(dir, a);
          if (!nx) continue;
          const phix = encodeInto(beta, nx, e2);
          iterations++;
          if (!(phix < phi1)) continue;
          const st = stats(e2, cur.k);
          if (mergesMore(st)) break;
          next = st;
          last = e2;
          lastStats = next;
          kept = true;
          break;
        }
        if (dir && !kept) {
          newtonWait = newtonBackoff;
          newtonBackoff = Math.min(8, newtonBackoff * 2);
        } else if (kept) newtonBackoff = 1;
        const cx = kept || iterations >= maxIter ? c2 : squaremStep(cur, c1, c2, Y);
        if (cx !== c2) {
          const phix = encodeInto(beta, cx, e2);
          iterations++;
          if (phix <= phi1) {
            next = stats(e2, cur.k);
            last = e2;
            lastStats = next;
            kept = true;
          }
        }
        if (!kept && slow && relaxWait > 0) relaxWait--;
        else if (!kept && slow) {
          // double the step along the last update while the free energy falls
          let bestPhi = phi1;
          let best: Clusters | undefined;
          for (let a = 2; a <= RELAX_MAX && iterations < maxIter; a *= 2) {
            const cand = relaxStep(c1, c2, a, Y);
            if (!cand) break;
            const ph = encodeInto(beta, cand, e3);
            iterations++;
            if (!(ph < bestPhi)) break;
            const st = stats(e3, cur.k);
            if (mergesMore(st)) break;
            bestPhi = ph;
            best = st;
            [e2, e3] = [e3, e2];
          }
          if (best) {
            next = best;
            last = e2;
            lastStats = next;
            relaxBackoff = 1;
          } else {
            relaxWait = relaxBackoff;
            relaxBackoff = Math.min(8, relaxBackoff * 2);
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
