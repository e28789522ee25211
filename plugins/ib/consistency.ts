/**
 * How IB-like a layer's encoder is: the fitted beta* of [SZT] eq. 12 and
 * the self-consistency residual there.
 *
 * What is computed, and why. A layer's binned encoder p_L(t|x) is a point
 * mass on the layer's own bin symbol, and the clusters of an IB solution
 * are not the layer's bins, so E_x KL[p_L(t|x) || p_IB(t|x)] needs both
 * encoders over one cluster space. We use the layer's: the IB encoder at
 * beta is the self-consistent update evaluated with the layer's own
 * clusters,
 *
 *   p_beta(t|x) = p_L(t) exp(-beta KL[p(y|x) || p_L(y|t)]) / Z(x, beta),
 *
 * with p_L(t) = sum_x p(x) p_L(t|x) and p_L(y|t) from the same joint the IB
 * curve uses. p_beta = p_L exactly when the layer's encoder is a fixed
 * point of the IB equations at beta, so KL(beta) = E_x KL[p_L(t|x) ||
 * p_beta(t|x)] is the self-consistency residual, 0 at an IB solution.
 * Expanding the logarithm gives, in closed form,
 *
 *   KL(beta) = I_L(X;T) + beta Dbar + sum_x p(x) log Z(x, beta),
 *   Dbar = E_{x,t~p_L} KL[p(y|x) || p_L(y|t)] = I(X;Y) - I_L(T;Y),
 *
 * the layer's IB functional minus its Blahut-Arimoto free energy. log Z
 * is a log-sum-exp of functions affine in beta, so KL(beta) is convex in
 * beta: beta* = argmin over the grid is unique (up to ties) and is the
 * maximum-likelihood inverse temperature of a Boltzmann model of the
 * layer's assignments with energies KL[p(y|x) || p_L(y|t)] and prior
 * p_L(t); at beta* the layer's mean distortion Dbar matches the model's.
 *
 * For a deterministic layer the residual cannot reach 0 at a finite beta
 * (the IB encoder is soft) unless its clusters have disjoint label
 * supports. A layer whose clusters all carry one of the joint's rows
 * p(y|x) exactly (pure clusters) has KL falling with beta to the floor
 * I_L(X;T) - H(decoders), the information it keeps about X beyond what its
 * decoders tell apart; the floor is reached to double precision at a
 * finite beta (exp(-beta KL) underflows against 1), and ties within
 * rounding go to the smallest beta, so beta* is where the floor is reached.
 * Because KL can be flat over a range of beta (exactly, as there, or to
 * within what matters), the fit also reports that range: every grid beta
 * whose KL lies within `flatTol` bits of the minimum, from `betaStarLo`
 * (= `betaStar` up to the tolerance) to `betaStarHi`. By convexity it is
 * one interval of the grid. A beta* that moves while the range stays wide
 * says little; compare ranges, not their lower ends.
 * The fit builds in some agreement (the critique noted in docs/methods.md section 5).
 *
 * Numerics: log Z by log-sum-exp, zero decoder entries floored at log =
 * -745, empty clusters never formed (clusters come from the layer's
 * symbols, each with mass). Clusters with equal decoders are pooled for Z
 * (exact: Z sums p(t) over them).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { GroupedJoint } from "./joint.ts";

const LOG_FLOOR = -745;
const LN2 = Math.LN2;

/** A layer's encoder: deterministic symbol ids, or a soft matrix. */
export type LayerEncoder =
  | { kind: "ids"; ids: Int32Array; clusters: number }
  | { kind: "soft"; p: Float64Array; clusters: number };

/** Result of {@link layerConsistency}; information in bits. */
export interface LayerConsistency {
  /** Index of beta* in `betas`. */
  starIndex: number;
  betaStar: number;
  /** KL(beta*) in bits. */
  klStar: number;
  /** Smallest and largest grid beta with KL within `flatTol` bits of the minimum. */
  betaStarLo: number;
  betaStarHi: number;
  /** KL(beta) in bits for every beta evaluated (NaN where skipped by the search). */
  kl: Float64Array;
  /** I_L(X;T) and I_L(T;Y) under the joint, bits. */
  ixt: number;
  ity: number;
}

