/**
 * A Newton step for the IB fixed-point iteration with binary labels
 * (|Y| = 2), where plain updates crawl: next to merges and phase
 * transitions the update's Jacobian has eigenvalues close to 1, and the
 * stress case of bench/ib_curve.ts spent two thirds of its updates in
 * solves that reached the update cap.
 *
 * Parameters per cluster: u_t = log p(t) and r_t = p(y=1|t). With
 * s_g = p(y=1|g), the plain update G maps them through the encoder
 * P_tg = softmax_t(u_t + beta [s_g log r_t + (1 - s_g) log(1 - r_t)]) to
 * p'(t) = sum_g w_g P_tg and R_t = sum_g w_g P_tg s_g (r'_t = R_t / p'(t)).
 * Its Jacobian is exact and cheap from the encoder's moments
 * M_j[u][t] = sum_g w_g P_ug P_tg s_g^j (j = 0, 1, 2), since
 * dP_ug / dl_tg = P_ug (delta_ut - P_tg), dl_tg / du_t = 1 and
 * dl_tg / dr_t = beta (s_g - r_t) / (r_t (1 - r_t)). The step solves
 * (I - J) delta = G(theta) - theta; the solver tries the full step, then
 * quarter steps (damping).
 *
 * The caller treats the result like an extrapolation: it is kept only if
 * it lowers the free energy, and convergence is still judged on two plain
 * updates, so the fixed point and its test are those of the plain
 * iteration; only the number of updates to reach it changes.
 *
 * @module
 */
import type { Clusters } from "./clusters.ts";
import type { IbProblem } from "./beta_solver.ts";
import type { SparseRows } from "./sparse_rows.ts";

/** Scratch space of {@link newtonDirection}, grown as needed and reused. */
export interface NewtonScratch {
  m: Float64Array;
  a: Float64Array;
}

/** Fresh scratch for {@link newtonDirection}. */
export function newtonScratch(): NewtonScratch {
  return { m: new Float64Array(0), a: new Float64Array(0) };
}

/**
 * The Newton step from clusters `c1`, whose encoder at `beta` is `enc` and
 * whose plain update is `c2` (the encoder's statistics); undefined when it
 * is not defined (labels not binary, a decoder at 0 or 1, a singular
 * system). {@link newtonPoint} takes a fraction of it.
 */
