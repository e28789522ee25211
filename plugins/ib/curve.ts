/**
 * The Information Bottleneck curve of a discrete joint p(x, y) ([TPB]):
 * the solutions of the self-consistent equations ({@link betaSolver}) over
 * a grid of betas, found by annealing.
 *
 * Inputs with identical rows p(y|x) are pooled first ({@link groupJoint}):
 * the update of p(t|x) depends on x only through p(y|x), so the curve is
 * that of the pooled problem. Hard labels (with or without label noise)
 * give one group per class: the 12-bit task has 2 groups, not 4096.
 *
 * Two annealing methods:
 * - `merge` ({@link mergeAnneal}): down in beta from the identity encoder
 *   over groups, merging clusters as they meet. Slow when many groups
 *   differ (4096 distinct soft rows: all 4096 start as clusters).
 * - `split` ({@link splitAnneal}): up in beta from one cluster, splitting
 *   clusters at their critical betas, then back down from the top, each
 *   beta keeping the lower Lagrangian I(X;T) - beta I(T;Y) of the two
 *   passes (the split test alone is local and misses first-order
 *   transitions; the downward pass recovers the branches they hide). The
 *   cluster count stays at what the solutions need.
 *
 * Whatever the method, a point whose Lagrangian is above 0, the value of
 * the trivial encoder (one cluster: I(X;T) = I(T;Y) = 0), is reported as
 * the trivial encoder: annealing can stay at a fixed point that is not
 * the optimum, and for deterministic labels below beta = 1 it does (the
 * identity over classes is a fixed point at every beta; the optimum of
 * (1 - beta) I(T;Y) there is 0).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { referenceBetas } from "./beta_grid.ts";
import { type BetaSolution, betaSolver, type IbProblem, ibProblem } from "./beta_solver.ts";
import { groupJoint, type IbJoint, validateJoint } from "./joint.ts";
import { mergeAnneal } from "./merge_anneal.ts";
import { newtonSolver } from "./newton_solver.ts";
import { splitAnneal } from "./split_anneal.ts";

/** Distinct p(y|x) rows above which `auto` picks `split` (with binary soft labels). */
export const AUTO_SPLIT_GROUPS = 64;

/** Options of {@link ibCurve}. */
export interface IbCurveOptions {
  /** Betas to visit (any order). Default {@link referenceBetas}(). */
  betas?: readonly number[];
  /**
   * Annealing method (see the module notes). Default `auto`: `split` when
   * the labels are binary with every p(y=1|x) strictly inside (0, 1) and
   * there are more than {@link AUTO_SPLIT_GROUPS} distinct rows (the Newton
   * path makes that fast), else `merge`.
   */
  method?: "auto" | "split" | "merge";
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
  /** `split` only: split a cluster when beta lambda_t > 1 + splitMargin. Default 1e-6. */
  splitMargin?: number;
  /**
   * `split` only: anneal back down from the top and keep, at each beta, the
   * lower Lagrangian of the two passes. Default true.
   */
  sweepBack?: boolean;
  /**
   * `split` only: with at most this many distinct rows of p(y|x), the
   * largest beta is also solved from the identity encoder (the lower
   * Lagrangian kept). Default 256.
   */
  identityLimit?: number;
  /**
   * `split` with binary labels, each input with both labels possible
   * (0 < p(y=1|x) < 1, soft labels): solve each beta by Newton steps on
   * the free energy ({@link newtonSolver}), each start extrapolated from
   * the two betas before (continuation.ts); false: the
   * accelerated plain iteration from the last solution (the method before,
   * kept for comparisons). Default true.
   */
  newton?: boolean;
  /** Keep the converged encoder of every beta in the result. Default false. */
  keepEncoders?: boolean;
  /**
   * Called with each point as soon as it is done, in annealing order
   * (progress; `split`: all at the end, ascending).
   */
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
  /** Points by descending beta (descending I(X;T)), whatever the method. */
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
  /** The annealing method that traced it (what `auto` chose). */
  method: "split" | "merge";
}

/** H(Y), I(X;Y) and the groups' entropy, in bits. */
function jointFacts(p: IbProblem): { hy: number; ixy: number; hGroups: number } {
  const { G, Y, w, nzStart, nzY, nzQ, py } = p;
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
  return { hy, ixy, hGroups };
}

/**
 * Whether the labels are binary and every input with mass has both with
 * positive probability: then every fixed point has 0 < p(y=1|t) < 1 and
 * {@link newtonSolver} applies (with some rows at 0 or 1, clusters can
 * converge to a decoder at 0 or 1, linearly and out of reach of Newton
 * steps in logit p(y=1|t)).
 */
function interiorBinary(p: IbProblem): boolean {
  if (p.Y !== 2) return false;
  for (let g = 0; g < p.G; g++) {
    const s = p.q[2 * g + 1];
    if (p.w[g] > 0 && !(s > 0 && s < 1)) return false;
  }
  return true;
}

