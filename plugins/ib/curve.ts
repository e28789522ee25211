/**
 * The Information Bottleneck curve of a discrete joint p(x, y) ([TPB]),
 * traced by reverse annealing of the self-consistent equations
 *
 *   p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)
 *   p(t)   = sum_x p(x) p(t|x)
 *   p(y|t) = sum_x p(y|x) p(t|x) p(x) / p(t)
 *
 * iterated Blahut-Arimoto style at each beta, from the largest beta
 * (starting at the identity encoder p(t|x) = delta(t = x)) down to the
 * smallest, each beta warm-started from the last.
 *
 * What the kernel exploits, and why each step is exact or nearly so:
 *
 * 1. Inputs with identical rows p(y|x) are pooled ({@link groupJoint}).
 *    The update of p(t|x) depends on x only through p(y|x). From the
 *    identity over inputs, one update gives p(t|x) proportional to
 *    p(x = t) h(g(x), g(t)) (g = group): the clusters of one group have
 *    proportional columns and equal decoders, and merging them gives
 *    exactly the identity over groups updated once. Proportional columns
 *    leave I(X;T) and I(T;Y) unchanged and stay proportional, so the curve
 *    is that of the pooled problem started from the identity over groups.
 *    Hard labels (with or without label noise) give one group per class:
 *    the 12-bit task has 2 groups, not 4096.
 * 2. Clusters whose decoders agree within `mergeTol / beta` in every
 *    log p(y|t) are merged (masses add): for every input the ratio of
 *    their encoder entries then varies with x by at most exp(mergeTol),
 *    so the merge costs O(mergeTol^2) nats of I(X;T) (an exact tie costs
 *    nothing). The iteration itself only approaches such merges slowly.
 * 3. Clusters with p(t) <= `dropTol` are dropped: no 0/0 when a cluster
 *    empties. The cluster count never grows.
 * 4. Encoders are sparse: logits are computed densely (multiply-adds), but
 *    only entries within exp(-40) of their row's largest are exponentiated
 *    and stored.
 * 5. The slow linear convergence of the plain iteration (near merges and
 *    phase transitions the error shrinks by ~0.1% per update) is
 *    accelerated by SQUAREM (Varadhan & Roland 2008, scheme S3) on the
 *    cluster parameters (log p(t), log p(y|t)): two plain updates, one
 *    extrapolated point, accepted only if it lowers the free energy
 *    Phi = -sum_x p(x) log Z(x, beta), which every plain update lowers
 *    (it is an alternating minimisation); otherwise the plain result is
 *    kept. Convergence is still judged on two consecutive plain updates.
 *
 * Logarithms of zero probabilities are floored at -745 (below the log of
 * the smallest positive double), so KL to a decoder missing part of
 * p(y|x)'s support is huge but finite and log-sum-exp never sees NaN.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { referenceBetas } from "./beta_grid.ts";
import { groupJoint, type IbJoint, validateJoint } from "./joint.ts";

/** Options of {@link ibCurve}. */
export interface IbCurveOptions {
  /** Betas to visit; sorted descending before annealing. Default {@link referenceBetas}(). */
  betas?: readonly number[];
  /** Stop a beta when max |change of p(t|x)| over one plain update is at most this. Default 1e-7. */
  tol?: number;
  /**
   * Cap on encoder updates per beta, checked between cycles (two plain
   * updates and one extrapolated), so up to 2 more may run. Default 3000.
   */
  maxIter?: number;
  /** Merge clusters whose log p(y|t) agree within mergeTol / beta. Default 1e-3. */
  mergeTol?: number;
  /** Drop clusters with p(t) at most this. Default 1e-14. */
  dropTol?: number;
  /** SQUAREM acceleration. Default true. */
  accelerate?: boolean;
  /** Keep the converged encoder of every beta in the result. Default false. */
  keepEncoders?: boolean;
  /** Called with each point as soon as it is done (progress). */
  onPoint?: (point: IbPoint) => void;
}

/**
 * A sparse encoder over input groups (CSR): row g holds p(t|x) for every
 * input x with `groupOf[x] = g`, as cluster indices `cols` and values `vals`.
 */
export interface IbEncoder {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
  /** Number of clusters. */
  clusters: number;
  /** p(t), length `clusters`. */
  pt: Float64Array;
  /** p(y|t), row-major `clusters` x ny. */
  pyt: Float64Array;
}