export function newtonDirection(
  p: IbProblem,
  beta: number,
  c1: Clusters,
  enc: SparseRows,
  c2: Clusters,
  scratch: NewtonScratch,
): NewtonDirection | undefined {
  const { G, Y, w, q } = p;
  if (Y !== 2) return undefined;
  const K = c1.k;
  if (c2.k !== K) return undefined;
  const r = new Float64Array(K);
  const ct = new Float64Array(K);
  for (let t = 0; t < K; t++) {
    if (!(c1.pt[t] > 0) || !(c2.pt[t] > 0)) return undefined;
    const v = c1.rnum[t * 2 + 1] / c1.pt[t];
    if (!(v > 1e-12 && v < 1 - 1e-12)) return undefined;
    r[t] = v;
    ct[t] = beta / (v * (1 - v));
  }
  // moments M0, M1, M2 (K x K, symmetric) and S2_u = sum_g w_g P_ug s_g^2
  const KK = K * K;
  if (scratch.m.length < 3 * KK + K) scratch.m = new Float64Array(3 * KK + K);
  const M = scratch.m;
  M.fill(0, 0, 3 * KK + K);
  const o1 = KK, o2 = 2 * KK, oS = 3 * KK;
  const { rowPtr, cols, vals } = enc;
  for (let g = 0; g < G; g++) {
    const wg = w[g];
    if (wg === 0) continue;
    const s = q[g * 2 + 1];
    const s2 = s * s;
    const e0 = rowPtr[g], e1 = rowPtr[g + 1];
    for (let a = e0; a < e1; a++) {
      const ua = cols[a];
      const pa = wg * vals[a];
      M[oS + ua] += pa * s2;
      const row = ua * K;
      for (let b = e0; b <= a; b++) {
        const v = pa * vals[b];
        const i = row + cols[b];
        M[i] += v;
        M[o1 + i] += v * s;
        M[o2 + i] += v * s2;
      }
    }
  }
  // symmetrise: columns ascend within an encoder row, so pairs b <= a filled the lower triangle
  for (let u = 0; u < K; u++) {
    for (let t = 0; t < u; t++) {
      for (const o of [0, o1, o2]) {
        const v = M[o + u * K + t] + M[o + t * K + u];
        M[o + u * K + t] = v;
        M[o + t * K + u] = v;
      }
    }
  }
  // Jacobian of G in (u, r): n = 2K, row-major in A = I - J, rhs in the last column.
  const n = 2 * K;
  const w1 = n + 1;
  if (scratch.a.length < n * w1) scratch.a = new Float64Array(n * w1);
  const A = scratch.a;
  A.fill(0, 0, n * w1);
  for (let u = 0; u < K; u++) {
    const P = c2.pt[u];
    const R = c2.rnum[u * 2 + 1];
    const rp = R / P;
    for (let t = 0; t < K; t++) {
      const d = u === t ? 1 : 0;
      const m0 = M[u * K + t], m1 = M[o1 + u * K + t], m2 = M[o2 + u * K + t];
      const dPdu = d * P - m0;
      const dPdr = ct[t] * (d * (R - r[t] * P) - (m1 - r[t] * m0));
      const dRdu = d * R - m1;
      const dRdr = ct[t] * (d * (M[oS + u] - r[t] * R) - (m2 - r[t] * m1));
      // u'_u = log P: du' = dP / P; r'_u = R / P: dr' = (dR - r' dP) / P
      A[u * w1 + t] = d - dPdu / P;
      A[u * w1 + K + t] = -dPdr / P;
      A[(K + u) * w1 + t] = -(dRdu - rp * dPdu) / P;
      A[(K + u) * w1 + K + t] = (u === t ? 1 : 0) - (dRdr - rp * dPdr) / P;
    }
    A[u * w1 + n] = Math.log(P) - Math.log(c1.pt[u]);
    A[(K + u) * w1 + n] = rp - r[u];
  }
  // Gaussian elimination with partial pivoting on [A | rhs]
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(A[col * w1 + col]);
    for (let i = col + 1; i < n; i++) {
      const v = Math.abs(A[i * w1 + col]);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (!(best > 1e-12)) return undefined;
    if (piv !== col) {
      for (let j = col; j <= n; j++) {
        const tmp = A[col * w1 + j];
        A[col * w1 + j] = A[piv * w1 + j];
        A[piv * w1 + j] = tmp;
      }
    }
    const inv = 1 / A[col * w1 + col];
    for (let i = col + 1; i < n; i++) {
      const f = A[i * w1 + col] * inv;
      if (f === 0) continue;
      for (let j = col; j <= n; j++) A[i * w1 + j] -= f * A[col * w1 + j];
    }
  }
  const delta = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = A[i * w1 + n];
    for (let j = i + 1; j < n; j++) s -= A[i * w1 + j] * delta[j];
    delta[i] = s / A[i * w1 + i];
  }
  return { r, delta, pt: c1.pt };
}

/** A Newton step: the parameters it starts from and the full step. */
export interface NewtonDirection {
  /** p(y=1|t) at the start. */
  r: Float64Array;
  /** p(t) at the start. */
  pt: Float64Array;
  /** The step in (log p(t), p(y=1|t)), length 2K. */
  delta: Float64Array;
}

/** Clusters at theta + a delta of a {@link NewtonDirection}; undefined outside the simplex. */
export function newtonPoint(dir: NewtonDirection, a: number): Clusters | undefined {
  const { r, delta, pt: pt0 } = dir;
  const K = r.length;
  let umax = -Infinity;
  const u = new Float64Array(K);
  for (let t = 0; t < K; t++) {
    u[t] = Math.log(pt0[t]) + a * delta[t];
    if (u[t] > umax) umax = u[t];
  }
  if (!Number.isFinite(umax)) return undefined;
  const pt = new Float64Array(K);
  let sum = 0;
  for (let t = 0; t < K; t++) sum += pt[t] = Math.exp(u[t] - umax);
  const rnum = new Float64Array(K * 2);
  for (let t = 0; t < K; t++) {
    pt[t] /= sum;
    const rt = r[t] + a * delta[K + t];
    if (!(rt > 0 && rt < 1) || !(pt[t] > 0)) return undefined;
    rnum[t * 2] = pt[t] * (1 - rt);
    rnum[t * 2 + 1] = pt[t] * rt;
  }
  return { k: K, pt, rnum };
}
