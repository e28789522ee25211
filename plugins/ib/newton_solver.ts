/**
 * IB fixed points for binary labels (|Y| = 2) by damped Newton steps on
 * the free energy, interleaved with plain updates: the solver that split
 * annealing uses for binary labels (the soft-label stress case of
 * bench/ib_curve.ts: 4096 distinct rows of p(y|x), at most a few tens of
 * clusters, and the plain update crawling next to every transition).
 *
 * With s_g = p(y=1|g) and per cluster c_t = log p(t), rho_t = logit p(y=1|t),
 * the encoder's logits are affine in s_g,
 *
 *   l_t(g) = c_t + beta (s_g rho_t - softplus(rho_t)) + const(g),
 *
 * and the free energy of the parameters theta = (c, rho) is
 *
 *   Phi(theta) = -sum_g w_g log sum_t exp(l_t(g)) + log sum_t exp(c_t).
 *
 * Phi is the minimum over encoders of the IB functional at fixed cluster
 * parameters, so its gradient there is the functional's:
 * dPhi/dc_t = p(t) - P_t and dPhi/drho_t = -beta (R_t - r_t P_t), with
 * P_t = sum_g w_g p(t|g) and R_t = sum_g w_g s_g p(t|g) the plain update's
 * statistics. Its stationary points are exactly the fixed points of the
 * self-consistent equations, and its Hessian is exact and cheap from the
 * encoder's moments M_j[t][u] = sum_g w_g p(t|g) p(u|g) s_g^j (j = 0, 1, 2)
 * and S2_t = sum_g w_g p(t|g) s_g^2 (2K x 2K; K is at most
 * {@link NEWTON_MAX_K}):
 *
 *   H[c_t][c_u]     = M0_tu - delta_tu (P_t - p(t)) - p(t) p(u)
 *   H[c_t][rho_u]   = -beta (delta_tu (R_t - r_t P_t) - (M1_tu - r_u M0_tu))
 *   H[rho_t][rho_u] = -beta^2 (delta_tu E_t[(s - r_t)^2]
 *                      - sum_g w_g p(t|g) p(u|g) (s_g - r_t) (s_g - r_u))
 *                     + delta_tu beta r_t (1 - r_t) P_t
 *
 * (E_t[.] = sum_g w_g p(t|g) (.)). A step solves (H + mu D) delta = -grad
 * (Levenberg-Marquardt: D the Hessian's diagonal magnitudes, mu raised
 * until the matrix is positive definite and after a rejected step,
 * lowered after an accepted one), so it descends towards a minimum and
 * not a saddle. The gauge of c (adding a constant changes nothing) is
 * fixed by adding p p^T.
 *
 * Each cycle is one plain update (which is also the convergence test:
 * max |change of p(t|x)| at most `tol`, as for {@link betaSolver}) and one
 * candidate: while the plain update still changes the encoder by more
 * than {@link NEWTON_FROM}, SQUAREM's extrapolation (as the plain solver
 * does; after a refused one, left out for 1, 2, 4, 8 cycles), after that
 * a Newton step from the updated parameters (when refused because it makes
 * clusters meet, half and a quarter of it are tried). A
 * candidate is kept only when it lowers Phi below the plain update's and
 * makes no clusters meet that the plain update keeps apart (a merge
 * cannot be undone). The fixed points and their test are the plain
 * iteration's; only the number of updates to reach them changes.
 *
 * More than {@link NEWTON_MAX_K} clusters (the identity start of small
 * problems) or more labels: the accelerated plain iteration of the
 * fallback solver.
 *
 * @module
 */
import type { BetaSolution, BetaSolver, IbProblem, SolveOptions } from "./beta_solver.ts";
import { type Clusters, mergeAndDrop, safeLog } from "./clusters.ts";
import { ensureCapacity, newSparseRows, type SparseRows } from "./sparse_rows.ts";
import { squaremStep } from "./squarem.ts";

/** Entries further than this (in nats) below their row's largest logit are not stored. */
const CUT = 40;

/** Newton steps solve a 2K x 2K system: only for up to this many clusters. */
export const NEWTON_MAX_K = 64;