/** One converged (or capped) point of the curve. */
export interface IbPoint {
  beta: number;
  /** I(X;T) in bits. */
  ixt: number;
  /** I(T;Y) in bits. */
  ity: number;
  /** Encoder updates run at this beta. */
  iterations: number;
  /** Whether the encoder change fell to `tol` before `maxIter`. */
  converged: boolean;
  /** Clusters with mass at the end. */
  clusters: number;
  /** The encoder, when `keepEncoders` was set. */
  encoder?: IbEncoder;
}

/** The traced curve and facts about the joint. */
export interface IbCurve {
  /** Points in annealing order (descending beta). */
  points: IbPoint[];
  /** Group (distinct row of p(y|x)) of every input. */
  groupOf: Int32Array;
  /** Number of groups. */
  groups: number;
  /** I(X;Y) in bits: the curve's ceiling. */
  ixy: number;
  /** H(Y) in bits. */
  hy: number;
  /** Entropy of the groups in bits: beyond this I(X;T) the curve is flat at I(X;Y). */
  hGroups: number;
}

const LOG_FLOOR = -745;
const CUT = 40;

function safeLog(v: number): number {
  return v > 0 ? Math.log(v) : LOG_FLOOR;
}

/** Growable CSR rows. */
interface Csr {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

function newCsr(rows: number, cap: number): Csr {
  return {
    rowPtr: new Int32Array(rows + 1),
    cols: new Int32Array(Math.max(16, cap)),
    vals: new Float64Array(Math.max(16, cap)),
  };
}

function ensureCapacity(c: Csr, need: number): void {
  if (need <= c.cols.length) return;
  let cap = c.cols.length * 2;
  while (cap < need) cap *= 2;
  const cols = new Int32Array(cap);
  cols.set(c.cols);
  const vals = new Float64Array(cap);
  vals.set(c.vals);
  c.cols = cols;
  c.vals = vals;
}

/** Cluster parameters: p(t) and p(t) p(y|t) (unnormalised decoder rows). */
interface Clusters {
  k: number;
  pt: Float64Array;
  rnum: Float64Array;
}

/**
 * Traces the IB curve of `joint` by reverse annealing over `betas`.
 *
 * @example
 * ```ts
 * // Y = X on 4 equiprobable inputs: every point sits at (2, 2) bits.
 * const px = new Float64Array([0.25, 0.25, 0.25, 0.25]);
 * const pyx = new Float64Array(16).map((_, i) => (i % 5 === 0 ? 1 : 0));
 * const c = ibCurve({ px, pyx, nx: 4, ny: 4 });
 * c.points[0].ity; // 2
 * ```
 */
export function ibCurve(joint: IbJoint, options: IbCurveOptions = {}): IbCurve {
  validateJoint(joint);
  const tol = options.tol ?? 1e-7;
  const maxIter = Math.max(1, options.maxIter ?? 3000);
  const mergeTol = options.mergeTol ?? 1e-3;
  const dropTol = options.dropTol ?? 1e-14;
  const accelerate = options.accelerate ?? true;
  const betas = [...(options.betas ?? referenceBetas())].sort((a, b) => b - a);
  for (const b of betas) {
    if (!(b > 0) || !Number.isFinite(b)) {
      throw new LensError(`beta ${b} is not a positive number`, {
        code: "config",
        field: "betas",
        expected: "finite betas > 0",
      });
    }
  }
  const Y = joint.ny;
  const { groupOf, groups: G, w, q } = groupJoint(joint);

  // Nonzero structure of p(y|g).
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
  const nzY = Int32Array.from(nzYl);
  const nzQ = Float64Array.from(nzQl);
  const py = new Float64Array(Y);
  for (let g = 0; g < G; g++) for (let y = 0; y < Y; y++) py[y] += w[g] * q[g * Y + y];
  let hy = 0;
  for (let y = 0; y < Y; y++) if (py[y] > 0) hy -= py[y] * Math.log2(py[y]);
  let ixy = 0;
  let hGroups = 0;
  for (let g = 0; g < G; g++) {
    if (w[g] <= 0) continue;
    hGroups -= w[g] * Math.log2(w[g]);
    for (let k = nzStart[g]; k < nzStart[g + 1]; k++) {
      ixy += w[g] * nzQ[k] * Math.log2(nzQ[k] / py[nzY[k]]);
    }
  }

  // Scratch, resized when the cluster count changes.
  let cap = G;
  let logpt = new Float64Array(cap);
  let logrT = new Float64Array(cap * Y);
  let scratch = new Float64Array(cap);
  let diff = new Float64Array(cap);
  const encs = [newCsr(G, G), newCsr(G, G), newCsr(G, G)];

  /** Encoder from cluster parameters into `out`; returns the free energy (up to a constant). */
  const encode = (beta: number, c: Clusters, out: Csr): number => {
    const K = c.k;
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

  /** Cluster parameters implied by an encoder. */
  const stats = (enc: Csr, K: number): Clusters => {
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
  const maxDiff = (a: Csr, b: Csr): number => {
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

  /** Drops empty clusters and merges clusters with (nearly) equal decoders. */
  const mergeDrop = (beta: number, c: Clusters): Clusters => {
    const K = c.k;
    const alive: number[] = [];
    for (let t = 0; t < K; t++) if (c.pt[t] > dropTol) alive.push(t);
    const lr = new Float64Array(K * Y);
    for (const t of alive) {
      for (let y = 0; y < Y; y++) lr[t * Y + y] = safeLog(c.rnum[t * Y + y] / c.pt[t]);
    }
    const parent = new Int32Array(K).map((_, i) => i);
    const find = (a: number): number => {
      while (parent[a] !== a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
      }
      return a;
    };
    let merged = false;
    const thr = mergeTol / beta;
    const order = alive.slice().sort((a, b) => lr[a * Y] - lr[b * Y]);
    for (let i = 0; i < order.length; i++) {
      const a = order[i];
      for (let j = i + 1; j < order.length; j++) {
        const b = order[j];
        if (lr[b * Y] - lr[a * Y] > thr) break;
        let close = true;
        for (let y = 1; y < Y; y++) {
          if (Math.abs(lr[a * Y + y] - lr[b * Y + y]) > thr) {
            close = false;
            break;
          }
        }
        if (!close) continue;
        const ra = find(a);
        const rb = find(b);
        if (ra !== rb) {
          parent[Math.max(ra, rb)] = Math.min(ra, rb);
          merged = true;
        }
      }
    }
    if (!merged && alive.length === K) return c;
    const newIdx = new Int32Array(K).fill(-1);
    let Kn = 0;
    for (const t of alive) {
      const r = find(t);
      if (newIdx[r] < 0) newIdx[r] = Kn++;
      newIdx[t] = newIdx[r];
    }
    const pt = new Float64Array(Kn);
    const rnum = new Float64Array(Kn * Y);
    for (const t of alive) {
      const u = newIdx[t];
      pt[u] += c.pt[t];
      for (let y = 0; y < Y; y++) rnum[u * Y + y] += c.rnum[t * Y + y];
    }
    return { k: Kn, pt, rnum };
  };

  /** SQUAREM S3 extrapolation in (log p(t), log p(y|t)), renormalised. */
  const extrapolate = (c0: Clusters, c1: Clusters, c2: Clusters): Clusters => {
    const K = c0.k;
    const n = K * (Y + 1);
    const th = (c: Clusters, i: number) => {
      const t = Math.floor(i / (Y + 1));
      const y = i % (Y + 1);
      return y === 0 ? Math.log(c.pt[t]) : safeLog(c.rnum[t * Y + y - 1] / c.pt[t]);
    };
    const t0 = new Float64Array(n);
    const r = new Float64Array(n);
    const v = new Float64Array(n);
    let rr = 0;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      const a = th(c0, i);
      const b = th(c1, i);
      const d = th(c2, i);
      t0[i] = a;
      if (a <= LOG_FLOOR || b <= LOG_FLOOR || d <= LOG_FLOOR) {
        t0[i] = LOG_FLOOR;
        continue;
      }
      r[i] = b - a;
      v[i] = d - 2 * b + a;
      rr += r[i] * r[i];
      vv += v[i] * v[i];
    }
    if (!(vv > 0)) return c2;
    const alpha = Math.min(-1, -Math.sqrt(rr / vv));
    const pt = new Float64Array(K);
    const rnum = new Float64Array(K * Y);
    let lmax = -Infinity;
    const la = new Float64Array(K);
    for (let t = 0; t < K; t++) {
      const i = t * (Y + 1);
      la[t] = t0[i] - 2 * alpha * r[i] + alpha * alpha * v[i];
      if (la[t] > lmax) lmax = la[t];
    }
    let s = 0;
    for (let t = 0; t < K; t++) s += pt[t] = Math.exp(la[t] - lmax);
    for (let t = 0; t < K; t++) {
      pt[t] /= s;
      let ymax = -Infinity;
      for (let y = 0; y < Y; y++) {
        const i = t * (Y + 1) + 1 + y;
        const lv = t0[i] <= LOG_FLOOR ? -Infinity : t0[i] - 2 * alpha * r[i] + alpha * alpha * v[i];
        rnum[t * Y + y] = lv;
        if (lv > ymax) ymax = lv;
      }
      let ys = 0;
      for (let y = 0; y < Y; y++) ys += rnum[t * Y + y] = Math.exp(rnum[t * Y + y] - ymax);
      for (let y = 0; y < Y; y++) rnum[t * Y + y] *= pt[t] / ys;
    }
    for (let t = 0; t < K; t++) {
      if (!(pt[t] > 0) || !Number.isFinite(pt[t])) return c2;
    }
    return { k: K, pt, rnum };
  };

  // Identity encoder over groups.
  let cur: Clusters = { k: G, pt: w.slice(), rnum: new Float64Array(G * Y) };
  for (let g = 0; g < G; g++) for (let y = 0; y < Y; y++) cur.rnum[g * Y + y] = w[g] * q[g * Y + y];

  const points: IbPoint[] = [];
  for (const beta of betas) {
    let iterations = 0;
    let converged = false;
    let last = encs[0];
    let lastStats = cur;
    while (iterations < maxIter) {
      cur = mergeDrop(beta, cur);
      if (cur.k > cap || cur.k < cap / 2) {
        cap = cur.k;
        logpt = new Float64Array(cap);
        logrT = new Float64Array(cap * Y);
        scratch = new Float64Array(cap);
        diff = new Float64Array(cap);
      }
      const [e0, e1, e2] = encs;
      encode(beta, cur, e0);
      const c1 = stats(e0, cur.k);
      const phi1 = encode(beta, c1, e1);
      const c2 = stats(e1, cur.k);
      iterations += 2;
      last = e1;
      lastStats = c2;
      const delta = maxDiff(e0, e1);
      if (delta <= tol) {
        converged = true;
        break;
      }
      let nextClusters = c2;
      if (accelerate && iterations < maxIter) {
        const cx = extrapolate(cur, c1, c2);
        if (cx !== c2) {
          const phix = encode(beta, cx, e2);
          iterations++;
          if (phix <= phi1) {
            nextClusters = stats(e2, cur.k);
            last = e2;
            lastStats = nextClusters;
          }
        }
      }
      cur = nextClusters;
    }
    // `last` is the newest encoder and `lastStats` its marginal and decoders.
    const { pt, rnum, k: K } = lastStats;
    let ixt = 0;
    for (let g = 0; g < G; g++) {
      if (w[g] === 0) continue;
      for (let e = last.rowPtr[g]; e < last.rowPtr[g + 1]; e++) {
        const v = last.vals[e];
        if (v > 0) ixt += w[g] * v * Math.log2(v / pt[last.cols[e]]);
      }
    }
    let ity = 0;
    let clusters = 0;
    for (let t = 0; t < K; t++) {
      if (pt[t] <= 0) continue;
      if (pt[t] > dropTol) clusters++;
      for (let y = 0; y < Y; y++) {
        const r = rnum[t * Y + y] / pt[t];
        if (r > 0) ity += pt[t] * r * Math.log2(r / py[y]);
      }
    }
    const point: IbPoint = { beta, ixt, ity, iterations, converged, clusters };
    if (options.keepEncoders) {
      const nnz = last.rowPtr[G];
      const pyt = new Float64Array(K * Y);
      for (let t = 0; t < K; t++) {
        for (let y = 0; y < Y; y++) pyt[t * Y + y] = pt[t] > 0 ? rnum[t * Y + y] / pt[t] : 0;
      }
      point.encoder = {
        rowPtr: last.rowPtr.slice(),
        cols: last.cols.slice(0, nnz),
        vals: last.vals.slice(0, nnz),
        clusters: K,
        pt: pt.slice(),
        pyt,
      };
    }
    points.push(point);
    options.onPoint?.(point);
    cur = lastStats;
  }
  return { points, groupOf, groups: G, ixy, hy, hGroups };
}

/**
 * The encoder of a point as a dense `nx` x `clusters` matrix over the
 * original inputs (row x = row `groupOf[x]` of the sparse encoder).
 */
export function denseEncoder(curve: IbCurve, encoder: IbEncoder): Float64Array {
  const nx = curve.groupOf.length;
  const K = encoder.clusters;
  const out = new Float64Array(nx * K);
  for (let x = 0; x < nx; x++) {
    const g = curve.groupOf[x];
    for (let e = encoder.rowPtr[g]; e < encoder.rowPtr[g + 1]; e++) {
      out[x * K + encoder.cols[e]] = encoder.vals[e];
    }
  }
  return out;
}
