/**
 * When an IB cluster splits, and along which direction (the phase
 * transitions of deterministic annealing; Rose 1998, for the IB e.g.
 * Zaslavsky & Tishby 2019).
 *
 * Duplicate cluster t of a fixed point into two copies, each with half of
 * its encoder entries: still a fixed point. Perturb the copies in opposite
 * directions, p(t+-|x) = p(t|x) (1/2 +- eta(x)). To first order the other
 * clusters do not move, and one update maps eta to beta A eta, with
 *
 *   (A eta)(x) = sum_y p(y|x) E_{x'|t}[eta(x') u_y(x')],
 *   u_y(x) = p(y|x) / p(y|t) - 1,
 *
 * the expectation over the cluster's inputs p(x|t) = p(x) p(t|x) / p(t).
 * A is symmetric in L2(p(x|t)); its nonzero eigenvalues are those of the
 * Y x Y matrix
 *
 *   N[y][y'] = E_{x|t}[p(y|x) p(y'|x)] / sqrt(p(y|t) p(y'|t)) - sqrt(p(y|t) p(y'|t)),
 *
 * the correlation matrix of (X, Y) under p(x|t) p(y|x) with its trivial
 * eigenvalue 1 removed. Its largest eigenvalue lambda_t is the squared
 * maximal correlation of X and Y within the cluster, and the copies drift
 * apart exactly when beta lambda_t > 1: the critical beta of cluster t is
 * 1 / lambda_t (for one cluster, 1 / rho^2 of the whole joint; for binary Y,
 * lambda_t = Var_{x|t} p(y=1|x) / (p(y=1|t) p(y=0|t))). With eigenvector v
 * the unstable direction is eta(x) proportional to sum_y v_y p(y|x) / sqrt(p(y|t)).
 *
 * This is a local test (second-order transitions). A transition where a
 * far-away cluster becomes worth creating before any cluster is unstable
 * is not seen by it.
 *
 * @module
 */
import { symmetricEigen } from "../complexity/small_linalg.ts";
import type { IbProblem } from "./beta_solver.ts";
import type { Clusters } from "./clusters.ts";
import type { SparseRows } from "./sparse_rows.ts";

/** Per cluster: lambda_t (critical beta 1 / lambda_t) and the unstable direction in y. */
export interface SplitModes {
  /** Largest nontrivial eigenvalue of each cluster's N (0 for one-label clusters). */
  lambda: Float64Array;
  /** Unit eigenvector v of each cluster (row-major k x Y; 0 off the decoder's support). */
  v: Float64Array;
}

/**
 * {@link SplitModes} of every cluster of an encoder `enc` over the groups
 * of `p`, whose cluster parameters are `c` (as the encoder implies them).
 */
export function splitModes(p: IbProblem, enc: SparseRows, c: Clusters): SplitModes {
  const { G, Y, w, nzStart, nzY, nzQ } = p;
  const K = c.k;
  // Second moments sum_x p(x) p(t|x) p(y|x) p(y'|x), K x Y x Y.
  const m2 = new Float64Array(K * Y * Y);
  for (let g = 0; g < G; g++) {
    if (w[g] === 0) continue;
    for (let e = enc.rowPtr[g]; e < enc.rowPtr[g + 1]; e++) {
      const base = enc.cols[e] * Y * Y;
      const m = w[g] * enc.vals[e];
      for (let a = nzStart[g]; a < nzStart[g + 1]; a++) {
        const ma = m * nzQ[a];
        const row = base + nzY[a] * Y;
        for (let b = nzStart[g]; b < nzStart[g + 1]; b++) m2[row + nzY[b]] += ma * nzQ[b];
      }
    }
  }
  const lambda = new Float64Array(K);
  const v = new Float64Array(K * Y);
  const support: number[] = [];
  for (let t = 0; t < K; t++) {
    if (!(c.pt[t] > 0)) continue;
    support.length = 0;
    for (let y = 0; y < Y; y++) if (c.rnum[t * Y + y] > 0) support.push(y);
    const n = support.length;
    if (n < 2) continue;
    const s = support.map((y) => Math.sqrt(c.rnum[t * Y + y] / c.pt[t]));
    const N = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const e = m2[t * Y * Y + support[i] * Y + support[j]] / c.pt[t];
        N[i * n + j] = e / (s[i] * s[j]) - s[i] * s[j];
      }
    }
    const eig = symmetricEigen(N, n);
    lambda[t] = Math.max(0, eig.values[0]);
    for (let i = 0; i < n; i++) v[t * Y + support[i]] = eig.vectors[i * n];
  }
  return { lambda, v };
}

/**
 * Splits every cluster in `which` into two along its unstable direction:
 * the copies take p(t|x) (1/2 +- amount eta(x) / max|eta|), eta as in the
 * module notes, so the split lies inside the cluster's own inputs. Other
 * clusters are kept; copies are appended at the end.
 */
export function splitClusters(
  p: IbProblem,
  enc: SparseRows,
  c: Clusters,
  modes: SplitModes,
  which: readonly number[],
  amount = 0.25,
): Clusters {
  const { G, Y, w, nzStart, nzY, nzQ } = p;
  const K = c.k;
  const slot = new Int32Array(K).fill(-1);
  which.forEach((t, i) => (slot[t] = K + i));
  const Kn = K + which.length;
  // eta(g) per split cluster, and its largest magnitude over the cluster's inputs.
  const scale = new Float64Array(K);
  const inv = new Float64Array(K * Y);
  for (const t of which) {
    for (let y = 0; y < Y; y++) {
      const r = c.rnum[t * Y + y] / c.pt[t];
      inv[t * Y + y] = r > 0 ? modes.v[t * Y + y] / Math.sqrt(r) : 0;
    }
  }
  const eta = (g: number, t: number) => {
    let s = 0;
    for (let k = nzStart[g]; k < nzStart[g + 1]; k++) s += inv[t * Y + nzY[k]] * nzQ[k];
    return s;
  };
  for (let g = 0; g < G; g++) {
    for (let e = enc.rowPtr[g]; e < enc.rowPtr[g + 1]; e++) {
      const t = enc.cols[e];
      if (slot[t] >= 0) scale[t] = Math.max(scale[t], Math.abs(eta(g, t)));
    }
  }
  const pt = new Float64Array(Kn);
  const rnum = new Float64Array(Kn * Y);
  for (let g = 0; g < G; g++) {
    if (w[g] === 0) continue;
    for (let e = enc.rowPtr[g]; e < enc.rowPtr[g + 1]; e++) {
      const t = enc.cols[e];
      const m = w[g] * enc.vals[e];
      if (slot[t] < 0) {
        pt[t] += m;
        for (let k = nzStart[g]; k < nzStart[g + 1]; k++) rnum[t * Y + nzY[k]] += m * nzQ[k];
        continue;
      }
      const h = scale[t] > 0 ? amount * eta(g, t) / scale[t] : 0;
      const u = slot[t];
      const ma = m * (0.5 + h);
      const mb = m * (0.5 - h);
      pt[t] += ma;
      pt[u] += mb;
      for (let k = nzStart[g]; k < nzStart[g + 1]; k++) {
        rnum[t * Y + nzY[k]] += ma * nzQ[k];
        rnum[u * Y + nzY[k]] += mb * nzQ[k];
      }
    }
  }
  return { k: Kn, pt, rnum };
}