/**
 * Newton steps only once a plain update changes the encoder by at most this.
 * Before, plain updates alone: from a start far from any fixed point (after
 * a split, or a beta past a transition) a Newton step can land in the basin
 * of another fixed point than the plain iteration's (on the soft-label
 * stress case of bench/ib_curve.ts with 256 inputs, a branch with a
 * Lagrangian 8.8e-6 bits higher at one beta); the plain update descends
 * along the path the other solvers take.
 */
const NEWTON_FROM = 1e-3;

/**
 * Newton steps also above {@link NEWTON_FROM}, up to this change, once the
 * plain update has shrunk the change by less than a factor {@link SLOW_RATIO}
 * per cycle {@link SLOW_CYCLES} times in a row (a split copy emptying
 * slowly). Up to 1e-2 this was faster still but brought back the worse
 * branch of the 256-row stress case.
 */
const SLOW_FROM = 3e-3;
/** See {@link SLOW_FROM}. */
const SLOW_RATIO = 0.9;
/** See {@link SLOW_FROM}. */
const SLOW_CYCLES = 4;

/** Largest |step| of a logit rho_t in one Newton step (the whole step is scaled down to it). */
const MAX_RHO_STEP = 4;

/** Relative rounding of the free energy: a candidate this close to the plain update's counts as equal. */
const PHI_ROUNDING = 1e-13;

/** Largest damping kept after rejected Newton steps (relative to the scaled Hessian's unit diagonal). */
const MAX_MU = 1e4;

/** Largest |step| of a log mass c_t in one Newton step. */
const MAX_C_STEP = 30;

/** Parameters, their encoder, its free energy and its statistics (the plain update). */
interface Evaluated {
  c: Clusters;
  enc: SparseRows;
  phi: number;
  next: Clusters;
}

/** Moments of an encoder ({@link NEWTON_MAX_K} clusters at most), filled by `evaluate`. */
interface Moments {
  m0: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
  s2: Float64Array;
}

/**
 * A solver for a problem with binary labels; `fallback` (the plain
 * iteration of {@link betaSolver}) takes other problems and starts with
 * too many clusters, and answers `encode` and `stats`.
 */
