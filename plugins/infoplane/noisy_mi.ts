/**
 * Mutual information through a noisy layer, estimated by Monte Carlo
 * (Goldfeld et al., ICML 2019, "Estimating Information Flow in Deep Neural
 * Networks", sample propagation).
 *
 * The layer's rows t_1..t_P are the equally weighted atoms of T; the noisy
 * layer is S = T + Z with Z ~ N(0, s2 I_d), so S has the Gaussian-mixture
 * density p(s) = (1/P) sum_j phi(s - t_j). For a discrete variable G that
 * assigns each row a group g_j (the input a row came from, or its class),
 * S given G = g is the mixture over the rows of group g, and
 *
 *   I(G; S) = h(S) - sum_g p(g) h(S | G = g)
 *           = E[ln p(S | G) - ln p(S)],
 *
 * the expectation over (G, S) drawn jointly: pick a row j, set G = g_j and
 * S = t_j + z. The Gaussian normalising constants cancel in the
 * difference, leaving ln of two averages of exp(-||s - t||^2 / (2 s2)),
 * over the group's rows and over all rows. With each row its own group (a
 * deterministic layer, each input one atom) p(s | g) is a single Gaussian
 * and I(X; S) = h(S) - h(Z).
 *
 * The M draws are stratified over rows (row j receives floor(M / P) or one
 * more draw; when M < P, a random subset of rows gets one draw each), every
 * grouping is evaluated on the same draws, and the standard error is the
 * sample standard deviation of the M per-draw terms over sqrt(M) (the iid
 * formula, slightly conservative under stratification).
 *
 * Each per-draw log-average is shifted by its smallest distance, so no
 * term underflows for small s2. Cost O(M P d) time, O(P d + M) memory.
 *
 * @module
 */
import { permutation, type Rng } from "../../core/rng.ts";
import { EXP_NEG_MAX, expNeg } from "./exp_neg.ts";

/** One Monte Carlo estimate with its standard error, in bits. */
export interface NoisyEstimate {
  /** I(G; T + Z) in bits. */
  bits: number;
  /** Standard error of `bits` (Monte Carlo only; not the sampling error of the rows). */
  se: number;
}

/**
 * I(G; T + Z) in bits for each grouping in `groups` (each an Int32Array of
 * one group id per row, ids any integers), from the layer `data`
 * (`rows x cols`, row-major), noise variance `noiseVariance` (> 0), `samples`
 * Monte Carlo draws (>= 2) from `rng`.
 *
 * @example
 * ```ts
 * // two rows far apart, each its own group: I = 1 bit, se ~ 0
 * noisyMi(new Float32Array([0, 100]), 2, 1, [new Int32Array([0, 1])], 1, 64, createRng(0))[0];
 * ```
 */
export function noisyMi(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  groups: readonly Int32Array[],
  noiseVariance: number,
  samples: number,
  rng: Rng,
): NoisyEstimate[] {
  const P = rows, d = cols, G = groups.length;
  if (!(noiseVariance > 0)) throw new RangeError(`noise variance ${noiseVariance} is not > 0`);
  if (!(P >= 1 && samples >= 2)) throw new RangeError(`need rows >= 1 and samples >= 2`);
  const sd = Math.sqrt(noiseVariance);
  const c = 1 / (2 * noiseVariance);
  const tm = Float64Array.from(data as ArrayLike<number>);
  const s = new Float64Array(d);
  const dist = new Float64Array(P);
  const terms = groups.map(() => new Float64Array(samples));
  const lists = groups.map((g) => groupLists(g, P));
  const order = samples < P ? permutation(rng, P) : undefined;
  for (let m = 0; m < samples; m++) {
    const row = order ? order[m] : m % P;
    const ro = row * d;
    for (let q = 0; q < d; q++) s[q] = tm[ro + q] + sd * rng.normal();
    let dMin = Infinity;
    for (let j = 0; j < P; j++) {
      const jo = j * d;
      let acc = 0;
      for (let q = 0; q < d; q++) {
        const g = tm[jo + q] - s[q];
        acc += g * g;
      }
      dist[j] = acc;
      if (acc < dMin) dMin = acc;
    }
    // ln of the mean over all rows, shifted by dMin
    let all = 0;
    for (let j = 0; j < P; j++) {
      const a = (dist[j] - dMin) * c;
      if (a <= EXP_NEG_MAX) all += expNeg(a);
    }
    const lnAll = Math.log(all / P) - dMin * c;
    for (let k = 0; k < G; k++) {
      const { members, from, to } = lists[k];
      const a0 = from[row], a1 = to[row];
      let gMin = Infinity;
      for (let a = a0; a < a1; a++) {
        const v = dist[members[a]];
        if (v < gMin) gMin = v;
      }
      let part = 0;
      for (let a = a0; a < a1; a++) {
        const e = (dist[members[a]] - gMin) * c;
        if (e <= EXP_NEG_MAX) part += expNeg(e);
      }
      const term = Math.log(part / (a1 - a0)) - gMin * c - lnAll;
      terms[k][m] = term;
    }
  }
  return terms.map((t) => {
    let mean = 0;
    for (let m = 0; m < samples; m++) mean += t[m];
    mean /= samples;
    let ss = 0; // two passes: no cancellation when the terms barely vary
    for (let m = 0; m < samples; m++) ss += (t[m] - mean) ** 2;
    return { bits: mean / Math.LN2, se: Math.sqrt(ss / (samples - 1) / samples) / Math.LN2 };
  });
}

/** Rows sorted by group, and for each row the range of its group's rows in that order. */
function groupLists(gid: Int32Array, P: number) {
  if (gid.length !== P) throw new RangeError(`a grouping has ${gid.length} ids for ${P} rows`);
  const dense = new Map<number, number>();
  const ids = new Int32Array(P);
  for (let j = 0; j < P; j++) {
    let v = dense.get(gid[j]);
    if (v === undefined) dense.set(gid[j], v = dense.size);
    ids[j] = v;
  }
  const start = new Int32Array(dense.size + 1);
  for (let j = 0; j < P; j++) start[ids[j] + 1]++;
  for (let g = 0; g < dense.size; g++) start[g + 1] += start[g];
  const fill = start.slice(0, dense.size);
  const members = new Int32Array(P);
  for (let j = 0; j < P; j++) members[fill[ids[j]]++] = j;
  const from = new Int32Array(P), to = new Int32Array(P);
  for (let j = 0; j < P; j++) {
    from[j] = start[ids[j]];
    to[j] = start[ids[j] + 1];
  }
  return { members, from, to };
}