/** The point of a solution: information values, cluster count, the encoder when kept. */
function pointOf(
  p: IbProblem,
  beta: number,
  sol: BetaSolution,
  dropTol: number,
  keep: boolean,
): IbPoint {
  const { G, Y, w, py } = p;
  const { encoder: enc, clusters: { pt, rnum, k: K } } = sol;
  let ixt = 0;
  for (let g = 0; g < G; g++) {
    if (w[g] === 0) continue;
    for (let e = enc.rowPtr[g]; e < enc.rowPtr[g + 1]; e++) {
      const v = enc.vals[e];
      if (v > 0) ixt += w[g] * v * Math.log2(v / pt[enc.cols[e]]);
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
  const point: IbPoint = {
    beta,
    ixt,
    ity,
    iterations: sol.iterations,
    converged: sol.converged,
    clusters,
  };
  if (keep) {
    const nnz = enc.rowPtr[G];
    const pyt = new Float64Array(K * Y);
    for (let t = 0; t < K; t++) {
      for (let y = 0; y < Y; y++) pyt[t * Y + y] = pt[t] > 0 ? rnum[t * Y + y] / pt[t] : 0;
    }
    point.encoder = {
      rowPtr: enc.rowPtr.slice(),
      cols: enc.cols.slice(0, nnz),
      vals: enc.vals.slice(0, nnz),
      clusters: K,
      pt: pt.slice(),
      pyt,
    };
  }
  return point;
}

/** The trivial encoder (one cluster, p(y|t) = p(y)) in place of `point`, whose count it keeps. */
function trivialPoint(p: IbProblem, point: IbPoint, keep?: boolean): IbPoint {
  const out: IbPoint = { ...point, ixt: 0, ity: 0, clusters: 1 };
  delete out.encoder;
  if (keep) {
    out.encoder = {
      rowPtr: Int32Array.from({ length: p.G + 1 }, (_, g) => g),
      cols: new Int32Array(p.G),
      vals: new Float64Array(p.G).fill(1),
      clusters: 1,
      pt: new Float64Array([1]),
      pyt: p.py.slice(),
    };
  }
  return out;
}

/**
 * Traces the IB curve of `joint` over `betas` by annealing.
 *
 * @example
 * ```ts
 * // Y = X on 4 equiprobable inputs: (2, 2) bits for beta > 1, (0, 0) below.
 * // (points are by descending beta: the first is beta = 290)
 * const px = new Float64Array([0.25, 0.25, 0.25, 0.25]);
 * const pyx = new Float64Array(16).map((_, i) => (i % 5 === 0 ? 1 : 0));
 * const c = ibCurve({ px, pyx, nx: 4, ny: 4 });
 * c.points[0].ity; // 2
 * ```
 */
export function ibCurve(joint: IbJoint, options: IbCurveOptions = {}): IbCurve {
  validateJoint(joint);
  const betas = [...(options.betas ?? referenceBetas())];
  for (const b of betas) {
    if (!(b > 0) || !Number.isFinite(b)) {
      throw new LensError(`beta ${b} is not a positive number`, {
        code: "config",
        field: "betas",
        expected: "finite betas > 0",
      });
    }
  }
  const asked = options.method ?? "auto";
  if (asked !== "auto" && asked !== "split" && asked !== "merge") {
    throw new LensError(`unknown IB method ${asked}`, {
      code: "config",
      field: "method",
      expected: "auto, split or merge",
    });
  }
  const solve = {
    tol: options.tol ?? 1e-7,
    maxIter: Math.max(2, options.maxIter ?? 3000),
    mergeTol: options.mergeTol ?? 1e-3,
    dropTol: options.dropTol ?? 1e-14,
    accelerate: options.accelerate ?? true,
  };
  const grouped = groupJoint(joint);
  const p = ibProblem(grouped);
  const solver = betaSolver(p);
  const method = asked !== "auto"
    ? asked
    : grouped.groups > AUTO_SPLIT_GROUPS && interiorBinary(p)
    ? "split"
    : "merge";
  const points: IbPoint[] = [];
  const measure = (beta: number, sol: BetaSolution) => {
    const point = pointOf(p, beta, sol, solve.dropTol, options.keepEncoders ?? false);
    return point.ixt - beta * point.ity > 0 ? trivialPoint(p, point, options.keepEncoders) : point;
  };
  if (method === "merge") {
    mergeAnneal(p, solver, betas, solve, (beta, sol) => {
      const point = measure(beta, sol);
      points.push(point);
      options.onPoint?.(point);
    });
  } else {
    const useNewton = (options.newton ?? true) && interiorBinary(p);
    const splitSolver = useNewton ? newtonSolver(p, solver) : solver;
    const splitOptions = {
      ...solve,
      jumps: true,
      splitMargin: options.splitMargin ?? 1e-6,
      maxRounds: 64,
      sweepBack: options.sweepBack ?? true,
      identityLimit: options.identityLimit ?? 256,
      predict: useNewton,
    };
    for (const point of splitAnneal(p, splitSolver, betas, splitOptions, measure)) {
      points.push(point);
      options.onPoint?.(point);
    }
  }
  points.sort((a, b) => b.beta - a.beta);
  return { points, groupOf: grouped.groupOf, groups: grouped.groups, method, ...jointFacts(p) };
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