/**
 * Fits beta* for one layer: `joint` is the grouped joint of the IB curve
 * (inputs in the layer's row order), `betas` the curve's betas (any
 * order). Evaluates every beta when `groups x clusters x betas` is at most
 * `fullScanLimit` (default 2e7), else a ternary search over the sorted grid
 * (exact for a convex KL, as here). Ties within 1e-12 (relative) go to the
 * smallest beta. The flat range ({@link LayerConsistency.betaStarLo} to
 * `betaStarHi`) holds the betas with KL <= KL* + `flatTol` bits (default
 * 1e-6); the search evaluates outward from beta* to find its ends.
 *
 * @example
 * ```ts
 * // 2 inputs, hard labels 0/1, a layer that separates them: pure clusters.
 * const g = groupJoint(jointFromLabels(new Int32Array([0, 1]), 2));
 * const r = layerConsistency(g, { kind: "ids", ids: new Int32Array([0, 1]), clusters: 2 }, [1, 10]);
 * r.klStar; // ~0
 * ```
 */
export function layerConsistency(
  joint: GroupedJoint,
  layer: LayerEncoder,
  betas: readonly number[],
  fullScanLimit = 2e7,
  flatTol = 1e-6,
): LayerConsistency {
  const { groupOf, w, q, ny: Y, groups: G } = joint;
  const nx = groupOf.length;
  const K = layer.clusters;
  if (layer.kind === "ids" ? layer.ids.length !== nx : layer.p.length !== nx * K) {
    throw new LensError(`layer encoder has the wrong size for ${nx} inputs`, {
      code: "data",
      field: "encoder",
      expected: `one row per input of the joint (${nx})`,
    });
  }
  if (!betas.length) {
    throw new LensError("no betas", { code: "data", field: "betas", expected: ">= 1 beta" });
  }
  const px = joint.px;
  // p_L(t) and p_L(t) p_L(y|t); I_L(X;T) in nats.
  const pt = new Float64Array(K);
  const rnum = new Float64Array(K * Y);
  let hTX = 0;
  for (let x = 0; x < nx; x++) {
    const m = px[x];
    if (m === 0) continue;
    const g = groupOf[x];
    if (layer.kind === "ids") {
      const t = layer.ids[x];
      if (!(t >= 0 && t < K)) {
        throw new LensError(`symbol ${t} at row ${x}`, {
          code: "data",
          field: "encoder",
          expected: `ids in [0, ${K})`,
        });
      }
      pt[t] += m;
      for (let y = 0; y < Y; y++) rnum[t * Y + y] += m * q[g * Y + y];
    } else {
      for (let t = 0; t < K; t++) {
        const v = layer.p[x * K + t];
        if (v <= 0) continue;
        hTX -= m * v * Math.log(v);
        pt[t] += m * v;
        for (let y = 0; y < Y; y++) rnum[t * Y + y] += m * v * q[g * Y + y];
      }
    }
  }
  let hT = 0;
  for (let t = 0; t < K; t++) if (pt[t] > 0) hT -= pt[t] * Math.log(pt[t]);
  const ixtNats = Math.max(0, hT - hTX);
  // log p_L(y|t), pooled over clusters with identical decoders (keyed by the
  // first component, other components compared; chains resolve collisions).
  const firstSeen = new Map<number, number>();
  const chain: number[] = [];
  const poolOf = new Int32Array(K).fill(-1);
  const logr: number[] = [];
  const poolMass: number[] = [];
  const row = new Float64Array(Y);
  for (let t = 0; t < K; t++) {
    if (!(pt[t] > 0)) continue;
    for (let y = 0; y < Y; y++) {
      const r = rnum[t * Y + y] / pt[t];
      row[y] = r > 0 ? Math.log(r) : LOG_FLOOR;
    }
    let u = firstSeen.get(row[0]) ?? -1;
    while (u >= 0) {
      let same = true;
      for (let y = 1; y < Y; y++) {
        if (logr[u * Y + y] !== row[y]) {
          same = false;
          break;
        }
      }
      if (same) break;
      u = chain[u];
    }
    if (u < 0) {
      u = poolMass.length;
      chain.push(firstSeen.get(row[0]) ?? -1);
      firstSeen.set(row[0], u);
      poolMass.push(0);
      for (let y = 0; y < Y; y++) logr.push(row[y]);
    }
    poolOf[t] = u;
    poolMass[u] += pt[t];
  }
  const P = poolMass.length;
  // D[g][u] = KL(q_g || r_u) in nats.
  const D = new Float64Array(G * P);
  for (let g = 0; g < G; g++) {
    let negH = 0;
    for (let y = 0; y < Y; y++) {
      const v = q[g * Y + y];
      if (v > 0) negH += v * Math.log(v);
    }
    for (let u = 0; u < P; u++) {
      let cross = 0;
      for (let y = 0; y < Y; y++) {
        const v = q[g * Y + y];
        if (v > 0) cross += v * logr[u * Y + y];
      }
      D[g * P + u] = Math.max(0, negH - cross);
    }
  }
  // Dbar and I_L(T;Y).
  let dbar = 0;
  for (let x = 0; x < nx; x++) {
    const m = px[x];
    if (m === 0) continue;
    const g = groupOf[x];
    if (layer.kind === "ids") {
      dbar += m * D[g * P + poolOf[layer.ids[x]]];
    } else {
      for (let t = 0; t < K; t++) {
        const v = layer.p[x * K + t];
        if (v > 0) dbar += m * v * D[g * P + poolOf[t]];
      }
    }
  }
  const py = new Float64Array(Y);
  for (let g = 0; g < G; g++) for (let y = 0; y < Y; y++) py[y] += w[g] * q[g * Y + y];
  let ity = 0;
  for (let t = 0; t < K; t++) {
    if (!(pt[t] > 0)) continue;
    for (let y = 0; y < Y; y++) {
      const r = rnum[t * Y + y] / pt[t];
      if (r > 0) ity += pt[t] * r * Math.log2(r / py[y]);
    }
  }
  const logMass = poolMass.map((m) => Math.log(m));
  const klAt = (beta: number): number => {
    let s = ixtNats + beta * dbar;
    for (let g = 0; g < G; g++) {
      if (w[g] === 0) continue;
      let m = -Infinity;
      for (let u = 0; u < P; u++) {
        const l = logMass[u] - beta * D[g * P + u];
        if (l > m) m = l;
      }
      let z = 0;
      for (let u = 0; u < P; u++) z += Math.exp(logMass[u] - beta * D[g * P + u] - m);
      s += w[g] * (m + Math.log(z));
    }
    return Math.max(0, s) / LN2;
  };
  const order = betas.map((b, i) => [b, i] as const).sort((a, b) => a[0] - b[0]);
  const kl = new Float64Array(betas.length).fill(NaN);
  const evalAt = (j: number): number => {
    const i = order[j][1];
    if (Number.isNaN(kl[i])) kl[i] = klAt(betas[i]);
    return kl[i];
  };
  let lo = 0;
  let hi = order.length - 1;
  if (G * P * betas.length > fullScanLimit) {
    while (hi - lo > 2) {
      const m1 = lo + Math.floor((hi - lo) / 3);
      const m2 = hi - Math.floor((hi - lo) / 3);
      if (evalAt(m1) <= evalAt(m2)) hi = m2;
      else lo = m1;
    }
  }
  let min = Infinity;
  for (let j = lo; j <= hi; j++) min = Math.min(min, evalAt(j));
  // Ties (within rounding) go to the smallest beta.
  let best = hi;
  for (let j = hi; j >= 0; j--) {
    const i = order[j][1];
    if (Number.isNaN(kl[i])) continue;
    if (kl[i] <= min + 1e-12 * Math.max(1, min)) best = j;
  }
  const starIndex = order[best][1];
  // The flat range: KL convex, so walk outward from beta* while within flatTol.
  const flat = min + Math.max(0, flatTol);
  let jLo = best;
  while (jLo > 0 && evalAt(jLo - 1) <= flat) jLo--;
  let jHi = best;
  while (jHi < order.length - 1 && evalAt(jHi + 1) <= flat) jHi++;
  return {
    starIndex,
    betaStar: betas[starIndex],
    betaStarLo: order[jLo][0],
    betaStarHi: order[jHi][0],
    klStar: kl[starIndex],
    kl,
    ixt: ixtNats / LN2,
    ity: Math.max(0, ity),
  };
}