export function newtonSolver(p: IbProblem, fallback: BetaSolver): BetaSolver {
  const { G, Y, w, q } = p;
  const bufs = [0, 1, 2].map(() => newSparseRows(G, G));
  let cap = 0;
  let a0 = new Float64Array(0);
  let a1 = new Float64Array(0);
  let lpt = new Float64Array(0);
  let l = new Float64Array(0);
  let diff = new Float64Array(0);
  const mom: Moments = {
    m0: new Float64Array(0),
    m1: new Float64Array(0),
    m2: new Float64Array(0),
    s2: new Float64Array(0),
  };
  const size = (k: number) => {
    if (k <= cap) return;
    cap = Math.max(k, 2 * cap);
    a0 = new Float64Array(cap);
    a1 = new Float64Array(cap);
    lpt = new Float64Array(cap);
    l = new Float64Array(cap);
    diff = new Float64Array(cap);
    mom.m0 = new Float64Array(cap * cap);
    mom.m1 = new Float64Array(cap * cap);
    mom.m2 = new Float64Array(cap * cap);
    mom.s2 = new Float64Array(cap);
  };

  /**
   * Encoder of `c` into `out`, its free energy (up to a constant) and
   * statistics.
   */
  const evaluate = (beta: number, c: Clusters, out: SparseRows): Evaluated => {
    const K = c.k;
    size(K);
    for (let t = 0; t < K; t++) {
      lpt[t] = Math.log(c.pt[t]);
      a0[t] = beta * safeLog(c.rnum[2 * t] / c.pt[t]);
      a1[t] = beta * safeLog(c.rnum[2 * t + 1] / c.pt[t]);
    }
    const pt = new Float64Array(K);
    const rnum = new Float64Array(2 * K);
    let nnz = 0;
    let phi = 0;
    out.rowPtr[0] = 0;
    for (let g = 0; g < G; g++) {
      const q0 = q[2 * g], q1 = q[2 * g + 1];
      let m = -Infinity;
      for (let t = 0; t < K; t++) {
        const v = lpt[t] + q0 * a0[t] + q1 * a1[t];
        l[t] = v;
        if (v > m) m = v;
      }
      const thr = m - CUT;
      ensureCapacity(out, nnz + K);
      const { cols, vals } = out;
      const start = nnz;
      let sum = 0;
      for (let t = 0; t < K; t++) {
        if (l[t] > thr) {
          const e = Math.exp(l[t] - m);
          cols[nnz] = t;
          vals[nnz++] = e;
          sum += e;
        }
      }
      const inv = 1 / sum;
      const wg = w[g];
      for (let e = start; e < nnz; e++) {
        const v = vals[e] * inv;
        vals[e] = v;
        const t = cols[e];
        const mt = wg * v;
        pt[t] += mt;
        rnum[2 * t] += mt * q0;
        rnum[2 * t + 1] += mt * q1;
      }
      out.rowPtr[g + 1] = nnz;
      phi -= wg * (m + Math.log(sum));
    }
    return { c, enc: out, phi, next: { k: K, pt, rnum } };
  };

  /** The moments of an evaluated encoder into `mom` (no exponentials: a pass over its entries). */
  const moments = (e: Evaluated) => {
    const K = e.c.k;
    const { rowPtr, cols, vals } = e.enc;
    const { m0, m1, m2, s2 } = mom;
    m0.fill(0, 0, K * K);
    m1.fill(0, 0, K * K);
    m2.fill(0, 0, K * K);
    s2.fill(0, 0, K);
    for (let g = 0; g < G; g++) {
      const wg = w[g];
      if (wg === 0) continue;
      const q1 = q[2 * g + 1];
      const qq = q1 * q1;
      const start = rowPtr[g], end = rowPtr[g + 1];
      for (let a = start; a < end; a++) {
        const ua = cols[a];
        const pa = wg * vals[a];
        s2[ua] += pa * qq;
        const row = ua * K;
        for (let b = start; b <= a; b++) {
          const v = pa * vals[b];
          const i = row + cols[b];
          m0[i] += v;
          m1[i] += v * q1;
          m2[i] += v * qq;
        }
      }
    }
    // columns ascend within a row, so pairs b <= a filled the lower triangle
    for (let u = 0; u < K; u++) {
      for (let t = 0; t < u; t++) {
        const i = u * K + t, j = t * K + u;
        m0[i] = m0[j] = m0[i] + m0[j];
        m1[i] = m1[j] = m1[i] + m1[j];
        m2[i] = m2[j] = m2[i] + m2[j];
      }
    }
  };

  /** Max |a - b| over two encoders on the same clusters. */
  const maxDiff = (a: SparseRows, b: SparseRows): number => {
    let delta = 0;
    for (let g = 0; g < G; g++) {
      const a0 = a.rowPtr[g], n = a.rowPtr[g + 1] - a0, b0 = b.rowPtr[g];
      if (b.rowPtr[g + 1] - b0 === n) {
        // usually the same clusters in both rows, in the same (ascending) order
        let same = true;
        for (let i = 0; i < n && same; i++) same = a.cols[a0 + i] === b.cols[b0 + i];
        if (same) {
          for (let i = 0; i < n; i++) {
            const d = Math.abs(a.vals[a0 + i] - b.vals[b0 + i]);
            if (d > delta) delta = d;
          }
          continue;
        }
      }
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
    if (Y !== 2 || start.k > NEWTON_MAX_K) return fallback.solve(beta, start, o);
    const maxIter = Math.max(1, o.maxIter);
    // buffers: the current point's encoder, the plain update's, the candidate's
    let [bCur, bPlain, bCand] = bufs;
    let cur = evaluate(beta, mergeAndDrop(start, Y, beta, o.mergeTol, o.dropTol), bCur);
    let iterations = 1;
    let mu = 0;
    let wait = 0;
    let backoff = 1;
    let sqWait = 0;
    let sqBackoff = 1;
    let prevMd = 0;
    let slowRun = 0;
    let last: Evaluated = cur;
    let converged = false;
    // a jump must not make clusters meet (or empty) that the plain update keeps apart
    const mergesMore = (cand: Evaluated, plain: Evaluated) =>
      mergeAndDrop(cand.c, Y, beta, o.mergeTol, o.dropTol) !== cand.c &&
      mergeAndDrop(plain.c, Y, beta, o.mergeTol, o.dropTol) === plain.c;
    while (iterations < maxIter) {
      const merged = mergeAndDrop(cur.c, Y, beta, o.mergeTol, o.dropTol);
      if (merged !== cur.c) {
        cur = evaluate(beta, merged, bCur);
        iterations++;
      }
      const plain = evaluate(beta, cur.next, bPlain);
      iterations++;
      last = plain;
      const md = maxDiff(cur.enc, plain.enc);
      if (md <= o.tol) {
        converged = true;
        break;
      }
      let accepted: Evaluated | undefined;
      slowRun = prevMd > 0 && md > SLOW_RATIO * prevMd ? slowRun + 1 : 0;
      prevMd = md;
      const far = md > NEWTON_FROM && !(md <= SLOW_FROM && slowRun >= SLOW_CYCLES);
      if (far && sqWait > 0) sqWait--;
      else if (far) {
        // far: SQUAREM from the last two plain updates, as the plain solver does
        const sq = o.accelerate && iterations < maxIter
          ? squaremStep(cur.c, plain.c, plain.next, Y)
          : plain.next;
        if (sq !== plain.next) {
          const cand = evaluate(beta, sq, bCand);
          iterations++;
          if (cand.phi <= plain.phi && !mergesMore(cand, plain)) {
            accepted = cand;
            sqBackoff = 1;
          } else {
            sqWait = sqBackoff;
            sqBackoff = Math.min(8, sqBackoff * 2);
          }
        }
      } else if (wait > 0) wait--;
      else if (iterations < maxIter && plain.c.k <= NEWTON_MAX_K) {
        moments(plain);
        const step = newtonStep(beta, plain, mom, mu);
        if (step) {
          mu = step.mu;
          // the full step; when it makes clusters meet that the plain update keeps
          // apart, half and a quarter of it (approaching, not merging)
          for (let a = 1; a >= 0.25 && iterations < maxIter; a /= 2) {
            const c = step.at(a);
            if (!c) break;
            const cand = evaluate(beta, c, bCand);
            iterations++;
            // lower, or equal within the rounding of a sum over the inputs (next to the
            // fixed point the Newton step is right and Phi cannot tell the difference)
            if (!(cand.phi < plain.phi + PHI_ROUNDING * (1 + Math.abs(plain.phi)))) break;
            if (!mergesMore(cand, plain)) {
              accepted = cand;
              break;
            }
          }
          if (accepted) {
            mu = mu < 1e-9 ? 0 : mu / 4;
            backoff = 1;
          } else {
            mu = Math.min(MAX_MU, Math.max(1e-3, mu * 10));
            wait = backoff;
            backoff = Math.min(8, backoff * 2);
          }
        } else {
          // no positive definite system up to the largest damping: plain updates for a while
          mu = 0;
          wait = backoff;
          backoff = Math.min(8, backoff * 2);
        }
      }
      if (accepted) {
        cur = accepted;
        [bCur, bCand] = [bCand, bCur];
      } else {
        cur = plain;
        [bCur, bPlain] = [bPlain, bCur];
      }
    }
    return { clusters: last.next, encoder: last.enc, iterations, converged };
  };

  return { solve, encode: fallback.encode, stats: fallback.stats };
}

/** Scratch of {@link newtonStep}: the system, grown as needed. */
let sys = new Float64Array(0);
let chol = new Float64Array(0);

/**
 * The Levenberg-Marquardt step from the evaluated point `e` (moments in
 * `mom`) with damping at least `mu0`: the new parameters and the damping
 * used; undefined when a decoder sits at 0 or 1 or no damping up to 1e3 MAX_MU
 * gives a positive definite system (1e3 {@link MAX_MU}).
 */
function newtonStep(
  beta: number,
  e: Evaluated,
  mom: Moments,
  mu0: number,
): { at: (a: number) => Clusters | undefined; mu: number } | undefined {
  const K = e.c.k;
  const n = 2 * K;
  const { m0, m1, m2, s2 } = mom;
  const pt = e.c.pt;
  const P = e.next.pt;
  const r = new Float64Array(K);
  for (let t = 0; t < K; t++) {
    const v = e.c.rnum[2 * t + 1] / pt[t];
    if (!(v > 1e-12 && v < 1 - 1e-12) || !(pt[t] > 0)) return undefined;
    r[t] = v;
  }
  if (sys.length < n * n) {
    sys = new Float64Array(n * n);
    chol = new Float64Array(n * n);
  }
  const H = sys;
  const grad = new Float64Array(n);
  const b2 = beta * beta;
  for (let t = 0; t < K; t++) {
    const Rt = e.next.rnum[2 * t + 1];
    grad[t] = pt[t] - P[t];
    grad[K + t] = -beta * (Rt - r[t] * P[t]);
    for (let u = 0; u < K; u++) {
      const i = t * K + u;
      const d = t === u ? 1 : 0;
      // gauge fixed: H_cc + p p^T
      H[t * n + u] = m0[i] - d * (P[t] - pt[t]);
      const cr = -beta * (d * (Rt - r[t] * P[t]) - (m1[i] - r[u] * m0[i]));
      H[t * n + K + u] = cr;
      H[(K + u) * n + t] = cr;
      const cov = m2[i] - (r[t] + r[u]) * m1[i] + r[t] * r[u] * m0[i];
      const self = d * (s2[t] - 2 * r[t] * Rt + r[t] * r[t] * P[t]);
      H[(K + t) * n + K + u] = -b2 * (self - cov) + d * beta * r[t] * (1 - r[t]) * P[t];
    }
  }
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) scale[i] = 1 / Math.sqrt(Math.abs(H[i * n + i]) + 1e-300);
  const z = new Float64Array(n);
  for (let mu = mu0; mu <= 1e3 * MAX_MU; mu = Math.max(1e-8, mu * 10)) {
    if (!choleskySolve(H, scale, mu, grad, n, z)) continue;
    // the step in the original coordinates, scaled down to the largest allowed
    let big = 0;
    for (let i = 0; i < n; i++) {
      z[i] *= scale[i];
      const lim = i < K ? MAX_C_STEP : MAX_RHO_STEP;
      big = Math.max(big, Math.abs(z[i]) / lim);
    }
    const f = big > 1 ? 1 / big : 1;
    const step = z.slice(0, n);
    const at = (a: number): Clusters | undefined => {
      const c = new Float64Array(K);
      let cmax = -Infinity;
      for (let t = 0; t < K; t++) {
        c[t] = Math.log(pt[t]) + a * f * step[t];
        if (c[t] > cmax) cmax = c[t];
      }
      const npt = new Float64Array(K);
      let sum = 0;
      for (let t = 0; t < K; t++) sum += npt[t] = Math.exp(c[t] - cmax);
      const rnum = new Float64Array(2 * K);
      for (let t = 0; t < K; t++) {
        npt[t] /= sum;
        const rho = Math.log(r[t] / (1 - r[t])) + a * f * step[K + t];
        const rt = 1 / (1 + Math.exp(-rho));
        if (!(npt[t] > 0) || !(rt > 0 && rt < 1)) return undefined;
        rnum[2 * t] = npt[t] * (1 - rt);
        rnum[2 * t + 1] = npt[t] * rt;
      }
      return { k: K, pt: npt, rnum };
    };
    return { at, mu };
  }
  return undefined;
}

/**
 * Solves (S H S + mu I) y = -S g and leaves x = y (to be scaled by S) in
 * `out`; false when the matrix is not positive definite.
 */
function choleskySolve(
  H: Float64Array,
  s: Float64Array,
  mu: number,
  g: Float64Array,
  n: number,
  out: Float64Array,
): boolean {
  const L = chol;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let v = H[i * n + j] * s[i] * s[j] + (i === j ? mu : 0);
      for (let k = 0; k < j; k++) v -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(v > 1e-14)) return false;
        L[i * n + i] = Math.sqrt(v);
      } else L[i * n + j] = v / L[j * n + j];
    }
  }
  for (let i = 0; i < n; i++) {
    let v = -g[i] * s[i];
    for (let k = 0; k < i; k++) v -= L[i * n + k] * out[k];
    out[i] = v / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let v = out[i];
    for (let k = i + 1; k < n; k++) v -= L[k * n + i] * out[k];
    out[i] = v / L[i * n + i];
  }
  return true;
}
