/**
 * Shapley values of a cooperative game with `players` players, pure
 * kernels. A coalition is a bit mask (bit i = player i), so at most 30
 * players.
 *
 * - {@link shapleyExact}: from the full table of 2^n coalition values,
 *   phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! (v(S+i) - v(S)).
 * - {@link shapleyFromPermutations}: Monte Carlo over random orderings,
 *   phi_i = mean over orderings of i's marginal contribution, with the
 *   standard error sd / sqrt(#orderings).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { permutation, type Rng } from "../../core/rng.ts";

/** Largest number of players a bit mask holds here. */
export const MAX_PLAYERS = 30;

function checkPlayers(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PLAYERS) {
    throw new LensError(`cannot compute Shapley values for ${n} players`, {
      code: "plugin",
      field: "players",
      expected: `an integer from 1 to ${MAX_PLAYERS}`,
    });
  }
}

/** Number of set bits. */
export function popcount(m: number): number {
  m = m - ((m >>> 1) & 0x55555555);
  m = (m & 0x33333333) + ((m >>> 2) & 0x33333333);
  return (((m + (m >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The standard weights |S|! (n-|S|-1)! / n! for |S| = 0..n-1. */
export function shapleyWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  // w(s) = 1 / (n * C(n-1, s))
  let c = 1;
  for (let s = 0; s < n; s++) {
    w[s] = 1 / (n * c);
    c = (c * (n - 1 - s)) / (s + 1);
  }
  return w;
}

/**
 * Exact Shapley values from `v`, the value of every coalition indexed by
 * its mask (length 2^n).
 *
 * @example
 * ```ts
 * // v(S) = |S|^2 for 2 players: phi = [2, 2]
 * shapleyExact([0, 1, 1, 4], 2);
 * ```
 */
export function shapleyExact(v: ArrayLike<number>, n: number): Float64Array {
  checkPlayers(n);
  const size = 1 << n;
  if (v.length !== size) {
    throw new LensError(`value table has ${v.length} entries`, {
      code: "plugin",
      field: "values",
      expected: `2^${n} = ${size} entries`,
    });
  }
  const w = shapleyWeights(n);
  const phi = new Float64Array(n);
  for (let s = 0; s < size; s++) {
    const ws = w[Math.min(popcount(s), n - 1)];
    for (let i = 0; i < n; i++) {
      const bit = 1 << i;
      if (s & bit) continue;
      phi[i] += ws * (v[s | bit] - v[s]);
    }
  }
  return phi;
}

/** `count` random orderings of `n` players. */
export function samplePermutations(n: number, count: number, rng: Rng): Int32Array[] {
  checkPlayers(n);
  return Array.from({ length: count }, () => permutation(rng, n));
}

/** Every coalition the orderings visit (prefixes, the empty one included), ascending. */
export function permutationCoalitions(perms: Int32Array[]): number[] {
  const set = new Set<number>([0]);
  for (const p of perms) {
    let m = 0;
    for (const i of p) {
      m |= 1 << i;
      set.add(m);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** Monte Carlo Shapley estimate with its standard error. */
export interface SampledShapley {
  phi: Float64Array;
  /** Standard error of each phi (sd of the marginal contributions / sqrt(#orderings)). */
  se: Float64Array;
  permutations: number;
}

/**
 * Shapley values from orderings: each ordering adds players one by one and
 * credits each with its marginal contribution. `value(mask)` must know
 * every coalition of {@link permutationCoalitions}.
 */
export function shapleyFromPermutations(
  perms: Int32Array[],
  value: (mask: number) => number,
  n: number,
): SampledShapley {
  checkPlayers(n);
  const sum = new Float64Array(n);
  const sq = new Float64Array(n);
  for (const p of perms) {
    let m = 0;
    let prev = value(0);
    for (const i of p) {
      m |= 1 << i;
      const cur = value(m);
      const d = cur - prev;
      sum[i] += d;
      sq[i] += d * d;
      prev = cur;
    }
  }
  const k = perms.length;
  const phi = new Float64Array(n);
  const se = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    phi[i] = k ? sum[i] / k : NaN;
    const variance = k > 1 ? Math.max(0, (sq[i] - k * phi[i] * phi[i]) / (k - 1)) : NaN;
    se[i] = Math.sqrt(variance / k);
  }
  return { phi, se, permutations: k };
}
